"""Great Expectations suites for the data skew checks read: samples (query/response files, the
validation set) and the conversation log. A batch that breaks its suite fails the check with GX's
result; it is never silently reported as skew.

GX validates pandas, so polars frames cross the boundary with `.to_pandas()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import polars as pl

from components.agents import AGENTS, OUT_OF_SCOPE
from components.names import CONTEXT_TYPES

__all__ = ["ExpectationFailure", "validate_log", "validate_sample"]



class ExpectationFailure(ValueError):
    """A batch broke its expectation suite; `result` is GX's validation result as a dict."""

    def __init__(self, suite: str, source: str, failed: list[str], result: dict) -> None:
        self.suite, self.failed, self.result = suite, failed, result
        super().__init__(f"{source} breaks the '{suite}' expectations: {'; '.join(failed)}")


@dataclass(frozen=True)
class _Check:
    kind: str
    column: str
    extra: dict


def _sample_checks(frame: pl.DataFrame) -> list[_Check]:
    checks = [_Check("exist", c, {}) for c in ("query", "response")]
    checks += [_Check("type", c, {"type_": "str"}) for c in ("query", "response") if c in frame.columns]
    checks.append(_Check("not_null", "query", {}))
    if "agent" in frame.columns:
        checks.append(_Check("in_set", "agent", {"value_set": [*AGENTS, OUT_OF_SCOPE]}))
    if "context_type" in frame.columns:
        checks.append(_Check("in_set", "context_type", {"value_set": list(CONTEXT_TYPES)}))
    return checks


def _log_checks(frame: pl.DataFrame) -> list[_Check]:
    required = ("conversation_id", "turn_id", "timestamp", "agent", "route_confidence", "in_scope", "query",
                "context_type", "answer", "total_ms", "versions")
    checks = [_Check("exist", c, {}) for c in required]
    checks += [_Check("not_null", c, {}) for c in ("conversation_id", "turn_id", "timestamp", "agent", "query")]
    checks += [_Check("unique", "turn_id", {}),
               _Check("in_set", "agent", {"value_set": [*AGENTS, OUT_OF_SCOPE]}),
               _Check("in_set", "context_type", {"value_set": list(CONTEXT_TYPES)}),
               _Check("between", "route_confidence", {"min_value": 0, "max_value": 1}),
               _Check("between", "total_ms", {"min_value": 0, "max_value": 600_000}),
               _Check("in_set", "trust_action", {"value_set": ["allow", "rewrite", "block"]})]
    return checks


def _validate(frame: pl.DataFrame, suite_name: str, checks: list[_Check], source: str) -> dict:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no phoning home from a validation
    # start-up time: Great Expectations takes seconds to import; only a validation pays for it
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    makers = {"exist": gxe.ExpectColumnToExist, "not_null": gxe.ExpectColumnValuesToNotBeNull,
              "in_set": gxe.ExpectColumnValuesToBeInSet, "between": gxe.ExpectColumnValuesToBeBetween,
              "unique": gxe.ExpectColumnValuesToBeUnique, "type": gxe.ExpectColumnValuesToBeOfType}
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch_definition = (context.data_sources.add_pandas(f"{suite_name}_source")
                        .add_dataframe_asset(suite_name).add_batch_definition_whole_dataframe("whole"))
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for check in checks:
        suite.add_expectation(makers[check.kind](column=check.column, **check.extra))
    pandas = frame.to_pandas()
    result = batch_definition.get_batch(batch_parameters={"dataframe": pandas}).validate(suite)
    outcome = result.to_json_dict()
    if not result.success:
        failed = []
        for item in outcome["results"]:
            if not item["success"]:
                config = item["expectation_config"]
                details = item.get("result") or {}
                sample = details.get("partial_unexpected_list") or []
                failed.append(f"{config['type']}({config['kwargs'].get('column')})"
                              + (f" e.g. {sample[:3]}" if sample else ""))
        raise ExpectationFailure(suite_name, source, failed, outcome)
    return {"suite": suite_name, "success": True, "expectations": len(checks)}


def validate_sample(frame: pl.DataFrame, source: str) -> dict:
    """A reference/current sample or the validation set: query and response text, known agents."""
    return _validate(frame, "skew_sample", _sample_checks(frame), source)


def validate_log(frame: pl.DataFrame, source: str = "conversation log") -> dict:
    """Conversation-log records: ids present and unique, known agents and context types, sane ranges."""
    return _validate(frame, "conversation_log", _log_checks(frame), source)
