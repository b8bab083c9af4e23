"""vLLM's AsyncLLM in-process on a GPU: the production generator.

The imports are guarded so a CPU install never needs vLLM; this module is the only place that
names it. Install the `gpu` extra in the generator's own environment (vLLM and Prefect cannot share
one). Weights are never downloaded here at run time: `model` is a local path or a model id already
in the Hugging Face cache of the image, and `revision` pins the exact commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

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
from components.engines.config import VLLMConfig

__all__ = ["VLLMEngine"]


class VLLMEngine(Engine):
    name = "vllm"

    def __init__(self, config: VLLMConfig | None = None) -> None:
        self.config = config or VLLMConfig()
        try:  # vLLM is an optional environment of its own: only this engine imports it
            from vllm import SamplingParams
            from vllm.engine.arg_utils import AsyncEngineArgs
            from vllm.sampling_params import RequestOutputKind
            from vllm.v1.engine.async_llm import AsyncLLM
        except ImportError as exc:
            raise EngineError("the vllm engine needs the `gpu` extra (uv sync --extra serve --extra gpu) "
                              f"and a CUDA GPU: {exc}") from exc
        self._sampling_params, self._delta = SamplingParams, RequestOutputKind.DELTA
        args = AsyncEngineArgs(model=self.config.model, revision=self.config.revision, dtype=self.config.dtype,
                               max_model_len=self.config.max_model_len,
                               gpu_memory_utilization=self.config.gpu_memory_utilization,
                               tensor_parallel_size=self.config.tensor_parallel_size)
        self._engine = AsyncLLM.from_engine_args(args)
        self.model = f"{self.config.model}@{self.config.revision or 'unpinned'}"
        self._tokenizer = None

    async def _prompt(self, request: GenerationRequest) -> str:
        if self._tokenizer is None:
            self._tokenizer = await self._engine.get_tokenizer()
        messages = ([{"role": "system", "content": request.system}] if request.system else []) + [
            {"role": "user", "content": request.prompt}]
        return self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        params = self._sampling_params(max_tokens=request.max_tokens, temperature=request.temperature,
                                       top_p=request.top_p, stop=list(request.stop) or None, output_kind=self._delta)
        clock, finished, prompt_tokens, completion_tokens, reason = StreamClock(), False, 0, 0, "stop"
        try:
            async for output in self._engine.generate(await self._prompt(request), params, request.request_id):
                completion = output.outputs[0]
                completion_tokens += len(completion.token_ids)
                if completion.text:
                    clock.token()
                    yield TextDelta(completion.text)
                if output.finished:
                    finished, reason = True, completion.finish_reason or "stop"
                    prompt_tokens = len(output.prompt_token_ids or [])
        except (asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:  # noqa: BLE001 - vLLM raises its own error types; the contract is EngineError
            raise EngineError(f"vllm: {type(exc).__name__}: {exc}") from exc
        finally:
            if not finished:  # the caller gave up (timeout, disconnect): free the KV cache now
                await self._engine.abort(request.request_id)
        timing = clock.finished(request.prompt, "")
        yield Finished(Usage(prompt_tokens, completion_tokens), timing.ttft_ms, timing.total_ms, reason)

    async def check_health(self) -> None:
        try:
            await self._engine.check_health()
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"vllm: unhealthy: {exc}") from exc

    async def abort(self, request_id: str) -> None:
        await self._engine.abort(request_id)

    async def aclose(self) -> None:
        self._engine.shutdown()
