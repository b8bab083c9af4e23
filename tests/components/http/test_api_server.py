"""The HTTP layers in-process (no Ray): auth, admission, the contexts picker, the page."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from components.http import AssistServing, build_api_server
from components.pipeline import AssistRequest, Event
from components.pipeline.events import DoneData, RouteData, Timings
from tests.conftest import LoopbackServer

pytestmark = pytest.mark.integration


class _SlowTurns:
    """A TurnService whose turns last until released, to fill the ingress."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def open(self, request: AssistRequest, agent: str | None = None, history=None):
        return self._events()

    async def _events(self):
        yield Event("route", RouteData(agent="general_knowledge", confidence=1.0, in_scope=True))
        await self.release.wait()
        yield Event("done", DoneData(conversation_id="c", turn_id="t", answer="", versions={},
                                     timings=Timings(ttft_ms=None, total_ms=1.0, stages={})))

    async def feedback(self, turn_id, rating, comment=None):
        return turn_id == "t"

    async def ready(self):
        return {"router": "test"}


@pytest.fixture
def server():
    turns = _SlowTurns()
    app = build_api_server(AssistServing(turns, max_in_flight=1), auth_token="s3cret", retry_after_s=7,
                           contexts={"job": [{"id": "j1", "label": "Data Engineer"}]})
    with LoopbackServer(app) as running:
        running.turns = turns
        yield running


def test_bearer_token_guards_the_api_but_not_health_or_page(server):
    with httpx.Client(base_url=server.url) as http:
        assert http.post("/v1/feedback", json={"turn_id": "t", "rating": "up"}).status_code == 401
        wrong = http.post("/v1/feedback", json={"turn_id": "t", "rating": "up"}, headers={"Authorization": "Bearer x"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
        ok = http.post("/v1/feedback", json={"turn_id": "t", "rating": "up"},
                       headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert http.get("/healthz").status_code == 200 and http.get("/").status_code == 200
        counted = http.get("/metrics").text
        assert 'switchboard_requests_total{endpoint="/v1/feedback",status="401"} 2.0' in counted
        assert 'switchboard_requests_total{endpoint="/v1/feedback",status="200"} 1.0' in counted


async def test_a_full_ingress_answers_429_with_retry_after_and_recovers(server):
    headers = {"Authorization": "Bearer s3cret"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as http:
        async with http.stream("POST", "/v1/assist", json={"query": "hi"}) as first:
            assert first.status_code == 200
            refused = await http.post("/v1/assist", json={"query": "hi"})
            assert refused.status_code == 429 and refused.headers["retry-after"] == "7"
            server.turns.release.set()
            assert "event: done" in (await first.aread()).decode()
        accepted = await http.post("/v1/assist", json={"query": "again"})
        assert accepted.status_code == 200


def test_contexts_for_the_page_picker(server):
    response = httpx.get(f"{server.url}/v1/contexts", headers={"Authorization": "Bearer s3cret"})
    assert response.json() == {"job": [{"id": "j1", "label": "Data Engineer"}]}


@pytest.mark.parametrize("body", [
    {"query": "hi", "context": {"type": "company", "id": "\u0085\u00f1\u008b\u00021\f"}},
    {"query": "hi", "context": {"type": "job", "id": "a/b?c=1"}},
    {"query": "hi", "member_id": ""},
    {"query": "hi", "conversation_id": "x y"},
])
def test_malformed_ids_are_422_not_500(server, body):
    response = httpx.post(f"{server.url}/v1/assist", json=body, headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_malformed_ids_in_chat_completions_are_422(server):
    body = {"model": "auto", "messages": [{"role": "user", "content": "hi"}], "member_id": "m 1"}
    response = httpx.post(f"{server.url}/v1/chat/completions", json=body, headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 422


def test_paths_the_api_lacks_count_as_one_unmatched_series(server):
    with httpx.Client(base_url=server.url) as http:
        for path in ("/wp-login.php", "/.env", "/v2/assist"):
            assert http.get(path).status_code == 404
        counted = http.get("/metrics").text
    assert 'switchboard_requests_total{endpoint="unmatched",status="404"} 3.0' in counted
    assert "wp-login" not in counted and ".env" not in counted


async def test_the_token_guards_the_api_under_a_route_prefix():
    """Under a route prefix (Serve's root_path) the scope's path carries the prefix; /v1/ is still guarded."""
    app = build_api_server(AssistServing(_SlowTurns()), auth_token="s3cret")
    transport = httpx.ASGITransport(app=app, root_path="/switchboard")
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        body = {"turn_id": "t", "rating": "up"}
        assert (await http.post("/switchboard/v1/feedback", json=body)).status_code == 401
        allowed = await http.post("/switchboard/v1/feedback", json=body, headers={"Authorization": "Bearer s3cret"})
        assert allowed.status_code == 200
        counted = (await http.get("/switchboard/metrics")).text
    assert 'switchboard_requests_total{endpoint="/v1/feedback",status="401"} 1.0' in counted


@pytest.fixture
def small_bodies():
    app = build_api_server(AssistServing(_SlowTurns()), max_body_bytes=2048)
    with LoopbackServer(app) as running:
        yield running


def test_a_body_over_the_limit_gets_413_by_its_length_before_it_is_read(small_bodies):
    body = {"query": "x" * 4000}
    response = httpx.post(f"{small_bodies.url}/v1/assist", json=body)
    assert response.status_code == 413
    assert response.json()["error"] == {"code": "request_too_large",
                                        "message": f"the body is {len(response.request.content)} bytes; "
                                                   "the limit is 2048"}


def test_a_chunked_body_over_the_limit_gets_413_once_it_passes_it(small_bodies):
    def chunks():  # no Content-Length: the server learns the size only by reading
        yield b'{"query": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    response = httpx.post(f"{small_bodies.url}/v1/assist", content=chunks(),
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"
    still = httpx.post(f"{small_bodies.url}/v1/feedback", json={"turn_id": "t", "rating": "up"})
    assert still.status_code == 200


def test_starlettes_own_errors_come_in_the_apis_format(small_bodies):
    missing = httpx.get(f"{small_bodies.url}/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong_method = httpx.get(f"{small_bodies.url}/v1/assist")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert wrong_method.headers["allow"] == "POST"


class _UnansweringTurns(_SlowTurns):
    """A turn service that is overloaded (raises) or hung (never answers) when asked what serves."""

    def __init__(self, hangs: bool) -> None:
        super().__init__()
        self.hangs = hangs

    async def ready(self):
        if self.hangs:
            await asyncio.Event().wait()
        raise RuntimeError("the agents are at capacity")


@pytest.mark.parametrize("hangs", [False, True])
def test_health_says_503_and_metrics_still_answer_when_the_agents_do_not(monkeypatch, hangs):
    from components.http import api_server

    monkeypatch.setattr(api_server, "_READY_TIMEOUT_S", 0.3)
    app = build_api_server(AssistServing(_UnansweringTurns(hangs)), retry_after_s=3)
    with LoopbackServer(app) as running, httpx.Client(base_url=running.url, timeout=10) as http:
        health = http.get("/healthz")
        assert health.status_code == 503 and health.headers["retry-after"] == "3"
        assert health.json()["error"]["code"] == "unavailable"
        assert ("TimeoutError" if hangs else "at capacity") in health.json()["error"]["message"]
        metrics = http.get("/metrics")
        assert metrics.status_code == 200
        assert 'switchboard_requests_total{endpoint="/healthz",status="503"} 1.0' in metrics.text


def test_models_lists_auto_and_each_agent_as_openai_clients_read_them(server):
    """Chat UIs and SDKs list the models before they ask; `model` is "auto" or an agent's name."""
    models = httpx.get(f"{server.url}/v1/models", headers={"Authorization": "Bearer s3cret"}, timeout=5).json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == ["auto", "general_knowledge", "job_assessment", "post_takeaways",
                                                "company_understanding", "career_advice"]
    assert all(m["object"] == "model" and isinstance(m["created"], int) for m in models["data"])
    assert httpx.get(f"{server.url}/v1/models", timeout=5).status_code == 401
