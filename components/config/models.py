"""Configuration models. Every field says what it is for; unknown keys are errors, not silence."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from components.engines.config import EnginesConfig
from components.pipeline.config import PipelineConfig


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
    extra_declarations: list[Path] = Field(
        default_factory=list, description="Extra YAML files of skill declarations to register at start.")


class RoutingConfig(_Section):
    """The in-house router that picks an agent."""

    artifact: Path | None = Field(
        None, description="Router artifact to load; defaults to data/routing/router.joblib in the repo.")
    min_confidence: float = Field(
        0.45, ge=0, le=1, description="Below this top-class probability the query is routed to out_of_scope.")


class SwitchboardConfig(_Section):
    """Root of the configuration. Loaded by `load_config()`; see infra/switchboard.yaml."""

    home: Path = Field(Path(".switchboard"), description="Runtime state directory ($SWITCHBOARD_HOME): "
                       "LanceDB tables, MLflow store, conversation logs, Prefect home, Ray temp dir.")
    apis: ApisConfig = Field(default_factory=ApisConfig, description="Sample internal APIs.")
    skills: SkillsConfig = Field(default_factory=SkillsConfig, description="Skill invocation.")
    routing: RoutingConfig = Field(default_factory=RoutingConfig, description="Router.")
    engines: EnginesConfig = Field(default_factory=EnginesConfig, description="The engine per role.")
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig, description="Budgets and prompt sizes.")

    @model_validator(mode="after")
    def _absolute_home(self) -> SwitchboardConfig:
        if "://" not in str(self.home):
            self.home = self.home.expanduser()
        return self
