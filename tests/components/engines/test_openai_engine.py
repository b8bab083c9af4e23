"""The OpenAI-compatible engine against a real OpenAI-style streaming server on loopback."""

import json

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from components.engines import EngineError, Finished, GenerationRequest, Grounding, OpenAIConfig, TextDelta
from components.engines.openai_compatible import OpenAICompatibleEngine
from tests.conftest import LoopbackServer, free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server():
    app = FastAPI()
    app.state.seen = []

    @app.get("/v1/models")
    async def models():
        return {"data": [{"id": "tiny"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        app.state.seen.append(body)
        if body["model"] == "broken":
            return JSONResponse({"error": {"message": "model not loaded"}}, status_code=503)

        def chunks():
            for word in ["Hello", " there", "!"]:
                yield f"data: {json.dumps({'choices': [{'delta': {'content': word}, 'finish_reason': None}]})}\n\n"
            yield f"data: {json.dumps({'choices': [{'delta': {}, 'finish_reason': 'stop'}]})}\n\n"
            yield f"data: {json.dumps({'choices': [], 'usage': {'prompt_tokens': 7, 'completion_tokens': 3}})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    with LoopbackServer(app) as running:
        running.app = app
        yield running


def _request() -> GenerationRequest:
    return GenerationRequest("r1", "answer", "Say hello", Grounding("general_knowledge", "hi"), system="Be brief",
                             max_tokens=20, stop=("\n\n",))


async def test_streams_deltas_usage_and_sends_an_openai_body(server):
    engine = OpenAICompatibleEngine(OpenAIConfig(base_url=f"{server.url}/v1", model="tiny"))
    events = [e async for e in engine.generate(_request())]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello there!"
    assert isinstance(events[-1], Finished) and events[-1].usage.prompt_tokens == 7
    body = server.app.state.seen[-1]
    assert body["messages"] == [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Say hello"}]
    assert body["stream"] is True and body["max_tokens"] == 20 and body["stop"] == ["\n\n"]
    await engine.check_health()
    await engine.aclose()


async def test_http_errors_become_engine_errors(server):
    engine = OpenAICompatibleEngine(OpenAIConfig(base_url=f"{server.url}/v1", model="broken"))
    with pytest.raises(EngineError, match="answered 503"):
        async for _ in engine.generate(_request()):
            pass


async def test_unreachable_server_is_an_engine_error():
    engine = OpenAICompatibleEngine(OpenAIConfig(base_url=f"http://127.0.0.1:{free_port()}/v1", connect_timeout_s=1))
    with pytest.raises(EngineError, match="ConnectError"):
        async for _ in engine.generate(_request()):
            pass
    with pytest.raises(EngineError, match="unreachable"):
        await engine.check_health()
