"""Pipeline settings: how much time each stage may take, and how much context goes into a prompt."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BudgetsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan_s: float = Field(5.0, gt=0, description="The whole planner stream; past it the default plan runs.")
    ttft_s: float = Field(4.0, gt=0, description="Generator's first token; past it the turn degrades to extractive.")
    stall_s: float = Field(2.0, gt=0, description="Longest silence between two generator tokens.")
    generate_s: float = Field(45.0, gt=0, description="The whole answer stream.")


class PipelineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    budgets: BudgetsConfig = Field(default_factory=BudgetsConfig, description="Per-stage time budgets.")
    max_query_chars: int = Field(2000, ge=10, description="Longest query accepted.")
    max_calls: int = Field(6, ge=1, le=20, description="Most skill calls one plan may fire.")
    structured_plans: bool = Field(False, description="Ask the planner for JSON that follows the plan's schema "
                                                      "(vLLM's structured outputs hold the model to it; other "
                                                      "engines ignore it) instead of free YAML.")
    examples_k: int = Field(3, ge=0, le=10, description="Response examples injected into the prompt.")
    shadow_share: float = Field(0.0, ge=0, le=1, description="Share of live turns also answered, in the "
                                                            "background, by the challenger release (never shown).")
    shadow_max_in_flight: int = Field(4, ge=1, description="Shadow turns running at once; more are skipped, so "
                                                          "shadow work never queues up behind live traffic.")
    examples_poll_s: float = Field(30.0, gt=0, description="How often serving checks for a newer examples table "
                                                          "version (written by the build_examples flow).")
    history_turns: int = Field(4, ge=0, le=20, description="Earlier turns shown to the generator.")
    check_every_tokens: int = Field(8, ge=1, description="Output trust checks run every this many tokens.")
    max_answer_tokens: int = Field(600, ge=16, description="Longest answer the generator may write.")
    max_plan_tokens: int = Field(300, ge=16, description="Longest plan the planner may write.")
