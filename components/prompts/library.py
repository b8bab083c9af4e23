"""Loads prompt sources and renders them strictly.

Templates use MLflow's `{{variable}}` syntax so the same text registers in the MLflow Prompt
Registry unchanged. Rendering fails on a missing variable and on an unused one: a template and its
caller that drift apart are caught at the first turn, not by a silently empty section.

A source may name `optional_variables`: ones the code renders but a registered version may leave out,
because versions registered before the variable existed still serve (an existing home's champion). The
code passes them every time; a template that does not use one simply leaves it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["PROMPTS_DIR", "Prompt", "PromptError", "PromptLibrary"]

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "mlflow" / "prompts"
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class PromptError(ValueError):
    """A prompt source is malformed, missing, or rendered with the wrong variables."""


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    version: int = Field(ge=1)
    role: str
    agent: str | None = None
    commit_message: str
    template: str
    optional_variables: list[str] = []


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    role: str
    template: str
    agent: str | None = None
    commit_message: str = ""
    variables: frozenset[str] = field(default=frozenset())
    optional: frozenset[str] = field(default=frozenset())  # the code passes them; this template may not use them

    @property
    def ref(self) -> str:
        return f"{self.name}@v{self.version}"

    def render(self, **values: str) -> str:
        missing = self.variables - set(values)
        unused = set(values) - self.variables - self.optional
        if missing or unused:
            raise PromptError(f"{self.ref}: missing variables {sorted(missing)}, unused {sorted(unused)}")
        return _VARIABLE.sub(lambda m: str(values[m.group(1)]), self.template)


class PromptLibrary:
    def __init__(self, prompts: dict[str, Prompt]) -> None:
        self._prompts = prompts

    @classmethod
    def load(cls, directory: Path = PROMPTS_DIR) -> PromptLibrary:
        prompts: dict[str, Prompt] = {}
        for path in sorted(directory.glob("*.yaml")):
            try:
                source = _Source.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
            except (yaml.YAMLError, ValidationError) as exc:
                raise PromptError(f"{path}: not a valid prompt source: {exc}") from None
            if path.stem != source.name:
                raise PromptError(f"{path}: file name must be the prompt name '{source.name}.yaml'")
            variables = frozenset(_VARIABLE.findall(source.template))
            if not set(source.optional_variables) <= variables:
                raise PromptError(f"{path}: optional variables {sorted(set(source.optional_variables) - variables)} "
                                  "are not in the template (the source is what the code renders: it uses all of them)")
            prompts[source.name] = Prompt(source.name, source.version, source.role, source.template, source.agent,
                                          source.commit_message, variables, frozenset(source.optional_variables))
        if not prompts:
            raise PromptError(f"no prompt sources in {directory}")
        return cls(prompts)

    def get(self, name: str) -> Prompt:
        if name not in self._prompts:
            raise PromptError(f"unknown prompt '{name}'; known: {', '.join(sorted(self._prompts))}")
        return self._prompts[name]

    def accepts(self, prompt: Prompt) -> bool:
        """Whether the code, which renders this library's sources, can render `prompt` (a registered version):
        it uses no variable the code does not pass, and leaves out only optional ones."""
        source = self.get(prompt.name)
        return source.variables - source.optional <= prompt.variables <= source.variables

    def replace(self, prompt: Prompt) -> PromptLibrary:
        """A library with one prompt swapped (a registry version served instead of the source)."""
        return PromptLibrary({**self._prompts, prompt.name: prompt})

    def __iter__(self):
        return iter(self._prompts.values())

    def versions(self) -> dict[str, int]:
        return {name: prompt.version for name, prompt in sorted(self._prompts.items())}
