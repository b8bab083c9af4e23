"""Skills against the running sample APIs, and against a real server that misbehaves on purpose."""

import asyncio
import time

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from components.skills import SkillCall, SkillInvoker, default_registry
from tests.conftest import LoopbackServer, free_port

pytestmark = pytest.mark.integration

REGISTRY = default_registry()


@pytest.fixture
async def invoker(internal_api):
    async with SkillInvoker(REGISTRY, internal_api, default_timeout_s=5) as skills:
        yield skills


# One call per built-in skill, with what its mapped result must show.
CASES = {
    "people_search": ({"keywords": "python", "location": "Berlin", "limit": 3},
                      lambda d, n: len(d) == 3 and all("Berlin" in p["location"] for p in d)),
    "profile_view": ({"member_id": "m00001"},
                     lambda d, n: d["name"] == n.members["m00001"].name
                     and d["titles"][0] == n.members["m00001"].experience[0].title),
    "job_search": ({"keywords": "engineer", "workplace": "remote", "limit": 4},
                   lambda d, n: len(d) == 4 and all(j["workplace"] == "remote" for j in d)),
    "job_view": ({"job_id": "j00002"},
                 lambda d, n: d["company"] == n.jobs["j00002"].company_name
                 and d["salary_min"] == n.jobs["j00002"].salary.min),
    "company_lookup": ({"company_name": "stackstone technologies"}, lambda d, n: d["id"] == "c0001"),
    "company_view": ({"company_id": "c0001"},
                     lambda d, n: d["news"] == [x.headline for x in n.companies["c0001"].news]),
    "post_view": ({"post_id": "p00001"},
                  lambda d, n: d["author"] == n.posts["p00001"].author_name
                  and d["comments"] == [c.text for c in n.posts["p00001"].comments]),
    "web_search": ({"query": "how to prepare for behavioural interviews", "limit": 2},
                   lambda d, n: len(d) == 2 and any("interview" in a["title"].lower() for a in d)),
    "news_search": ({"company_id": "c0003", "limit": 2},
                    lambda d, n: [x["id"] for x in d] == [x.id for x in n.companies["c0003"].news[:2]]),
}


def test_every_builtin_skill_has_a_case():
    assert set(CASES) == set(REGISTRY.names())


@pytest.mark.parametrize("skill", sorted(CASES))
async def test_skill_against_the_running_api(invoker, network, skill):
    params, check = CASES[skill]
    result = await invoker.invoke(SkillCall(skill=skill, params=params))
    assert result.status == "done", result.error
    assert check(result.data, network)
    assert result.latency_ms > 0


async def test_not_found_is_a_failed_result_with_the_reason(invoker):
    result = await invoker.invoke(SkillCall(skill="job_view", params={"job_id": "j99999"}))
    assert result.status == "failed" and result.error == "not found: no job with id 'j99999'"
    assert result.failure == "not_found" and not result.unanswered  # an absence, not a failure to answer


async def test_invalid_parameters_fail_without_calling(invoker):
    result = await invoker.invoke(SkillCall(skill="job_search", params={"seniority": "boss"}))
    assert result.status == "failed" and result.error.startswith("invalid parameters: seniority")
    assert result.failure == "rejected" and result.unanswered


async def test_unknown_skill_fails_with_a_clear_reason(invoker):
    result = await invoker.invoke(SkillCall(skill="teleport", params={}))
    assert result.status == "failed" and "unknown skill 'teleport'" in result.error and result.failure == "rejected"


async def test_invoke_all_runs_concurrently_and_keeps_order(invoker):
    calls = [SkillCall(skill="job_view", params={"job_id": f"j0000{i}"}) for i in range(1, 6)]
    results = await invoker.invoke_all(calls)
    assert [r.params["job_id"] for r in results] == [c.params["job_id"] for c in calls]
    assert all(r.status == "done" for r in results)


# --- a real server that misbehaves -------------------------------------------------------------


@pytest.fixture(scope="module")
def faulty_api():
    app = FastAPI()
    app.state.mode, app.state.served = "ok", 0

    @app.get("/{path:path}")
    async def anything(path: str, request: Request):
        mode = request.app.state.mode
        if mode == "slow":
            await asyncio.sleep(3)
        if mode == "error":
            return JSONResponse({"detail": "jobs backend overloaded"}, status_code=503)
        if mode == "garbage":
            return PlainTextResponse("<html>oops</html>")
        request.app.state.served += 1
        return JSONResponse({"title": "renamed" if mode == "renamed" else "ok"})

    with LoopbackServer(app) as server:
        server.app = app
        yield server


async def test_slow_api_times_out_as_a_failed_result(faulty_api):
    faulty_api.app.state.mode = "slow"
    async with SkillInvoker(REGISTRY, faulty_api.url, default_timeout_s=0.3) as skills:
        started = time.perf_counter()
        result = await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j1"}))
    # job_view declares its own 2 s timeout, which wins over the default.
    assert result.status == "failed" and result.error == "timed out after 2s" and result.failure == "unavailable"
    assert 1.9 < time.perf_counter() - started < 2.9


async def test_5xx_is_a_failed_result_with_the_api_message(faulty_api):
    faulty_api.app.state.mode = "error"
    async with SkillInvoker(REGISTRY, faulty_api.url) as skills:
        result = await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j1"}))
    assert result.status == "failed" and result.error == "API answered 503: jobs backend overloaded"
    assert result.failure == "unavailable" and result.unanswered


async def test_unmappable_body_is_a_failed_result(faulty_api):
    faulty_api.app.state.mode = "garbage"
    async with SkillInvoker(REGISTRY, faulty_api.url) as skills:
        result = await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j1"}))
    assert result.status == "failed" and result.error.startswith("API answered a body the skill cannot map")
    assert result.failure == "unavailable"


async def test_one_failing_call_does_not_affect_the_others(faulty_api, internal_api):
    faulty_api.app.state.mode = "error"
    async with SkillInvoker(REGISTRY, internal_api) as good, SkillInvoker(REGISTRY, faulty_api.url) as bad:
        results = await asyncio.gather(good.invoke(SkillCall(skill="job_view", params={"job_id": "j00001"})),
                                       bad.invoke(SkillCall(skill="job_view", params={"job_id": "j00001"})))
    assert [r.status for r in results] == ["done", "failed"]


async def test_unreachable_api_is_a_failed_result():
    async with SkillInvoker(REGISTRY, f"http://127.0.0.1:{free_port()}") as skills:
        result = await skills.invoke(SkillCall(skill="post_view", params={"post_id": "p00001"}))
    assert result.status == "failed" and result.error.startswith("could not reach the API: ConnectError")
    assert result.failure == "unavailable"


async def test_idempotent_gets_are_reused_within_the_ttl(faulty_api, internal_api):
    faulty_api.app.state.mode = "ok"
    async with SkillInvoker(REGISTRY, faulty_api.url, cache_ttl_s=30) as skills:
        first = await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j1"}))
        faulty_api.app.state.mode = "error"  # the API now fails: a cached answer must not care
        second = await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j1"}))
        other = await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j2"}))
    assert first.status == second.status == "done" and first.data == second.data
    assert other.status == "failed"  # a different id is a different call
    async with SkillInvoker(REGISTRY, internal_api, cache_ttl_s=30) as skills:
        missing = [await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j99999"})) for _ in range(2)]
    assert [m.error for m in missing] == ["not found: no job with id 'j99999'"] * 2


async def test_a_stale_answer_is_served_at_once_while_a_fresh_one_is_fetched(faulty_api):
    faulty_api.app.state.mode = "ok"
    job = SkillCall(skill="job_view", params={"job_id": "j1"})
    async with SkillInvoker(REGISTRY, faulty_api.url, cache_ttl_s=0.2, cache_stale_s=30) as skills:
        assert (await skills.invoke(job)).data["title"] == "ok"
        faulty_api.app.state.mode = "renamed"
        await asyncio.sleep(0.3)  # past the TTL, within the stale window
        served = faulty_api.app.state.served
        stale = await skills.invoke(job)
        assert stale.data["title"] == "ok" and stale.latency_ms < 50  # no round trip before the answer
        asked = [(await skills.invoke(job)).data["title"] for _ in range(5)]  # while the refresh is in flight
        for _ in range(300):  # until the background answer is cached (the TTL is far longer than a poll)
            if (await skills.invoke(job)).data["title"] == "renamed":
                break
            await asyncio.sleep(0.01)
        assert (await skills.invoke(job)).data["title"] == "renamed"
        assert faulty_api.app.state.served == served + 1  # one refresh, however often the record was asked for
        assert set(asked) <= {"ok", "renamed"}


async def test_a_failed_refresh_keeps_the_stale_answer_until_the_window_ends(faulty_api):
    faulty_api.app.state.mode = "ok"
    job = SkillCall(skill="job_view", params={"job_id": "j1"})
    async with SkillInvoker(REGISTRY, faulty_api.url, cache_ttl_s=0.1, cache_stale_s=0.4) as skills:
        assert (await skills.invoke(job)).status == "done"
        faulty_api.app.state.mode = "error"
        await asyncio.sleep(0.15)
        assert (await skills.invoke(job)).status == "done"  # stale; its refresh gets a 503
        await asyncio.sleep(0.1)
        assert (await skills.invoke(job)).status == "done"  # the 503 did not evict it
        await asyncio.sleep(0.4)  # past TTL + stale window: the call waits for the API again
        assert (await skills.invoke(job)).error == "API answered 503: jobs backend overloaded"


async def test_without_a_ttl_nothing_is_cached(faulty_api):
    faulty_api.app.state.mode = "ok"
    async with SkillInvoker(REGISTRY, faulty_api.url) as skills:
        assert (await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j1"}))).status == "done"
        faulty_api.app.state.mode = "error"
        assert (await skills.invoke(SkillCall(skill="job_view", params={"job_id": "j1"}))).status == "failed"


def test_the_trust_store_is_read_once_per_process_not_per_client(internal_api, monkeypatch):
    """Reading it takes tens of milliseconds: a client made on a turn's way (a new loop's, a refresh's) must not."""
    import ssl

    from components.skills import invoke

    reads = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: reads.append(1) or real(*a, **k))
    invoke._tls_context.cache_clear()
    try:
        skills = SkillInvoker(REGISTRY, internal_api)
        for _ in range(2):  # two event loops in turn: a client each
            result = asyncio.run(skills.invoke(SkillCall(skill="post_view", params={"post_id": "p00001"})))
            assert result.status == "done"
        SkillInvoker(REGISTRY, internal_api)
        assert len(reads) == 1
    finally:
        invoke._tls_context.cache_clear()
