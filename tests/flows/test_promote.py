"""The promote flow on real Prefect and MLflow: a better candidate is promoted and served, a regressing
one is refused with the reason, rollback restores; shadow turns are logged and cost the member nothing."""

from __future__ import annotations

import asyncio
import json
import statistics
import uuid

import pytest

from components.config import load_config
from components.conversation_log import ConversationLog
from components.evaluation import load_rubric, shadow_comparison
from components.pipeline import AssistRequest, build_pipeline
from components.pipeline.factory import follow_registry
from components.prompts import Prompt, PromptLibrary
from components.routing import load_router
from components.routing.model import Router
from components.versions import VersionStore, load_pins, sync_all

pytestmark = [pytest.mark.integration, pytest.mark.slow]

INVENTED = ("Daniel Okonkwo founded it in 1987 with USD 48 million from Globex Corporation, and 14,500 people "
            "now work there across Lisbon and Reykjavik.")


@pytest.fixture
def registry(mlflow_server, internal_api, tmp_path, monkeypatch):
    """A fresh set of registered versions (own prefix) that the flow and serving both use."""
    prefix = f"p{uuid.uuid4().hex[:10]}"
    for key, value in {"SWITCHBOARD_HOME": str(tmp_path / "home"), "SWITCHBOARD_APIS__BASE_URL": internal_api,
                       "SWITCHBOARD_MLFLOW__TRACKING_URI": mlflow_server, "SWITCHBOARD_MLFLOW__PREFIX": prefix,
                       "SWITCHBOARD_MLFLOW__POLL_INTERVAL_S": "3600", "SWITCHBOARD_PROMOTION__REPEATS": "1",
                       "SWITCHBOARD_ENGINES__GENERATOR__SIM__OUTPUT": "scripted",
                       "SWITCHBOARD_ENGINES__GENERATOR__SIM__SCRIPT": json.dumps([INVENTED]),
                       "SWITCHBOARD_ENGINES__GENERATOR__SIM__TTFT_MS": "1",
                       "SWITCHBOARD_ENGINES__GENERATOR__SIM__TBT_MS": "0"}.items():
        monkeypatch.setenv(key, value)
    store = VersionStore(mlflow_server, prefix)
    sync_all(store)
    return store


def _register_timid_router(store: VersionStore, tmp_path) -> int:
    """A router that declines nearly everything: worse routing, worse answers."""
    good = load_router()
    timid = Router(good.pipeline, f"{good.version}-timid", min_confidence=0.99)
    timid.save(tmp_path / "timid" / "router.joblib", {"accuracy": 0.2})
    return store.register_router(tmp_path / "timid" / "router.joblib").version


def test_a_better_candidate_is_promoted_served_and_rollback_restores(prefect_api, registry, tmp_path):
    from flows.promote import promote

    timid = _register_timid_router(registry, tmp_path)
    registry.move_alias("model", registry.name("router"), "champion", timid, why="a bad promotion to undo")
    pipeline = build_pipeline(load_config())
    follower = asyncio.run(follow_registry(pipeline, load_config()))
    assert pipeline.release.versions["router_model"].startswith(f"v{timid} ")

    result = promote(models={"router": 1})
    assert result["promoted"] and result["moved"] == ["router@v1"] and result["failed"] == []
    routing = next(g for g in result["gates"] if g["metric"] == "routing_accuracy")
    assert routing["candidate"] > routing["champion"] + 0.3
    from rich.console import Console

    from components.promotion import gate_table

    console = Console(record=True, width=160)
    console.print(gate_table(result["gates"]))  # what `switchboard promote` prints above its JSON
    row = next(line for line in console.export_text().splitlines() if "routing_accuracy" in line)
    assert f"{routing['champion']:.3f}" in row and f"{routing['candidate']:.3f}" in row and "pass" in row
    assert registry.resolve("model", registry.name("router"), "champion").version == 1
    assert asyncio.run(follower.check())  # serving picks the promotion up
    assert pipeline.release.versions["router_model"].startswith("v1 ")

    assert registry.rollback("model", registry.name("router"), why="test") == (1, timid)
    assert registry.resolve("model", registry.name("router"), "champion").version == timid

    from mlflow import MlflowClient

    run = MlflowClient(registry.tracking_uri).get_run(result["mlflow_run"])
    assert run.data.tags["decision"] == "promoted" and run.data.metrics["promoted"] == 1.0
    assert run.inputs.dataset_inputs[0].dataset.name == "switchboard-validation"


def test_a_candidate_that_hallucinates_is_refused_with_the_reason(prefect_api, registry):
    from flows.promote import promote

    pin = load_pins()["generator"].model_copy(update={"engine": "sim", "model": "sim-v1", "revision": "2"})
    version = registry.sync_spec(pin).version
    result = promote(models={"generator": version})
    assert not result["promoted"] and result["moved"] == []
    assert any(reason.startswith("hallucination_rate is") for reason in result["failed"]), result["failed"]
    assert result["worst"] and "Okonkwo" in result["worst"][0]["candidate_answer"]
    assert result["migration"] and all("good_rate" in d for d in result["migration"].values())  # a new model pin
    assert registry.resolve("model", registry.name("generator"), "champion").version == 1  # nothing moved


def test_a_version_that_is_not_there_fails_at_once_with_what_is_missing(prefect_api, registry, monkeypatch, capsys):
    """`switchboard promote --prompt job_assessment.generator=9` printed a traceback after the champion's whole run."""
    from flows.promote import main

    validated = []
    monkeypatch.setattr("components.promotion.decision.run_validation", lambda *args: validated.append(args))
    assert main(["--prompt", "job_assessment.generator=9", "--dry-run"]) == 2
    said = " ".join(capsys.readouterr().err.split())  # rich wraps it
    assert "Prompt (name=" in said and ".job_assessment.generator, version=9) not found" in said
    assert validated == []  # the champion's validation run never started


def test_switchboard_promote_runs_the_flow_and_passes_its_exit_code(prefect_api, registry, monkeypatch):
    """The CLI runs the flow as its own process (components never import flows): its message and code come through."""
    import subprocess
    import sys

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    done = subprocess.run([sys.executable, "-m", "components.cli", "promote", "--prompt", "job_assessment.generator=9",
                           "--dry-run"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join(done.stderr.split())  # Prefect logs the failed task's traceback; the last word is the flow's
    assert ".job_assessment.generator, version=9) not found" in said.rpartition("error:")[2]


async def _ttfts(pipeline, n: int) -> list[float]:
    values = []
    for i in range(n):
        request = AssistRequest(query="Tell me about this company", context={"type": "company", "id": f"c{i + 1:04d}"})
        events = [e async for e in pipeline.run(request)]
        values.append(events[-1].data.timings.ttft_ms)
    return values


def test_shadow_turns_are_logged_beside_live_ones_and_do_not_slow_the_member(registry, monkeypatch):
    name = "company_understanding.generator"
    source = PromptLibrary.load().get(name)
    edited = Prompt(source.name, source.version, source.role, source.template + "\nBe brief.", source.agent, "x",
                    source.variables)
    [change] = registry.sync_prompts(PromptLibrary.load().replace(edited))
    registry.move_alias("prompt", registry.name(name), "challenger", change.version, why="shadow test")
    monkeypatch.setenv("SWITCHBOARD_ENGINES__GENERATOR__KIND", "sim")
    monkeypatch.setenv("SWITCHBOARD_ENGINES__GENERATOR__SIM__OUTPUT", "grounded")
    monkeypatch.setenv("SWITCHBOARD_ENGINES__GENERATOR__SIM__TTFT_MS", "40")
    monkeypatch.setenv("SWITCHBOARD_ENGINES__GENERATOR__SIM__TBT_MS", "2")
    sim_pin = load_pins()["generator"].model_copy(update={"engine": "sim", "model": "sim-v1", "revision": "3"})
    registry.move_alias("model", registry.name("generator"), "champion", registry.sync_spec(sim_pin).version,
                        why="latency test on the sim engine")

    async def measure(share: str) -> tuple[list[float], object]:
        monkeypatch.setenv("SWITCHBOARD_PIPELINE__SHADOW_SHARE", share)
        config = load_config()
        pipeline = build_pipeline(config)
        follower = await follow_registry(pipeline, config)
        assert (pipeline.shadow is not None) == (share != "0")
        await _ttfts(pipeline, 3)  # warm up
        values = await _ttfts(pipeline, 12)
        await pipeline.drain_shadows()
        await follower.stop()
        return values, pipeline

    without, _ = asyncio.run(measure("0"))
    with_shadow, pipeline = asyncio.run(measure("1"))
    assert statistics.median(with_shadow) <= statistics.median(without) * 1.25 + 10, (without, with_shadow)
    log = ConversationLog(pipeline.log.root).read()
    shadows = log.filter(log["shadow_of"].is_not_null())
    assert shadows.height >= 15 and set(shadows["shadow_of"]) <= set(log["turn_id"])
    assert all(f"{name}@v{change.version}" in v for v in shadows["versions"])  # the challenger answered
    live = log.filter(log["turn_id"].is_in(list(shadows["shadow_of"])))
    assert all(f"{name}@v1" in v for v in live["versions"])  # the member saw the champion
    day = log["timestamp"][0].date()
    report = shadow_comparison(ConversationLog(pipeline.log.root), day, load_rubric())
    assert report["pairs"] == shadows.height and set(report["deltas"]) >= {"good_rate", "hallucination_rate"}
