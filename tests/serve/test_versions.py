"""The Serve graph follows MLflow aliases: champion versions at start, a move in the registry within the
poll interval, each turn's versions in `done`, and the version gauges in /metrics."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from components.prompts import Prompt, PromptLibrary
from components.versions import VersionStore
from tests.serve.conftest import PREFIX

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTION = {"query": "How do I prepare for a behavioural interview?"}


def _done(http: httpx.Client) -> dict:
    text = http.post("/v1/assist", json=QUESTION).text
    block = text.strip().split("\n\n")[-1]
    lines = dict(line.split(": ", 1) for line in block.splitlines())
    assert lines["event"] == "done", text[-500:]
    return json.loads(lines["data"])


def test_an_alias_move_in_mlflow_serves_within_the_poll_interval(serve_app, mlflow_server):
    url, config = serve_app
    store = VersionStore(mlflow_server, PREFIX)
    name = "general_knowledge.generator"
    with httpx.Client(base_url=url, timeout=60) as http:
        before = _done(http)["versions"]
        assert f"{name}@v1" in before["prompts"] and before["generator_pin"].startswith("v1 sim:sim-v1")
        source = PromptLibrary.load().get(name)
        edited = Prompt(source.name, source.version, source.role, source.template + "\nName one resource.",
                        source.agent, "add a resource", source.variables)
        [change] = store.sync_prompts(PromptLibrary.load().replace(edited))
        store.move_alias("prompt", store.name(name), "champion", change.version, why="serve test")
        try:
            deadline, versions = time.monotonic() + 20 * config.mlflow.poll_interval_s, before
            while f"{name}@v{change.version}" not in versions["prompts"] and time.monotonic() < deadline:
                time.sleep(0.5)
                versions = _done(http)["versions"]
            assert f"{name}@v{change.version}" in versions["prompts"]
            assert versions["router_model"] == before["router_model"]  # the rest is unchanged
            metrics = http.get("/metrics").text
            assert "switchboard_version_load_failures 0.0" in metrics
            assert 'switchboard_serving_version{item="prompts",version="' in metrics
        finally:
            store.rollback("prompt", store.name(name), why="end of serve test")


def test_the_generator_holds_one_engine_for_the_pinned_champion(serve_app):
    """The configured engine and the champion's pin name the same sim settings: one engine, not two."""
    from ray import serve

    with httpx.Client(base_url=serve_app[0], timeout=60) as http:
        assert _done(http)["versions"]["generator_pin"].startswith("v1 sim:sim-v1")
    generator = serve.get_deployment_handle("generator", app_name="switchboard")
    assert generator.loaded.remote().result(timeout_s=30) == ["sim-v1"]
