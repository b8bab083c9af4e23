"""Engine configuration: which engine serves a role, and its own settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SimConfig(_Section):
    """The timing-faithful simulator: an LLM's latency shape without an LLM."""

    ttft_ms: float = Field(80.0, ge=0, description="Time to first token for a lone stream.")
    tbt_ms: float = Field(15.0, ge=0, description="Time between tokens for a lone stream.")
    tbt_growth_per_stream: float = Field(
        0.03, ge=0, description="Relative TBT increase per other concurrent stream (batching contention).")
    output: str = Field("grounded", pattern="^(grounded|scripted)$",
                        description="'grounded': plans and answers built from the grounding; 'scripted': `script`.")
    script: list[str] = Field(default_factory=list, description="Outputs returned in turn when output=scripted.")
    yaml_mistake_rate: float = Field(0.0, ge=0, le=1,
                                     description="Share of plans written with LLM-style YAML mistakes.")
    error_rate: float = Field(0.0, ge=0, le=1, description="Share of streams that fail part-way.")
    stall_rate: float = Field(0.0, ge=0, le=1, description="Share of streams that stop sending tokens.")
    stall_s: float = Field(30.0, gt=0, description="How long a stalled stream stays silent.")
    seed: int = Field(0, description="Seed for the injected mistakes, failures and stalls.")


class OpenAIConfig(_Section):
    """Any OpenAI-compatible server: `vllm serve`, a hosted API, another Switchboard."""

    base_url: str = Field("http://127.0.0.1:8000/v1", description="Base URL up to and including /v1.")
    model: str = Field("default", description="Model name sent in each request.")
    api_key_env: str | None = Field(None, description="Environment variable holding the API key, if any.")
    connect_timeout_s: float = Field(3.0, gt=0, description="Timeout to connect.")
    read_timeout_s: float = Field(30.0, gt=0, description="Timeout between two bytes of the stream.")


class VLLMConfig(_Section):
    """vLLM's AsyncLLM in-process: on a GPU, or on vLLM's CPU build (the cpu-llm profile). Weights come from a
    local path, a checkpoint `make model` installed, or a pre-populated cache; never from a hub at run time."""

    model: str = Field("Qwen/Qwen2.5-7B-Instruct", description="Model id, local path, or the name of a model "
                                                              "`make model` installed (with its digest as revision).")
    revision: str | None = Field(None, description="Exact revision (commit, or an installed model's digest): pin it.")
    models_dir: str | None = Field(None, description="Where `make model` installs checkpoints (<models_dir>/"
                                                     "<model>@<revision>); default $SWITCHBOARD_HOME/models.")
    dtype: str = Field("auto", description="Weights dtype (bfloat16 on a CPU).")
    max_model_len: int | None = Field(8192, description="Context length to reserve KV cache for.")
    max_num_seqs: int | None = Field(None, ge=1, description="Sequences batched at once; unset: vLLM's default.")
    gpu_memory_utilization: float = Field(0.85, gt=0, le=1, description="Share of GPU memory vLLM may take.")
    tensor_parallel_size: int = Field(1, ge=1, description="GPUs per replica.")
    enforce_eager: bool = Field(False, description="Skip graph capture / torch.compile: loads in seconds instead "
                                                   "of a minute on a CPU, at some speed.")


class EngineConfig(_Section):
    kind: str = Field("extractive", description="Registered engine name: extractive, sim, openai, vllm, ...")
    sim: SimConfig = Field(default_factory=SimConfig, description="Settings when kind=sim.")
    openai: OpenAIConfig = Field(default_factory=OpenAIConfig, description="Settings when kind=openai.")
    vllm: VLLMConfig = Field(default_factory=VLLMConfig, description="Settings when kind=vllm.")


class EnginesConfig(_Section):
    """The engine per role: small models route and plan, a bigger model generates."""

    planner: EngineConfig = Field(default_factory=EngineConfig, description="Writes the skill plan (YAML).")
    generator: EngineConfig = Field(default_factory=EngineConfig, description="Writes the member's answer.")
    judge: EngineConfig | None = Field(None, description="Scores answers in the nightly evaluation, if set.")
