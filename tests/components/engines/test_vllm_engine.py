"""The vLLM engine against a stand-in with the shape of vLLM's AsyncLLM API (no GPU, no vllm here).

The stand-in mirrors what the engine uses: AsyncEngineArgs, AsyncLLM.from_engine_args, generate()
yielding RequestOutputs with DELTA outputs, abort, check_health, get_tokenizer, shutdown.
"""

import asyncio
import sys
import types
from dataclasses import dataclass, field

import pytest

from components.engines import EngineError, Finished, GenerationRequest, Grounding, TextDelta, VLLMConfig


@dataclass
class _Completion:
    text: str
    token_ids: list[int]
    finish_reason: str | None = None


@dataclass
class _Output:
    outputs: list[_Completion]
    finished: bool
    prompt_token_ids: list[int] = field(default_factory=lambda: [1, 2, 3, 4])


class _AsyncLLM:
    instances: list["_AsyncLLM"] = []

    def __init__(self, args):
        self.args, self.aborted, self.prompts = args, [], []
        _AsyncLLM.instances.append(self)

    @classmethod
    def from_engine_args(cls, args):
        return cls(args)

    async def get_tokenizer(self):
        class Tokenizer:
            def apply_chat_template(self, messages, tokenize, add_generation_prompt):
                return "|".join(f"{m['role']}:{m['content']}" for m in messages) + "|assistant:"
        return Tokenizer()

    async def generate(self, prompt, params, request_id):
        self.prompts.append((prompt, params, request_id))
        for i, word in enumerate(["Hi", " from", " vLLM"]):
            await asyncio.sleep(0.01 if request_id != "slow" else 1)
            yield _Output([_Completion(word, [i], "stop" if i == 2 else None)], finished=i == 2)

    async def abort(self, request_id):
        self.aborted.append(request_id)

    async def check_health(self):
        return None

    def shutdown(self):
        pass


@pytest.fixture
def fake_vllm(monkeypatch):
    class SamplingParams:
        def __init__(self, **kwargs):
            self.__dict__.update(kwargs)

    modules = {name: types.ModuleType(name) for name in (
        "vllm", "vllm.engine", "vllm.engine.arg_utils", "vllm.sampling_params", "vllm.v1", "vllm.v1.engine",
        "vllm.v1.engine.async_llm")}
    modules["vllm"].SamplingParams = SamplingParams
    modules["vllm.engine.arg_utils"].AsyncEngineArgs = lambda **kwargs: kwargs
    modules["vllm.sampling_params"].RequestOutputKind = types.SimpleNamespace(DELTA="delta")
    modules["vllm.v1.engine.async_llm"].AsyncLLM = _AsyncLLM
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    _AsyncLLM.instances.clear()
    from components.engines.vllm_engine import VLLMEngine
    return VLLMEngine


def _request(request_id="r1"):
    return GenerationRequest(request_id, "answer", "Question?", Grounding("general_knowledge", "q"), system="Sys",
                             max_tokens=32)


async def test_streams_deltas_with_pinned_model_and_chat_template(fake_vllm):
    engine = fake_vllm(VLLMConfig(model="/models/qwen", revision="abc123", max_model_len=4096))
    events = [e async for e in engine.generate(_request())]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hi from vLLM"
    assert isinstance(events[-1], Finished)
    assert events[-1].usage.prompt_tokens == 4 and events[-1].usage.completion_tokens == 3
    llm = _AsyncLLM.instances[-1]
    assert llm.args["model"] == "/models/qwen" and llm.args["revision"] == "abc123"
    prompt, params, request_id = llm.prompts[-1]
    assert prompt == "system:Sys|user:Question?|assistant:" and params.output_kind == "delta" and request_id == "r1"
    assert engine.model == "/models/qwen@abc123" and llm.aborted == []


async def test_a_caller_that_gives_up_aborts_the_request(fake_vllm):
    engine = fake_vllm(VLLMConfig())
    stream = engine.generate(_request("slow"))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            async for _ in stream:
                pass
    await stream.aclose()
    assert _AsyncLLM.instances[-1].aborted == ["slow"]


def test_without_vllm_the_error_says_which_environment_runs_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)
    from components.engines.vllm_engine import VLLMEngine

    with pytest.raises(EngineError, match=r"the `gpu` extra on a GPU, or `make vllm-env` \(.venv-vllm\)"):
        VLLMEngine(VLLMConfig())
