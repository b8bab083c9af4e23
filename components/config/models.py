"""Configuration models. Every field says what it is for; unknown keys are errors, not silence."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from components.engines.config import EnginesConfig
from components.names import ROUTES
from components.pipeline.config import PipelineConfig
from components.promotion.gates import DEFAULT_GATES, Gate


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ApisConfig(_Section):
    """The sample internal APIs (a stand-in for a company's internal RPC services)."""

    host: str = Field("127.0.0.1", description="Interface the sample APIs bind to; loopback by default.")
    port: int = Field(8101, ge=1, le=65535, description="Port the sample APIs listen on.")
    base_url: str | None = Field(
        None, description="URL skills call. Defaults to http://{host}:{port}; set it when the APIs run "
                          "elsewhere (a Serve deployment, another cluster).")
    data_dir: Path | None = Field(
        None, description="Directory holding the network JSONL files; defaults to data/network in the repo.")

    @property
    def url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


class SkillsConfig(_Section):
    """How skills call internal APIs."""

    default_timeout_s: float = Field(2.0, gt=0, le=60, description="Timeout for a skill that declares none.")
    max_concurrency: int = Field(16, ge=1, le=256, description="Skill calls in flight at once per request.")
    cache_ttl_s: float = Field(10.0, ge=0, description="Seconds an idempotent GET answer is reused (0: never); "
                                                    "validation and the turn then fetch each record once.")
    cache_stale_s: float = Field(20.0, ge=0, description="Seconds past cache_ttl_s an answer is still served while "
                                                       "a fresh one is fetched in the background (0: wait for it).")
    extra_declarations: list[Path] = Field(
        default_factory=list, description="Extra YAML files of skill declarations to register at start.")


class RoutingConfig(_Section):
    """The in-house router that picks an agent."""

    artifact: Path | None = Field(
        None, description="Router artifact to load; defaults to data/routing/router.joblib in the repo.")
    min_confidence: float | None = Field(
        None, ge=0, le=1, description="Below this top-class probability the query is routed to out_of_scope; "
        "None: the cut the artifact was calibrated with on held-out seeds (its .json's min_confidence).")


class DeploymentConfig(_Section):
    """Scaling of one Ray Serve deployment."""

    num_replicas: int = Field(1, ge=1, description="Replicas when autoscaling is off.")
    max_ongoing_requests: int = Field(32, ge=1, description="Requests a replica works on at once.")
    max_queued_requests: int = Field(64, ge=-1, description="Requests waiting per caller before back-pressure "
                                                           "(503 + Retry-After); -1 for unbounded.")
    autoscaling: dict | None = Field(None, description="Ray Serve autoscaling_config (min_replicas, max_replicas, "
                                                       "target_ongoing_requests, ...); replaces num_replicas.")
    num_cpus: float = Field(0.25, ge=0, description="CPUs reserved per replica (a scheduling reservation: the "
                                                    "defaults fit both applications on a 2-core machine).")
    num_gpus: float = Field(0, ge=0, description="GPUs per replica; only the generator should ask for one.")
    resources: dict[str, float] = Field(default_factory=dict, description="Custom Ray resources per replica, e.g. "
                                        "{cpu_node: 0.01} to keep a deployment on the CPU worker group.")

    python: str | None = Field(
        None, description="Python of another environment to run these replicas in (Ray's runtime_env "
                          "py_executable), e.g. .venv-vllm/bin/python for the generator on vLLM's CPU build; "
                          "relative to the repository. Unset: the cluster's own.")
    env: dict[str, str] = Field(default_factory=dict, description="Environment variables of these replicas (e.g. "
                                                                  "VLLM_CPU_KVCACHE_SPACE).")

    def options(self) -> dict:
        actor: dict = {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus}
        if self.resources:
            actor["resources"] = dict(self.resources)
        if self.python or self.env:
            actor["runtime_env"] = self.runtime_env()
        options = {"max_ongoing_requests": self.max_ongoing_requests, "max_queued_requests": self.max_queued_requests,
                   "ray_actor_options": actor}
        if self.autoscaling:
            options["autoscaling_config"] = self.autoscaling
        else:
            options["num_replicas"] = self.num_replicas
        return options

    def runtime_env(self) -> dict:
        """Ray's runtime_env: another environment's Python sees the project through PYTHONPATH (the main
        environment has it installed; the other holds only its own libraries)."""
        root = Path(__file__).resolve().parents[2]
        env = dict(self.env)
        runtime: dict = {}
        if self.python:
            python = Path(self.python) if Path(self.python).is_absolute() else root / self.python
            runtime["py_executable"] = str(python)
            env.setdefault("PYTHONPATH", str(root))
        if env:
            runtime["env_vars"] = env
        return runtime


class ServeConfig(_Section):
    """The Ray Serve application (serve/app.py: build_app)."""

    host: str = Field("127.0.0.1", description="Serve's HTTP proxy address.")
    port: int = Field(8000, ge=1, le=65535, description="Serve's HTTP proxy port.")
    auth_token_env: str | None = Field(None, description="Environment variable with the bearer token; unset: no auth.")
    max_turns_in_flight: int = Field(64, ge=1, description="Turns an ingress replica streams at once; more get 429.")
    retry_after_s: int = Field(2, ge=1, description="Retry-After sent with 429 and 503.")
    agent_timeout_s: float = Field(10.0, gt=0, le=120, description="How long the ingress waits for the agent "
                                   "deployment to take a turn, record feedback or say what serves; then 503.")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body the HTTP API reads; a larger "
                                                                "one gets 413 before it is read into memory.")
    event_linger_ms: float = Field(
        10.0, ge=0, le=1000, description="How long a progress event (route, plan, skill) may wait in the agent for "
                                         "others to travel to the ingress in one message; answer text never waits.")
    local_cpus: int = Field(16, ge=1, description="Logical CPUs a local Ray cluster offers (python -m serve.app); "
                                                  "replicas reserve num_cpus each, so leave room for every app.")
    ingress: DeploymentConfig = Field(default_factory=lambda: DeploymentConfig(max_ongoing_requests=256,
                                                                               max_queued_requests=256),
                                      description="HTTP ingress.")
    router_deployment: bool = Field(
        False, description="Run the router as a deployment of its own (a heavier routing model on hardware of its "
                           "own). Off: it runs inside each agent replica, a handle call fewer before the first token "
                           "and a replica process fewer.")
    router: DeploymentConfig = Field(default_factory=DeploymentConfig,
                                     description="Router, when router_deployment is on.")
    agent: DeploymentConfig = Field(default_factory=lambda: DeploymentConfig(max_ongoing_requests=128),
                                    description="Agents: plan, call skills, retrieve, check.")
    generator: DeploymentConfig = Field(default_factory=lambda: DeploymentConfig(max_ongoing_requests=128),
                                        description="Generator: the only one that should ask for a GPU.")
    internal_apis: DeploymentConfig = Field(default_factory=DeploymentConfig, description="Sample internal APIs.")
    app_name: str = Field("switchboard", pattern=r"^[A-Za-z0-9_-]+$",
                          description="Name of the Serve application `make up` deploys; offline jobs that generate "
                                      "on its generator deployment (promotion.generate_on=serve) look it up by it.")
    ray_address: str | None = Field(
        None, description="Address of the Ray cluster that serves this configuration, for offline jobs that generate "
                          "on its generator deployment (e.g. ray://head:10001 or head:6379). Unset: the cluster "
                          "`make up` started for this home.")


class MlflowConfig(_Section):
    """MLflow: the registry serving follows, and the local server `make up` starts."""

    tracking_uri: str | None = Field(
        None, description="Tracking and registry server serving follows (e.g. http://127.0.0.1:5050). Unset: "
                          "serve the prompt and pin sources in the repo and follow nothing (tests, `ask`).")
    alias: str = Field("champion", pattern=r"^[a-z][a-z0-9_-]*$", description="Alias serving resolves per item.")
    shadow_alias: str = Field("challenger", pattern=r"^[a-z][a-z0-9_-]*$",
                              description="Alias of the release shadow serving runs (pipeline.shadow_share > 0).")
    prefix: str = Field("switchboard", pattern=r"^[a-z][a-z0-9_]*$",
                        description="Name prefix of every registered prompt and model ('<prefix>.generator').")
    pins_dir: Path | None = Field(
        None, description="Model pin sources `switchboard mlflow sync` registers (relative to the repository); "
                          "unset: mlflow/models. The cpu-llm profile names infra/profiles/cpu-llm, whose pins "
                          "serve the real model.")
    poll_interval_s: float = Field(30.0, gt=0, le=3600,
                                   description="How often serving checks the alias; a move serves within this.")
    timeout_s: float = Field(10.0, gt=0, le=120, description="Timeout of each MLflow request.")
    start_wait_s: float = Field(
        240.0, ge=0, le=3600, description="How long `python -m serve.app` waits at start for the alias to name a "
                                          "version of every item (MLflow starting, or being synced) before failing.")
    host: str = Field("127.0.0.1", description="Interface the local MLflow server (make up) binds to.")
    port: int = Field(5050, ge=1, le=65535, description="Port of the local MLflow server (make up).")
    backend_store_uri: str | None = Field(
        None, description="Backend store of the local server; default sqlite under $SWITCHBOARD_HOME/mlflow. "
                          "Production: postgresql://user@host/mlflow.")
    artifacts_destination: str | None = Field(
        None, description="Where the local server keeps artifacts; default $SWITCHBOARD_HOME/mlflow/artifacts. "
                          "Production: s3://bucket/mlflow (the server proxies artifact access).")

    @property
    def local_url(self) -> str:
        return f"http://{self.host}:{self.port}"


class PrefectConfig(_Section):
    """The local Prefect server `make up` starts, and where the offline flows report."""

    host: str = Field("127.0.0.1", description="Interface the local Prefect server binds to.")
    port: int = Field(4200, ge=1, le=65535, description="Port of the local Prefect server (UI and API).")
    runner_port: int = Field(4201, ge=1, le=65535,
                             description="Port of the health page of the process serving the flows' schedules.")

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"


class PromotionConfig(_Section):
    """How the promote flow decides: repeats for nondeterminism, and the gates a candidate must pass."""

    repeats: int = Field(2, ge=1, le=20, description="Times each validation conversation runs per side.")
    generate_on: Literal["flow", "serve"] = Field(
        "flow", description="Where the evaluated pins generate. 'flow': engines built in the flow's own process "
                            "(extractive, sim, openai: nothing to load). 'serve': a pin on an engine that holds a "
                            "model on the accelerator (vllm) generates on the running Serve application's generator "
                            "deployment, as serving does (it loads a candidate pin there, beside the champion's); "
                            "the cpu-llm profile sets it, since the flows' environment has no vLLM.")
    sample_per_agent: int | None = Field(
        None, ge=1, description="Evaluate only the first N conversations of each agent in the validation set (a "
                                "quick check on a slow engine: the gates' intervals widen). Unset: all of them.")
    agents: list[str] | None = Field(
        None, description="Evaluate only these agents' conversations (say, the one whose prompt a candidate "
                          "changes: the others' turns run the same prompts on both sides). The router still routes "
                          "every turn, so one it sends elsewhere is measured too. Unset: every agent.")
    concurrency: int = Field(4, ge=1, le=256, description="Validation conversations in flight at once (a real "
                                                          "engine batches them); turns of one conversation go "
                                                          "in order.")
    gates: list[Gate] = Field(default_factory=lambda: list(DEFAULT_GATES),
                              description="Metrics the candidate may not make worse beyond their tolerance.")

    @field_validator("agents")
    @classmethod
    def _known_agents(cls, agents: list[str] | None) -> list[str] | None:
        unknown = sorted(set(agents or ()) - set(ROUTES))
        if unknown:
            raise ValueError(f"unknown agents {unknown}; the validation set's are {list(ROUTES)}")
        return agents


class RetentionConfig(_Section):
    """How long the home keeps what members asked and were told (the retention flow deletes the rest)."""

    keep_days: int = Field(90, ge=8, description="Days of conversation log records, conversation history files "
                           "and per-turn evaluation files kept, today included; older ones are deleted by the "
                           "daily retention flow. At least 8: the scheduled flows read up to 7 days back.")


class TracingConfig(_Section):
    """A trace per turn in MLflow (its Traces tab), exported off the request path (components/tracing)."""

    enabled: bool = Field(False, description="Export turn traces to `mlflow.tracking_uri` (needs one). Off by "
                          "default until the traces span the Serve graph end to end (issue 31).")
    sample_ratio: float = Field(1.0, ge=0, le=1, description="Share of turns traced, decided by the turn id's hash; "
                                "the conversation log records every turn whatever this is.")
    queue_size: int = Field(1000, ge=1, description="Traces waiting for export; beyond it a trace is dropped and "
                            "counted, never waited for.")
    experiment: str = Field("switchboard-traces", min_length=1, description="MLflow experiment the traces go to.")


class SwitchboardConfig(_Section):
    """Root of the configuration. Loaded by `load_config()`; see infra/switchboard.yaml."""

    home: Path = Field(Path(".switchboard"), description="Runtime state directory ($SWITCHBOARD_HOME): "
                       "LanceDB tables, MLflow store, conversation logs, Prefect home, Ray temp dir.")
    apis: ApisConfig = Field(default_factory=ApisConfig, description="Sample internal APIs.")
    skills: SkillsConfig = Field(default_factory=SkillsConfig, description="Skill invocation.")
    routing: RoutingConfig = Field(default_factory=RoutingConfig, description="Router.")
    engines: EnginesConfig = Field(default_factory=EnginesConfig, description="The engine per role.")
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig, description="Budgets and prompt sizes.")
    serve: ServeConfig = Field(default_factory=ServeConfig, description="Ray Serve deployments and HTTP.")
    mlflow: MlflowConfig = Field(default_factory=MlflowConfig, description="Versions in MLflow, followed by alias.")
    prefect: PrefectConfig = Field(default_factory=PrefectConfig, description="The local Prefect server.")
    promotion: PromotionConfig = Field(default_factory=PromotionConfig, description="Gated promotion.")
    retention: RetentionConfig = Field(default_factory=RetentionConfig,
                                       description="How long members' conversations are kept.")
    tracing: TracingConfig = Field(default_factory=TracingConfig, description="Turn traces in MLflow.")

    @model_validator(mode="after")
    def _absolute_home(self) -> SwitchboardConfig:
        if "://" not in str(self.home):
            self.home = self.home.expanduser()
        for engine in (self.engines.planner, self.engines.generator, self.engines.judge):
            if engine is not None and engine.vllm.models_dir is None:  # where `make model` installs for this home
                engine.vllm.models_dir = str(Path(self.home) / "models")
        return self
