"""Deployment handles dressed as the components' own interfaces, so the pipeline never knows Ray.

`RemoteRouter` is a router, `RemoteEngine` an Engine and `RemoteTurns` a TurnService; each forwards
to a DeploymentHandle, streams stay streams (DeploymentResponseGenerator), a release's `prepare`
reaches every replica (Serve's broadcast), and Ray's failures become the errors the components
already handle: a dead or overloaded generator replica is an EngineError (the turn degrades to
extractive), an overloaded agent deployment a 503.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ray.serve.exceptions import BackPressureError
from ray.serve.handle import DeploymentHandle

from components.engines import Engine, EngineError, EngineEvent, GenerationRequest
from components.pipeline.events import AssistRequest, ErrorData, Event, RequestError

if TYPE_CHECKING:  # scikit-learn and the versions' specs, for annotations: the ingress imports this module too
    from components.routing import RouteDecision
    from components.versions.specs import ModelPin

__all__ = ["RemoteEngine", "RemoteRouter", "RemoteTurns"]

log = logging.getLogger(__name__)


async def _on_every_replica(handle: DeploymentHandle, method: str, *args):
    """`method` on every replica of `handle`'s deployment; what the first returned.

    A call first: like any call it waits for a replica, and at start the deployment may have none yet (a
    model still loading), where a broadcast alone would fail. Then Serve's broadcast to every replica it
    now knows (a second load on the first is a no-op).
    """
    first = await getattr(handle, method).remote(*args)
    await handle.broadcast(method, *args).results_async()
    return first


class RemoteRouter:
    """`source`: the MLflow router version (artifact URI) this release routes with; None: the deployment's own."""

    def __init__(self, handle: DeploymentHandle, source: str | None = None) -> None:
        self._handle, self._source = handle, source
        self.version = "remote"
        self.conversational = False  # whether it weighs the previous turn's agent: known once prepared

    async def prepare(self) -> str:
        """Loads this release's router version on every router replica; its version string."""
        described = await _on_every_replica(self._handle, "prepare", self._source)
        self.conversational = described["conversational"]
        return described["version"]

    def route(self, query: str, context_type: str = "none", previous_agent: str | None = None
              ) -> Awaitable[RouteDecision]:
        """The decision to await: the request leaves now, so the pipeline's work overlaps its round trip."""
        return self._handle.route.remote(query, context_type, self._source, previous_agent)


class RemoteEngine(Engine):
    """`pin`: the model pin (as a dict) this release generates with; None: the deployment's configured engine."""

    def __init__(self, handle: DeploymentHandle, name: str, model: str, pin: dict | None = None) -> None:
        self._handle, self.name, self.model, self._pin = handle, name, model, pin

    @classmethod
    async def prepared(cls, handle: DeploymentHandle, pin: ModelPin) -> RemoteEngine:
        """The engine of model `pin` on `handle`'s deployment, loaded on every replica before it serves."""
        engine = cls(handle, pin.engine, pin.model, pin.model_dump(mode="json"))
        await engine.prepare()
        return engine

    async def prepare(self) -> None:
        """Loads this release's pin on every generator replica, so none loads it in a turn's path.

        A replica that starts later loads the pin at its first request for it (in a thread there).
        """
        await _on_every_replica(self._handle, "prepare", self._pin)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        stream = self._handle.options(stream=True).generate.remote(request, self._pin)
        finished = False
        try:
            async for event in stream:
                yield event
            finished = True
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - a dead or overloaded replica: the pipeline degrades
            raise EngineError(f"generator deployment: {type(exc).__name__}: {exc}") from exc
        finally:
            if not finished:
                stream.cancel()


def _log_lost_turn(logs: Path, request: AssistRequest, turn_id: str, route: Event | None, failure: ErrorData) -> None:
    """The record of a turn whose agent died, unless the agent wrote its own before it did."""
    # Here, not at the top: the ingress imports this module, and polars (the log's) only for a lost turn
    from components.conversation_log import ConversationLog, TurnRecord

    turn_log = ConversationLog(logs)
    if turn_log.find_path(turn_id) is not None:
        return
    routed = route.payload() if route is not None else {"agent": "unknown", "confidence": 0.0, "in_scope": False}
    turn_log.write(TurnRecord(
        conversation_id=request.conversation_id or turn_id, turn_id=turn_id, timestamp=datetime.now(UTC),
        member_id=request.member_id, agent=routed["agent"], route_confidence=routed["confidence"],
        in_scope=routed["in_scope"], query=request.query, context_type=request.context.type,
        context_id=request.context.id, error_code=failure.code, error_message=failure.message))


class RemoteTurns:
    """The TurnService the HTTP layer uses in Serve: the agent deployment behind a handle.

    An agent that does not take a turn, answer feedback or say what serves within `timeout_s` (hung,
    restarting, gone) is a 503, like an overloaded one, never a hang or a 500. A turn whose agent replica
    dies mid-way ends with one `error` event, and with `logs` (the conversation log's directory) it is
    logged here under the id the agent named in its verdict, unless the agent logged it before it died:
    every turn still has one record.
    """

    def __init__(self, handle: DeploymentHandle, timeout_s: float = 10.0, logs: Path | None = None) -> None:
        self._handle, self._timeout_s, self._logs = handle, timeout_s, logs

    async def open(self, request: AssistRequest, agent: str | None = None,
                   history: list[tuple[str, str]] | None = None) -> AsyncIterator[Event]:
        # history only when a client sent one: a /v1/assist turn still reaches an agent replica of the
        # release before, whose `turn` takes two arguments, while a rolling update replaces it
        arguments = (request, agent) if history is None else (request, agent, history)
        stream = self._handle.options(stream=True).turn.remote(*arguments)
        try:
            async with asyncio.timeout(self._timeout_s):
                verdict, *first = await anext(stream)
        except Exception as exc:  # noqa: BLE001 - no verdict: the turn never started, the client may retry
            stream.cancel()
            raise self._unavailable("take the turn", exc) from exc
        if "refused" in verdict:
            problem = verdict["refused"]
            raise RequestError(problem["status"], problem["code"], problem["message"])
        return self._events(first, stream, request, verdict.get("turn_id"))  # an agent of an older release: None

    async def _events(self, first: list[Event], stream, request: AssistRequest,
                      turn_id: str | None) -> AsyncIterator[Event]:
        """The events of the agent's lists, one by one; `first` came with the verdict."""
        terminal, failure, route = False, None, None
        try:
            for event in first:
                terminal = terminal or event.terminal
                route = event if event.name == "route" else route
                yield event
            async for batch in stream:
                for event in batch:
                    terminal = terminal or event.terminal
                    route = event if event.name == "route" else route
                    yield event
        except Exception as exc:  # noqa: BLE001 - the stream has started: end it with one error event
            code = "overloaded" if isinstance(exc, BackPressureError) else "agent_unavailable"
            failure = ErrorData(code=code, message=f"{type(exc).__name__}: {exc}")
        finally:
            if not terminal:  # the client hung up (or the stream broke): the agent stops the turn now
                stream.cancel()
        if not terminal:
            failure = failure or ErrorData(code="agent_unavailable", message="the agent's stream ended before the "
                                                                             "turn did")
            if self._logs is not None and turn_id is not None:
                try:
                    await asyncio.to_thread(_log_lost_turn, self._logs, request, turn_id, route, failure)
                except OSError as exc:  # the member still gets the error event; the operator gets the reason
                    log.error("turn %s: its agent died and its record could not be written: %s", turn_id, exc)
            yield Event("error", failure)

    async def feedback(self, turn_id: str, rating: str, comment: str | None = None) -> bool:
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._handle.feedback.remote(turn_id, rating, comment)
        except Exception as exc:  # noqa: BLE001 - overloaded, hung or gone
            raise self._unavailable("record the feedback", exc) from exc

    async def page(self, kind: str, ident: str) -> dict:
        try:
            async with asyncio.timeout(self._timeout_s):
                answer = await self._handle.page.remote(kind, ident)
        except Exception as exc:  # noqa: BLE001 - overloaded, hung, gone, or a replica of a release without it
            raise self._unavailable("read the page", exc) from exc
        if "refused" in answer:
            problem = answer["refused"]
            raise RequestError(problem["status"], problem["code"], problem["message"])
        return answer["record"]

    async def ready(self) -> dict[str, str]:
        async with asyncio.timeout(self._timeout_s):
            return await self._handle.ready.remote()

    def _unavailable(self, what: str, exc: Exception) -> RequestError:
        if isinstance(exc, BackPressureError):
            return RequestError(503, "overloaded", "the agents are at capacity; retry shortly")
        reason = f"no answer within {self._timeout_s:g} s" if isinstance(exc, TimeoutError) else type(exc).__name__
        return RequestError(503, "agent_unavailable", f"the agents did not {what}: {reason}")
