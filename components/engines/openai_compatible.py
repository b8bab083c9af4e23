"""Any OpenAI-compatible server (`vllm serve`, hosted APIs), streamed over httpx with timeouts."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx

from components.engines.base import (
    Engine,
    EngineError,
    EngineEvent,
    Finished,
    GenerationRequest,
    StreamClock,
    TextDelta,
    Usage,
)
from components.engines.config import OpenAIConfig

__all__ = ["OpenAICompatibleEngine"]


class OpenAICompatibleEngine(Engine):
    name = "openai"

    def __init__(self, config: OpenAIConfig | None = None, client: httpx.AsyncClient | None = None) -> None:
        self.config = config or OpenAIConfig()
        self.model = self.config.model
        key = os.environ.get(self.config.api_key_env) if self.config.api_key_env else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        timeout = httpx.Timeout(self.config.read_timeout_s, connect=self.config.connect_timeout_s)
        self._client = client or httpx.AsyncClient(base_url=self.config.base_url.rstrip("/"), headers=headers,
                                                   timeout=timeout)

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        messages = ([{"role": "system", "content": request.system}] if request.system else []) + [
            {"role": "user", "content": request.prompt}]
        body: dict[str, Any] = {"model": self.config.model, "messages": messages, "stream": True,
                                "max_tokens": request.max_tokens, "temperature": request.temperature,
                                "top_p": request.top_p, "stream_options": {"include_usage": True}}
        if request.stop:
            body["stop"] = list(request.stop)
        return body

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        clock, text, usage, reason = StreamClock(), [], None, "stop"
        try:
            async with self._client.stream("POST", "/chat/completions", json=self._body(request)) as response:
                if response.status_code >= 400:
                    body = (await response.aread()).decode(errors="replace")[:300]
                    raise EngineError(f"openai: {self.config.base_url} answered {response.status_code}: {body}")
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    chunk = json.loads(payload)
                    if "error" in chunk:
                        raise EngineError(f"openai: stream error: {chunk['error']}")
                    for choice in chunk.get("choices") or []:
                        delta = (choice.get("delta") or {}).get("content")
                        if delta:
                            clock.token()
                            text.append(delta)
                            yield TextDelta(delta)
                        reason = choice.get("finish_reason") or reason
                    usage = chunk.get("usage") or usage
        except httpx.HTTPError as exc:
            raise EngineError(f"openai: {type(exc).__name__} talking to {self.config.base_url}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise EngineError(f"openai: malformed stream chunk: {exc}") from exc
        finished = clock.finished(request.prompt, "".join(text), reason)
        if usage:
            finished = Finished(Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
                                finished.ttft_ms, finished.total_ms, reason)
        yield finished

    async def check_health(self) -> None:
        try:
            response = await self._client.get("/models", timeout=self.config.connect_timeout_s)
        except httpx.HTTPError as exc:
            raise EngineError(f"openai: {self.config.base_url} unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise EngineError(f"openai: {self.config.base_url}/models answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
