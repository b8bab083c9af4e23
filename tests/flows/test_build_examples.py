"""build_examples on real Prefect, LanceDB and MLflow: promoted turns join the curated ones in a new
table version, and a running pipeline switches to it."""

from __future__ import annotations

import asyncio

import polars as pl
import pytest
from mlflow import MlflowClient

from components.config import load_config
from components.conversation_log import ConversationLog
from components.pipeline import AssistRequest, build_pipeline
from components.pipeline.factory import refresh_examples
from components.retrieval import load_examples
from tests.flows.conftest import DAY

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_promoted_turns_become_examples_and_serving_switches(prefect_api, flow_home, mlflow_server, monkeypatch):
    from flows.build_examples import build_examples
    from flows.nightly_eval import nightly_eval

    pipeline = build_pipeline(load_config())  # serving, on the table as it is before the flow
    before = pipeline.examples.version
    nightly_eval(DAY, sample_size=90)
    log = ConversationLog(flow_home / "logs").read()
    scores = pl.concat([pl.read_parquet(p) for p in (flow_home / "eval").glob("day=*/scores/*.parquet")])
    good_up = set(log.filter(pl.col("feedback_rating") == "up")["turn_id"]) & set(
        scores.filter(pl.col("good"))["turn_id"])
    assert good_up, "the generated day should hold thumbs-up turns the evaluation scored good"

    monkeypatch.setattr("flows.build_examples.datetime", _FixedNow)
    built = build_examples(days=7)
    def key(agent: str, query: str) -> tuple[str, str]:
        return agent, " ".join(query.lower().split())

    promoted = {key(r["agent"], r["query"]) for r in log.to_dicts() if r["turn_id"] in good_up and r["in_scope"]}
    assert built["by_source"]["production"] == len(promoted - {key(e.agent, e.query) for e in load_examples()})
    assert built["by_source"]["curated-seed"] == len(load_examples())
    assert built["table_version"] > before and built["embedder"] == pipeline.examples.embedder_version

    assert asyncio.run(refresh_examples(pipeline, flow_home))
    assert pipeline.examples.version == built["table_version"]
    done = asyncio.run(_done(pipeline))
    assert done.versions["examples"] == f"v{built['table_version']}"

    run = MlflowClient(mlflow_server).get_run(built["mlflow_run"])
    assert run.data.metrics["rows"] == built["rows"] and run.data.tags["embedder"] == built["embedder"]


async def _done(pipeline):
    events = [e async for e in pipeline.run(AssistRequest(query="Tell me about this company",
                                                          context={"type": "company", "id": "c0004"}))]
    return events[-1].data


class _FixedNow:
    """The flow looks back from 'now'; the generated day is in the past, so pin 'now' to the day after."""

    @staticmethod
    def now(tz=None):
        from datetime import datetime, time

        return datetime.combine(DAY, time(12), tz)
