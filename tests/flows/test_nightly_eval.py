"""nightly_eval on real Prefect and a real MLflow server over a generated day: metrics, artifacts,
idempotency by date, and resuming a crashed run without re-scoring."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import timedelta

import pytest
from mlflow import MlflowClient

from tests.flows.conftest import DAY, artifacts_keyed

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _runs(mlflow_server, day):
    client = MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name("switchboard-nightly-eval")
    return client.search_runs([experiment.experiment_id], filter_string=f"tags.`switchboard.eval_date` = '{day}'")


def test_scores_a_sample_logs_to_mlflow_and_publishes_artifacts(prefect_api, flow_home, mlflow_server):
    from flows.nightly_eval import nightly_eval

    previous = flow_home / "logs" / f"day={(DAY - timedelta(days=1)).isoformat()}"
    shutil.copytree(flow_home / "logs" / f"day={DAY.isoformat()}", previous)
    nightly_eval(DAY - timedelta(days=1), sample_size=40)
    summary = nightly_eval(DAY, sample_size=40)

    assert summary["scored"] == 40 and summary["logged_turns"] == 90
    assert len(summary["per_agent"]) >= 5  # stratified: every agent of the day is represented
    for stat in summary["overall"].values():
        assert stat["low"] <= stat["value"] <= stat["high"] and stat["n"] == 40
    assert summary["overall"]["hallucination_rate"]["value"] <= 0.1  # extractive answers are grounded
    assert set(summary["deltas"]) == set(summary["overall"]) and summary["previous_date"] == "2026-11-18"
    assert any(v.startswith("extractive") for v in summary["versions_served"]["generator"])

    [run] = _runs(mlflow_server, DAY.isoformat())
    assert run.data.metrics["good_rate"] == summary["overall"]["good_rate"]["value"]
    assert "served.prompts" in run.data.tags and run.data.tags["rubric"].startswith("rubric-v1-")
    artifacts = {a.path for a in MlflowClient(mlflow_server).list_artifacts(run.info.run_id)}
    assert {"summary.json", "trend.png"} <= artifacts

    [markdown] = [a for a in asyncio.run(artifacts_keyed("nightly-eval-summary")) if "2026-11-19" in a.data][:1]
    assert "hallucination_rate" in markdown.data
    worst = asyncio.run(artifacts_keyed("nightly-eval-worst-turns"))[0]
    assert json.loads(worst.data) if isinstance(worst.data, str) else worst.data

    day_dir = flow_home / "eval" / f"day={DAY.isoformat()}"
    header, *items = (day_dir / "annotation_queue.jsonl").read_text().splitlines()
    assert json.loads(header)["kind"] == "rubric" and len(items) == 4
    assert json.loads(items[0])["hallucination"] is None  # for the annotator to fill in


def test_rerunning_a_date_replaces_it_and_never_duplicates(prefect_api, flow_home, mlflow_server):
    from flows.nightly_eval import nightly_eval

    first = nightly_eval(DAY, sample_size=30)
    second = nightly_eval(DAY, sample_size=30)
    assert first["overall"] == second["overall"]
    scores = list((flow_home / "eval" / f"day={DAY.isoformat()}" / "scores").glob("*.parquet"))
    import polars as pl

    assert pl.concat([pl.read_parquet(p) for p in scores]).height == 30
    assert len(_runs(mlflow_server, DAY.isoformat())) == 1


def test_a_crashed_run_resumes_without_rescoring_finished_turns(prefect_api, flow_home, monkeypatch):
    import flows.nightly_eval as module
    from components.conversation_log import ConversationLog

    real = module.score_turn
    doomed = {t["turn_id"] for t in module.sample_turns(ConversationLog(flow_home / "logs").read(DAY), DAY, 80)[50:]}

    def crashing(rubric, turn):
        if turn["turn_id"] in doomed:  # the second batch dies mid-way; the first (50 turns) was written
            raise RuntimeError("killed")
        return real(rubric, turn)

    monkeypatch.setattr(module, "score_turn", crashing)
    monkeypatch.setattr(module.score_batch, "retries", 0)
    with pytest.raises(RuntimeError):
        module.nightly_eval(DAY, sample_size=80)
    from components.evaluation import EvalDay

    crashed = EvalDay(flow_home, DAY)
    finished = crashed.scored_ids()
    assert not crashed.complete and len(finished) == 50 and not finished & doomed

    resumed = []
    monkeypatch.setattr(module, "score_turn",
                        lambda rubric, turn: resumed.append(turn["turn_id"]) or real(rubric, turn))
    summary = module.nightly_eval(DAY, sample_size=80)
    assert summary["scored"] == 80 and len(resumed) == 80 - len(finished)  # only what the crash left unscored
    assert not set(resumed) & finished
