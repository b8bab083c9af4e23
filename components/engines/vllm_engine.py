"""vLLM's AsyncLLM in-process: the production generator, on a GPU or on vLLM's CPU build.

The imports are guarded so the main environment never needs vLLM; this module is the only place that
names it. It runs in the generator's own environment (the `gpu` extra on a GPU image, `.venv-vllm` on a
CPU: vLLM and Prefect cannot share one). Weights are never downloaded here at run time: `model` is a
checkpoint `make model` installed (`<models_dir>/<model>@<revision>`), a local path, or a model id already
in the image's Hugging Face cache with `revision` pinning the exact commit.
"""

from __future__ import annotations

import asyncio
import inspect
import os
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
from components.models.catalog import INSTALLED_MARKER, checkpoint_dir

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
            raise EngineError("the vllm engine runs in vLLM's environment: the `gpu` extra on a GPU, or "
                              f"`make vllm-env` (.venv-vllm) for the CPU build: {exc}") from exc
        self._sampling_params, self._delta = SamplingParams, RequestOutputKind.DELTA
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never a hub: a missing model is an error, not a download
        path, revision = self.checkpoint(self.config)
        args = AsyncEngineArgs(model=path, revision=revision, dtype=self.config.dtype,
                               max_model_len=self.config.max_model_len, max_num_seqs=self.config.max_num_seqs,
                               gpu_memory_utilization=self.config.gpu_memory_utilization,
                               tensor_parallel_size=self.config.tensor_parallel_size,
                               enforce_eager=self.config.enforce_eager)
        try:
            self._engine = AsyncLLM.from_engine_args(args)
        except Exception as exc:  # noqa: BLE001 - vLLM raises many types at start; the contract is EngineError
            raise EngineError(f"vllm could not load {path}: {type(exc).__name__}: {exc}") from exc
        self.model = f"{self.config.model}@{self.config.revision or 'unpinned'}"
        self._tokenizer = None

    @staticmethod
    def checkpoint(config: VLLMConfig) -> tuple[str, str | None]:
        """(what vLLM loads, its revision): an installed checkpoint when `model@revision` is one, whose digest
        is already in its name (a revision means nothing to a local directory); otherwise as configured."""
        models_dir = config.models_dir or os.path.join(os.environ.get("SWITCHBOARD_HOME", ".switchboard"), "models")
        installed = checkpoint_dir(models_dir, config.model, config.revision or "")
        if config.revision and installed.is_dir():
            if not (installed / INSTALLED_MARKER).exists():
                raise EngineError(f"{installed} is an unfinished install: run `make model` again")
            return str(installed), None
        return config.model, config.revision

    async def _prompt(self, request: GenerationRequest) -> str:
        if self._tokenizer is None:
            tokenizer = self._engine.get_tokenizer()  # a coroutine in older vLLM, the tokenizer in newer ones
            self._tokenizer = await tokenizer if inspect.isawaitable(tokenizer) else tokenizer
        messages = ([{"role": "system", "content": request.system}] if request.system else []) + [
            {"role": "user", "content": request.prompt}]
        return self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        params = self._sampling_params(max_tokens=request.max_tokens, temperature=request.temperature,
                                       top_p=request.top_p, stop=list(request.stop) or None, output_kind=self._delta,
                                       **self._structured(request))
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

    def _structured(self, request: GenerationRequest) -> dict:
        """vLLM's structured outputs (xgrammar) when the request carries a JSON schema: the grammar holds the
        model to it. JSON is YAML, so the streaming parser reads such a plan as it reads any other."""
        if request.json_schema is None:
            return {}
        from vllm.sampling_params import StructuredOutputsParams  # this engine's import, as in __init__

        return {"structured_outputs": StructuredOutputsParams(json=request.json_schema)}

    async def check_health(self) -> None:
        try:
            await self._engine.check_health()
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"vllm: unhealthy: {exc}") from exc

    async def abort(self, request_id: str) -> None:
        await self._engine.abort(request_id)

    async def aclose(self) -> None:
        self._engine.shutdown()
