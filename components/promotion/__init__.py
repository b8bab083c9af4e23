"""Gated promotion: a candidate's versions against the champion's on the validation set, decided by gates."""

from components.lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["Candidate", "parse_items"], "components.promotion.candidate"),
    **dict.fromkeys(["ANSWERED_BY", "METRICS", "answered_by", "measure", "run_validation",
                     "worst_regressions"], "components.promotion.evaluate"),
    **dict.fromkeys(["challenger_of", "decide", "evaluate_sides", "gate_table", "load_side", "move_champion",
                     "promotion_report", "promotion_run", "validation_sample", "version_store"],
                    "components.promotion.decision"),
    **dict.fromkeys(["DEFAULT_GATES", "Gate", "GateResult", "check_gates"], "components.promotion.gates"),
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
