"""Evaluation the way annotators score conversations: rubric, assertions, model-free evaluators, judge, stats."""

from components.evaluation.annotation import AnnotationError, export_queue, import_labels, judge_human_agreement
from components.evaluation.assertions import check_assertions
from components.evaluation.groundedness import Claim, evidence_text, unsupported_claims
from components.evaluation.judge import JudgeScores, judge_turn
from components.evaluation.nightly import (
    EvalDay,
    eval_root,
    nightly_run,
    sample_turns,
    served_versions,
    shadow_comparison,
    summarize,
    trend_plot,
    worst_turns,
)
from components.evaluation.rubric import Rubric, RubricError, load_rubric
from components.evaluation.scorer import SCORE_COLUMNS, score_turn
from components.evaluation.stats import agreement, cohen_kappa, mean_interval, wilson

__all__ = [
    "SCORE_COLUMNS", "AnnotationError", "Claim", "EvalDay", "JudgeScores", "Rubric", "RubricError", "agreement",
    "check_assertions", "cohen_kappa", "eval_root", "evidence_text", "export_queue", "import_labels",
    "judge_human_agreement", "judge_turn", "load_rubric", "mean_interval", "nightly_run", "sample_turns", "score_turn",
    "served_versions", "shadow_comparison", "summarize", "trend_plot", "unsupported_claims", "wilson", "worst_turns",
]
