"""The HTTP routes: wiring only. Each route parses, asks a serving object, and answers JSON or a stream.

    app = build_api_server(AssistServing(pipeline, Metrics()))

Errors are JSON `{"error": {"code", "message"}}` with a 4xx for what the client can fix: 400 invalid
JSON, 401 missing or wrong bearer token, 404 unknown id, agent, turn or path, 405 wrong method, 413 a
body over the size limit, 422 a field that is wrong, 429/503 with Retry-After when overloaded. A 5xx is
a bug.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from importlib import resources
from typing import Annotated, Literal

from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from components.http.protocol import AssistRequest, ChatCompletionRequest, ErrorResponse, FeedbackRequest
from components.http.serving import AssistServing, ChatServing
from components.names import PAGE_TYPES
from components.pipeline.events import RequestError

__all__ = ["build_api_server"]

log = logging.getLogger(__name__)

# /healthz and /metrics ask the turn service what serves: a hung agent must not hang them
_READY_TIMEOUT_S = 5.0
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_ERRORS = {400: {"model": ErrorResponse}, 401: {"model": ErrorResponse}, 404: {"model": ErrorResponse},
           422: {"model": ErrorResponse}, 429: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}


def _error(status: int, code: str, message: str, retry_after_s: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s else None
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


class _Guard:
    """Bearer-token check on /v1/, a body size limit, and a request count by route and status, as plain ASGI.

    Not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware pipes every response, and each chunk
    of a stream, through an extra task and memory stream, which costs milliseconds before the first token.
    A path the API does not have counts as "unmatched": a scanner's made-up paths would otherwise each
    add a series to every scrape, for ever. A body over `max_body_bytes` gets 413: by its Content-Length
    before a byte is read, or, sent in chunks, as soon as it passes the limit (the routes read whole
    bodies into memory).
    """

    def __init__(self, app: ASGIApp, auth_token: str | None, requests: Counter, max_body_bytes: int) -> None:
        self.app, self.requests, self.max_body_bytes = app, requests, max_body_bytes
        self.expected = f"Bearer {auth_token}".encode() if auth_token else None
        self.paths: frozenset[str] | None = None  # the API's routes, read from the app at the first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.paths is None:
            self.paths = frozenset(route.path for route in scope["app"].routes)
        path = _route_path(scope)
        endpoint = path if path in self.paths else "unmatched"

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.requests.labels(endpoint, str(message["status"])).inc()
            await send(message)

        headers = dict(scope["headers"])
        if self.expected is not None and path.startswith("/v1/"):
            if not secrets.compare_digest(headers.get(b"authorization", b""), self.expected):
                await _error(401, "unauthorized", "missing or wrong bearer token")(scope, receive, counted)
                return
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:  # the HTTP server refuses a malformed one
            message = f"the body is {int(declared)} bytes; the limit is {self.max_body_bytes}"
            await _error(413, "request_too_large", message)(scope, receive, counted)
            return
        await self.app(scope, self._limited(receive), counted)

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:  # FastAPI passes an HTTPException on; the handler renders it
                    raise HTTPException(413, f"the body passed the limit of {self.max_body_bytes} bytes")
            return message

        return limited


def _route_path(scope: Scope) -> str:
    """The path the routes see: under a route prefix (Serve's root_path) the scope's path still carries it."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root):] or "/"
    return path


def build_api_server(assist: AssistServing, *, auth_token: str | None = None, retry_after_s: int = 2,
                     contexts: dict[str, list[dict[str, str]]] | None = None,
                     max_body_bytes: int = 1_048_576) -> FastAPI:
    """The Switchboard HTTP API over `assist`; `contexts` are sample pages for the chat page's picker."""
    chat = ChatServing(assist)
    app = FastAPI(title="Switchboard", version="1.0",
                  description="A production generative-AI assistant for a professional network.")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            return _error(400, "invalid_json", f"the body is not valid JSON: {first.get('ctx', {}).get('error', '')}")
        location = ".".join(str(part) for part in first["loc"] if part != "body")
        return _error(422, "invalid_request", f"{location or 'body'}: {first['msg']}")

    @app.exception_handler(RequestError)
    async def refused(request: Request, exc: RequestError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, retry_after_s if exc.status in (429, 503) else None)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        """Starlette's own errors (an unknown path, a wrong method, an oversized body) in the API's format."""
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        response = _error(exc.status_code, code, exc.detail or code.replace("_", " "))
        response.headers.update(exc.headers or {})  # a 405's Allow
        return response

    app.add_middleware(_Guard, auth_token=auth_token, requests=assist.metrics.requests, max_body_bytes=max_body_bytes)

    @app.post("/v1/assist", responses=_ERRORS,
              response_description="text/event-stream of route, plan, skill, delta, attachment, trust, followups "
                                   "and one done or error")
    async def assist_route(body: AssistRequest) -> StreamingResponse:
        events = await assist.open(body)
        return StreamingResponse(assist.sse(events), media_type="text/event-stream", headers=_SSE_HEADERS)

    @app.post("/v1/chat/completions", responses=_ERRORS)
    async def chat_route(body: ChatCompletionRequest):
        request, events = await chat.open(body)
        if body.stream:
            return StreamingResponse(chat.stream(body, events), media_type="text/event-stream", headers=_SSE_HEADERS)
        return JSONResponse(await chat.complete(body, request, events))

    @app.get("/v1/models")
    async def models_route() -> dict:
        return chat.models()

    @app.post("/v1/feedback", responses=_ERRORS)
    async def feedback_route(body: FeedbackRequest) -> dict[str, str]:
        if not await assist.turns.feedback(body.turn_id, body.rating, body.comment):
            raise RequestError(404, "unknown_turn", f"no logged turn with id '{body.turn_id}'")
        return {"status": "recorded", "turn_id": body.turn_id}

    @app.get("/v1/pages/{kind}/{page_id}", responses=_ERRORS)
    async def page_route(kind: Literal[PAGE_TYPES],
                         page_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]) -> dict:
        """The page a member asks beside, as the agent's skills read it (the chat page's card)."""
        return {"type": kind, "id": page_id, "record": await assist.turns.page(kind, page_id)}

    @app.get("/v1/contexts")
    async def contexts_route() -> dict[str, list[dict[str, str]]]:
        """Sample posts, jobs, companies and profiles to ask beside (the chat page's picker)."""
        return contexts or {}

    async def versions() -> dict[str, str]:
        """What serves, from the turn service; RequestError 503 when it does not answer in time."""
        try:
            async with asyncio.timeout(_READY_TIMEOUT_S):
                return await assist.turns.ready()
        except Exception as exc:  # noqa: BLE001 - overloaded, restarting or gone: not the caller's fault
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise RequestError(503, "unavailable", f"the turn service did not answer: {reason}") from exc

    @app.get("/healthz", responses={503: {"model": ErrorResponse}})
    async def healthz() -> dict:
        return {"status": "ok", "versions": await versions()}

    @app.get("/metrics", response_class=Response)
    async def metrics() -> Response:
        try:  # an overloaded agent is when the metrics matter most: they answer with the gauges as they were
            assist.metrics.observe_versions(await versions())
        except RequestError as exc:
            log.warning("/metrics: version gauges not refreshed: %s", exc.message)
        return Response(generate_latest(assist.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(resources.files("components.http").joinpath("chat.html").read_text(encoding="utf-8"))

    return app
