"""A skew report as people and MLflow see it: Markdown for the Prefect artifact, a run for the MLflow UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.skew.check import semantic_tests
from components.versions.tracking import TrackedRun

__all__ = ["skew_markdown", "skew_run"]


def skew_run(report: dict[str, Any], plot: Path, key: str) -> TrackedRun:
    """Effect sizes and adjusted p-values of every test, the verdicts, the plot and the report, keyed by `key`."""
    structural = report["structural"]["tests"]
    metrics = {f"structural.{t['feature']}.effect": t["effect"] for t in structural}
    metrics |= {f"structural.{t['feature']}.p_adjusted": t["p_adjusted"] for t in structural}
    for name, test in semantic_tests(report):
        metrics[f"{name}.effect"], metrics[f"{name}.p_adjusted"] = test["effect"], test["p_adjusted"]
    metrics |= {"drift": float(report["drift"]), "structural.drift": float(report["structural"]["drift"]),
                "semantic.drift": float(report["semantic"]["drift"])}
    return TrackedRun("switchboard-skew", "switchboard.skew_key", key, run_name=f"skew {key}"[:250],
                      params=report["inputs"]["rows"], metrics=metrics,
                      tags={name: report["inputs"][name][:250] for name in ("reference", "current")},
                      artifacts=[plot], dicts={"skew_report.json": report})


def skew_markdown(report: dict[str, Any]) -> str:
    """The report as a person reads it: the strongest structural shifts, the semantic tests, the topics that moved."""
    structural, semantic = report["structural"], report["semantic"]
    lines = [f"# Dev-prod skew: {'DRIFT' if report['drift'] else 'no drift'}",
             f"{report['inputs']['reference']} ({structural['rows']['reference']} rows) vs "
             f"{report['inputs']['current']} ({structural['rows']['current']} rows); Holm-corrected, alpha "
             f"{structural['alpha']}", "", "| check | effect | threshold | p (adjusted) | drift |",
             "| --- | --- | --- | --- | --- |"]
    ranked = sorted(structural["tests"], key=lambda t: -t["effect"] / t["threshold"])[:10]
    lines += [f"| {t['feature']} | {t['effect']:.3f} | {t['threshold']} | {t['p_adjusted']:.2g} | "
              f"{'**yes**' if t['drift'] else 'no'} |" for t in ranked]
    lines += [f"| {name} | {s['effect']:.3f} | {s['threshold']} | {s['p_adjusted']:.2g} | "
              f"{'**yes**' if s['drift'] else 'no'} |" for name, s in semantic_tests(report)]
    for label in ("grew", "shrank"):
        for cluster in semantic.get(label, []):
            lines.append(f"- topic {label}: {', '.join(cluster['top_words'])} ({cluster['reference_share']:.0%} -> "
                         f"{cluster['current_share']:.0%}), e.g. {'; '.join(cluster['examples'][:2])}")
    classifier = semantic.get("query", {}).get("classifier")
    if classifier and classifier["drift"]:
        lines.append(f"- queries most unlike the reference (classifier AUC {classifier['auc']:.2f}): "
                     + "; ".join(classifier["examples"][:3]))
    return "\n".join(lines)
