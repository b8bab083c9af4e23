"""The skill registry: built-in declarations are registered the same way as anyone's.

    registry = default_registry()
    registry.register(SkillSpec(...))   # a team adds its own API
    registry.get("job_view")            # UnknownSkillError for names nobody registered
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml
from pydantic import ValidationError

from components.skills.spec import SkillSpec

__all__ = ["BUILTIN_DECLARATIONS", "SkillRegistry", "UnknownSkillError", "default_registry", "load_declarations"]

BUILTIN_DECLARATIONS = Path(__file__).with_name("declarations.yaml")


class UnknownSkillError(KeyError):
    """A skill name that no one registered."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        super().__init__(f"unknown skill '{name}'; registered skills: {', '.join(sorted(known))}")

    def __str__(self) -> str:
        return str(self.args[0])


class SkillRegistry:
    def __init__(self, specs: Iterable[SkillSpec] = ()) -> None:
        self._specs: dict[str, SkillSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: SkillSpec, *, replace: bool = False) -> None:
        if spec.name in self._specs and not replace:
            raise ValueError(f"skill '{spec.name}' is already registered (pass replace=True to override it)")
        self._specs[spec.name] = spec

    def unregister(self, name: str) -> None:
        if name not in self._specs:
            raise UnknownSkillError(name, self._specs)
        del self._specs[name]

    def get(self, name: str) -> SkillSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownSkillError(name, self._specs) from None

    def names(self) -> list[str]:
        return sorted(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def ungrounded(self, skill: str, params: dict, known: set[str]) -> list[str]:
        """The grounded parameters of a planned call to `skill` whose values are not ids the turn `known`s; none
        for a skill nobody registered (the invoker refuses that call by itself)."""
        return self._specs[skill].ungrounded(params, known) if skill in self._specs else []

    def __iter__(self) -> Iterator[SkillSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)


def load_declarations(path: Path) -> list[SkillSpec]:
    """Parses a YAML list of skill declarations; the error names the file, the skill and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read skill declarations: {exc}") from exc
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of skill declarations, got {type(raw).__name__}")
    specs = []
    for index, item in enumerate(raw):
        label = item.get("name", f"#{index}") if isinstance(item, dict) else f"#{index}"
        try:
            specs.append(SkillSpec.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'skill'}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{path}: skill {label}: {problems}") from None
    return specs


def default_registry(extra: Iterable[Path] = ()) -> SkillRegistry:
    registry = SkillRegistry(load_declarations(BUILTIN_DECLARATIONS))
    for path in extra:
        for spec in load_declarations(Path(path)):
            registry.register(spec)
    return registry
