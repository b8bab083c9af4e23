"""A failure is never told as an absence: every agent, against the real sample APIs behind a fault proxy.

The proxy forwards to the real sample APIs on loopback and breaks the paths a test names: it answers
503 (a failing API), or holds the request past the skill's timeout (a slow one); an unreachable API is a
closed port. Each failure kind is checked against the same turn with a real "not found" or the real answer,
so a test that passed by saying "unavailable" for everything would fail on the absences.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from components.config import load_config
from components.conversation_log import ConversationLog
from components.pipeline import AssistRequest, build_pipeline
from tests.conftest import LoopbackServer, free_port

pytestmark = pytest.mark.integration

UNAVAILABLE = "temporarily unavailable"
ABSENCES = ("could not find", "found no", "no one has", "no open roles", "there is no", "i need your profile")


class FaultProxy:
    """Forwards to `upstream`; a path that starts with a broken prefix fails the way `faults` says."""

    def __init__(self, upstream: str) -> None:
        self.faults: dict[str, str] = {}
        self.app = FastAPI()

        @self.app.get("/{path:path}")
        async def forward(path: str, request: Request) -> Response:
            kind = next((k for prefix, k in self.faults.items() if f"/{path}".startswith(prefix)), None)
            if kind == "5xx":
                return Response('{"detail": "internal error"}', status_code=503, media_type="application/json")
            if kind == "timeout":
                await asyncio.sleep(2.5)  # past every skill's declared 2 s
            async with httpx.AsyncClient(base_url=upstream, timeout=10) as client:
                answer = await client.get(f"/{path}", params=request.query_params)
            return Response(answer.content, status_code=answer.status_code, media_type="application/json")


@pytest.fixture(scope="module")
def proxy(internal_api):
    fault_proxy = FaultProxy(internal_api)
    with LoopbackServer(fault_proxy.app) as server:
        yield fault_proxy, server.url


@pytest.fixture
def pipeline_at(switchboard_home, tmp_path):
    def make(base_url: str):
        environ = {"SWITCHBOARD_HOME": str(switchboard_home), "SWITCHBOARD_APIS__BASE_URL": base_url,
                   "SWITCHBOARD_SKILLS__CACHE_TTL_S": "0", "SWITCHBOARD_SKILLS__CACHE_STALE_S": "0"}
        return build_pipeline(load_config(environ=environ), log=ConversationLog(tmp_path / "logs"))

    return make


async def _turn(pipeline, agent: str, **request) -> tuple[dict, list[dict]]:
    events = [event async for event in pipeline.run(AssistRequest(**request), agent)]
    assert sum(e.terminal for e in events) == 1 and events[-1].name == "done", [e.name for e in events]
    skills = [e.payload() for e in events if e.name == "skill" and e.payload()["status"] != "started"]
    return events[-1].payload(), skills


def _tells_no_absence(answer: str) -> None:
    assert UNAVAILABLE in answer and "try again" in answer, answer
    assert not any(absence in answer.lower() for absence in ABSENCES), answer


# One turn per agent: the request, the API paths its answer rests on, and what it says when they answer
CASES = {
    "general_knowledge": (dict(query="How do I negotiate a higher salary?"), ("/articles",)),
    "job_assessment": (dict(query="Am I a good fit for this job?", member_id="m00001",
                            context={"type": "job", "id": "j00002"}), ("/jobs",)),
    "post_takeaways": (dict(query="What are the key takeaways of this post?", context={"type": "post", "id": "p00003"}),
                       ("/posts",)),
    "company_understanding": (dict(query="What does this company do?", context={"type": "company", "id": "c0004"}),
                              ("/companies", "/news")),
    "career_advice": (dict(query="What should my next career move be?", member_id="m00005",
                           context={"type": "profile", "id": "m00005"}), ("/profiles", "/jobs", "/articles")),
}


@pytest.mark.parametrize("kind", ["5xx", "timeout"])
@pytest.mark.parametrize("agent", list(CASES))
async def test_a_failing_api_is_told_as_unavailable_and_logged_as_partial(proxy, pipeline_at, agent, kind):
    fault_proxy, url = proxy
    request, paths = CASES[agent]
    pipeline = pipeline_at(url)
    fault_proxy.faults = dict.fromkeys(paths, kind)
    try:
        done, skills = await _turn(pipeline, agent, **request)
    finally:
        fault_proxy.faults = {}
    _tells_no_absence(done["answer"])
    failed = [s for s in skills if s["status"] == "failed"]
    assert failed and {s["failure"] for s in failed} == {"unavailable"}
    assert done["partial"] is True and done["failed_skills"] == list(dict.fromkeys(s["name"] for s in failed))
    record = pipeline.log.read().row(0, named=True)
    assert record["partial"] is True and record["failed_skills"] == done["failed_skills"]
    assert {s["failure"] for s in json.loads(record["skills"]) if s["status"] == "failed"} == {"unavailable"}


@pytest.mark.parametrize("agent", list(CASES))
async def test_an_unreachable_api_is_told_as_unavailable(pipeline_at, agent):
    pipeline = pipeline_at(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    done, skills = await _turn(pipeline, agent, **CASES[agent][0])
    _tells_no_absence(done["answer"])
    assert skills and all(s["status"] == "failed" and s["failure"] == "unavailable" for s in skills)
    assert all(s["error"].startswith("could not reach the API") for s in skills)
    assert done["partial"] is True


@pytest.mark.parametrize("agent", list(CASES))
async def test_the_same_turns_with_every_api_answering_are_complete(proxy, pipeline_at, agent):
    done, skills = await _turn(pipeline_at(proxy[1]), agent, **CASES[agent][0])
    assert UNAVAILABLE not in done["answer"] and all(s["status"] == "done" for s in skills)
    assert done["partial"] is False and done["failed_skills"] == []


# A real "not found" from the same APIs: an absence, told as one, and no partial answer.
NOT_FOUND = {
    "general_knowledge": (dict(query="What is the capital of the zorblaxian empire qqqq?"), "could not find a source"),
    "job_assessment": (dict(query="Which jobs fit me?", member_id="m00001"), None),
    "post_takeaways": (dict(query="What are the key takeaways of this post?", context={"type": "post", "id": "p99999"}),
                       "could not find this post"),
    "company_understanding": (dict(query="What does Zorblax Quantum Widgets do?"), "could not find that company"),
    "career_advice": (dict(query="How do I rebuild my confidence after being fired?", member_id="m00005"), None),
}


@pytest.mark.parametrize("agent", list(NOT_FOUND))
async def test_a_real_not_found_is_told_as_an_absence_not_as_unavailable(proxy, pipeline_at, agent):
    request, absence = NOT_FOUND[agent]
    pipeline = pipeline_at(proxy[1])
    done, skills = await _turn(pipeline, agent, **request)
    assert UNAVAILABLE not in done["answer"] and done["partial"] is False, done["answer"]
    assert all(s["failure"] in (None, "not_found") for s in skills)
    if absence:
        assert absence in done["answer"].lower()
