"""Gated promotion: a candidate's versions against the champion's on the validation set, decided by gates."""

from components.promotion.candidate import Candidate, parse_items
from components.promotion.evaluate import METRICS, measure, run_validation, worst_regressions
from components.promotion.gates import DEFAULT_GATES, Gate, GateResult, check_gates

__all__ = ["DEFAULT_GATES", "METRICS", "Candidate", "Gate", "GateResult", "check_gates", "measure", "parse_items",
           "run_validation", "worst_regressions"]
