"""Calling skills: concurrent, each under its own timeout, never raising for a failing API.

A skill call returns a `SkillResult` whose status is `done` or `failed`; a failure carries the reason
(timeout, HTTP status and the API's message, invalid parameters, unknown skill) so the agent can plan
around it and the conversation log can count it, and its kind (`Failure`): a member is told "there is
none" only for `not_found`, and "I could not reach it right now" for the rest. Only programming errors
escape.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Literal, Self

import certifi
import httpcore  # noqa: F401 - httpx imports it at its first client, 40-90 ms that would fall in a turn
import httpx
from pydantic import BaseModel, Field, ValidationError

from components.skills.registry import SkillRegistry, UnknownSkillError
from components.skills.spec import SkillSpec

__all__ = ["Failure", "SkillCall", "SkillInvoker", "SkillResult"]

# not_found: the API answered that there is none (404). unavailable: it could not be reached, timed out, or
# failed (5xx, 429, a body it cannot map): the same call may work in a moment. rejected: the call itself
# was wrong (unknown skill, invalid parameters, another 4xx): the plan, not the world, is at fault.
Failure = Literal["not_found", "unavailable", "rejected"]


class SkillCall(BaseModel):
    """One planned call, as the planner writes it."""

    skill: str = Field(description="Registered skill name.")
    params: dict[str, Any] = Field(default_factory=dict, description="LLM-facing parameters.")


class SkillResult(BaseModel):
    skill: str
    params: dict[str, Any]
    status: Literal["done", "failed"]
    data: Any = None
    error: str | None = None
    failure: Failure | None = Field(None, description="Why a failed call failed; None when it is done.")
    latency_ms: float

    @property
    def unanswered(self) -> bool:
        """Failed for a reason other than "there is none": what it reads is unknown, not absent."""
        return self.status == "failed" and self.failure != "not_found"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default trust store, read once per process: reading it takes 35-50 ms here, and a client
    made on a turn's way (a new event loop's first call, or a refresh) would otherwise read it again."""
    return ssl.create_default_context(cafile=certifi.where())


def _api_message(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return f"{detail}" if detail else response.reason_phrase


class SkillInvoker:
    """Invokes registered skills against the internal APIs at `base_url`."""

    def __init__(self, registry: SkillRegistry, base_url: str, *, default_timeout_s: float = 2.0,
                 max_concurrency: int = 16, client: httpx.AsyncClient | None = None, cache_ttl_s: float = 0.0,
                 cache_stale_s: float = 0.0, cache_size: int = 4096) -> None:
        self._registry = registry
        self._default_timeout_s = default_timeout_s
        self._base_url = base_url
        self._given_client = client
        self._max_concurrency = max_concurrency
        # An AsyncClient and a Semaphore belong to the event loop that first used them; a CLI or a
        # test may run several loops in turn, so each loop gets its own.
        self._per_loop: dict[asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, asyncio.Semaphore]] = {}
        # Answers of idempotent GETs, briefly: validating a request's ids and the turn's own view calls
        # then fetch each record once. 0 disables it. For `cache_stale_s` past the TTL an answer is still
        # served, while a fresh one is fetched in the background (HTTP's stale-while-revalidate): a record
        # members keep asking about is never fetched on a turn's way to its first token.
        self._cache_ttl_s, self._cache_stale_s, self._cache_size = cache_ttl_s, cache_stale_s, cache_size
        self._cache: OrderedDict[str, tuple[float, int, Any]] = OrderedDict()
        self._refreshing: dict[str, asyncio.Task] = {}
        _tls_context()  # at start, not in the first turn

    def _loop_state(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if loop not in self._per_loop:
            for closed in [other for other in self._per_loop if other.is_closed()]:
                del self._per_loop[closed]
            client = self._given_client or httpx.AsyncClient(base_url=self._base_url, verify=_tls_context())
            self._per_loop[loop] = (client, asyncio.Semaphore(self._max_concurrency))
        return self._per_loop[loop]

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        refreshes = [task for task in self._refreshing.values() if task.get_loop() is loop]
        for task in refreshes:
            task.cancel()
        await asyncio.gather(*refreshes, return_exceptions=True)
        state = self._per_loop.pop(loop, None)
        if state and self._given_client is None:
            await state[0].aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def invoke(self, call: SkillCall) -> SkillResult:
        started = time.perf_counter()

        def result(status: Literal["done", "failed"], data: Any = None, error: str | None = None,
                   failure: Failure | None = None) -> SkillResult:
            return SkillResult(skill=call.skill, params=call.params, status=status, data=data, error=error,
                               failure=failure, latency_ms=round((time.perf_counter() - started) * 1000, 3))

        try:
            spec = self._registry.get(call.skill)
            params = spec.input_model.model_validate(call.params)
        except UnknownSkillError as exc:
            return result("failed", error=str(exc), failure="rejected")
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return result("failed", error=f"invalid parameters: {problems}", failure="rejected")
        try:
            path, api_params = spec.api_request(params)
        except UnicodeEncodeError as exc:
            return result("failed", error=f"invalid parameters: not valid Unicode: {exc.reason}", failure="rejected")
        key = f"{path}?{json.dumps(api_params, sort_keys=True, default=str)}"
        cached = self._cache.get(key) if spec.call.method == "GET" and self._cache_ttl_s else None
        age = time.monotonic() - cached[0] if cached else None
        if cached and age < self._cache_ttl_s + self._cache_stale_s:
            refresh = self._refreshing.get(key)  # done but still here: its loop closed before it finished
            if age >= self._cache_ttl_s and (refresh is None or refresh.done()):
                task = asyncio.get_running_loop().create_task(self._fetch(spec, path, api_params, key))
                self._refreshing[key] = task
                task.add_done_callback(functools.partial(self._refreshed, key))
            status_code, body = cached[1], cached[2]
            if status_code == 404:
                return result("failed", error=f"not found: {body}", failure="not_found")
            return result("done", data=spec.map_response(body))
        failure, data_or_error = await self._fetch(spec, path, api_params, key)
        if failure is None:
            return result("done", data=data_or_error)
        return result("failed", error=data_or_error, failure=failure)

    def _refreshed(self, key: str, task: asyncio.Task) -> None:
        if self._refreshing.get(key) is task:  # a later refresh of the same record may have replaced it
            del self._refreshing[key]

    async def _fetch(self, spec: SkillSpec, path: str, api_params: dict[str, Any],
                     key: str) -> tuple[Failure | None, Any]:
        """Calls the API and caches what it may: (None, the mapped answer) or (the failure, why it failed)."""
        timeout = spec.call.timeout_s or self._default_timeout_s
        client, slots = self._loop_state()
        try:
            async with slots:
                async with asyncio.timeout(timeout):
                    if spec.call.method == "GET":
                        response = await client.get(path, params=api_params, timeout=timeout)
                    else:
                        response = await client.post(path, json=api_params, timeout=timeout)
        except (TimeoutError, httpx.TimeoutException):
            return "unavailable", f"timed out after {timeout:g}s"
        except httpx.HTTPError as exc:
            return "unavailable", f"could not reach the API: {type(exc).__name__}: {exc}"
        except (UnicodeError, ValueError) as exc:  # a URL or body httpx cannot build from these parameters
            return "rejected", f"invalid parameters for the API: {type(exc).__name__}: {exc}"
        if response.status_code == 404:
            self._remember(key, spec.call.method, 404, _api_message(response))
            return "not_found", f"not found: {_api_message(response)}"
        if response.status_code >= 400:
            # an overloaded or failing API may answer in a moment; any other 4xx refuses this call as written
            failure = "unavailable" if response.status_code >= 500 or response.status_code in (408, 429) else "rejected"
            return failure, f"API answered {response.status_code}: {_api_message(response)}"
        try:
            body = response.json()
            mapped = spec.map_response(body)
        except (ValueError, TypeError, AttributeError) as exc:
            return "unavailable", f"API answered a body the skill cannot map: {exc}"
        self._remember(key, spec.call.method, 200, body)
        return None, mapped

    def _remember(self, key: str, method: str, status_code: int, body: Any) -> None:
        if method != "GET" or not self._cache_ttl_s:
            return
        self._cache[key] = (time.monotonic(), status_code, body)
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def invoke_all(self, calls: Iterable[SkillCall]) -> list[SkillResult]:
        """Runs calls concurrently; results come back in the order of the calls."""
        return list(await asyncio.gather(*(self.invoke(call) for call in calls)))
