"""Dev-prod skew: structural (polars features, two-sample tests), semantic (clusters of embeddings), GX suites."""

from components.skew.check import (
    SampleError,
    answer_variance,
    from_log,
    propose_holdout,
    read_sample,
    semantic_tests,
    shift_plot,
    skew_report,
    write_report,
)
from components.skew.expectations import ExpectationFailure, validate_log, validate_sample
from components.skew.reporting import skew_markdown, skew_run
from components.skew.semantic import SemanticSettings, mask_names, semantic_skew
from components.skew.structural import StructuralSettings, holm, structural_skew

__all__ = [
    "ExpectationFailure", "SampleError", "SemanticSettings", "StructuralSettings", "answer_variance", "from_log",
    "holm", "mask_names", "propose_holdout", "read_sample", "semantic_skew", "semantic_tests", "shift_plot",
    "skew_markdown", "skew_report", "skew_run", "structural_skew", "validate_log", "validate_sample", "write_report",
]
