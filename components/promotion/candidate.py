"""A promotion candidate: prompt and model versions that differ from the champion's."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from components.versions import MODEL_NAMES, ItemVersion, Resolved, VersionStore

__all__ = ["Candidate", "parse_items"]


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompts: dict[str, int] = Field(default_factory=dict, description="Prompt name -> version.")
    models: dict[str, int] = Field(default_factory=dict, description="planner/generator/router/embedder -> version.")

    @property
    def empty(self) -> bool:
        return not self.prompts and not self.models

    @property
    def has_model_pin(self) -> bool:
        return bool({"planner", "generator"} & set(self.models))

    def describe(self) -> str:
        items = [f"{n}@v{v}" for n, v in sorted(self.prompts.items())] + \
                [f"{n}@v{v}" for n, v in sorted(self.models.items())]
        return ", ".join(items) or "(nothing)"

    def apply(self, store: VersionStore, champion: Resolved) -> Resolved:
        """The champion's versions with this candidate's swapped in."""
        items = dict(champion.items)
        for kind, chosen in (("prompt", self.prompts), ("model", self.models)):
            for name, version in chosen.items():
                full = store.name(name)
                if full not in items:
                    raise ValueError(f"unknown {kind} '{name}'")
                if kind == "model" and name not in MODEL_NAMES:
                    raise ValueError(f"unknown model '{name}'; models: {', '.join(MODEL_NAMES)}")
                source = store.client.get_model_version(full, str(version)).source if kind == "model" else ""
                items[full] = ItemVersion(kind, full, version, {}, source)
        return Resolved("candidate", items)


def parse_items(values: list[str]) -> dict[str, int]:
    """['job_assessment.generator=3'] -> {'job_assessment.generator': 3}, with a clear error otherwise."""
    parsed = {}
    for value in values:
        name, _, version = value.partition("=")
        if not name or not version.isdigit():
            raise ValueError(f"'{value}': expected NAME=VERSION, e.g. job_assessment.generator=3")
        parsed[name.strip()] = int(version)
    return parsed
