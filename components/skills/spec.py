"""What a skill is, declared as data.

A skill wraps one internal API for an LLM. The LLM sees `description`, `when_to_use` and an input
schema of primitive, JSON-schema-style parameters; the API sees its own parameter names and shapes.
`request_map` and `response_map` translate between the two, so the LLM schema can stay small and
stable while the API's evolves.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

__all__ = ["CallSpec", "ParamSpec", "SkillSpec"]

_TYPES: dict[str, type] = {"string": str, "integer": int, "number": float, "boolean": bool}
_PATH_PARAM = re.compile(r"\{(\w+)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParamSpec(_Strict):
    type: Literal["string", "integer", "number", "boolean"] = Field(description="Primitive JSON type.")
    description: str = Field(description="What the value means, in words an LLM reads.")
    required: bool = Field(False, description="Whether a call without it is invalid.")
    enum: list[str | int] | None = Field(None, description="Allowed values, when the set is closed.")
    default: Any = Field(None, description="Value used when the LLM leaves the parameter out.")
    minimum: float | None = Field(None, description="Inclusive lower bound for numbers.")
    maximum: float | None = Field(None, description="Inclusive upper bound for numbers.")
    grounded: bool = Field(False, description="An id a planner must take from the turn (the page, the asking member, "
                                              "the question or the conversation so far), never make up: a planned call "
                                              "whose value is none of those is refused before it is made.")


class CallSpec(_Strict):
    method: Literal["GET", "POST"] = Field("GET", description="HTTP method of the internal API.")
    path: str = Field(description="Path on the internal API base URL; {name} placeholders are filled "
                                  "from the mapped parameters.")
    timeout_s: float | None = Field(None, gt=0, le=60, description="Per-call timeout; config default if unset.")


class SkillSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Unique snake_case name the planner writes.")
    description: str = Field(description="What the skill returns.")
    subject: str | None = Field(None, description="What it reads, in a member's words ('the company records'): "
                                                  "named when it cannot be reached. Defaults to the skill's name.")
    when_to_use: str = Field(description="When a planner should call it, and when not.")
    input: dict[str, ParamSpec] = Field(description="LLM-facing parameters.")
    output: dict[str, str] = Field(description="LLM-facing result fields and their meaning.")
    returns_list: bool = Field(False, description="The API answers a list; each item is mapped.")
    call: CallSpec
    request_map: dict[str, str] = Field(default_factory=dict,
                                        description="LLM parameter name -> API parameter name, where they differ.")
    response_map: dict[str, str] = Field(
        default_factory=dict,
        description="Output field -> dotted path in the API response ('salary.min', 'experience[*].title'); "
                    "an output field not listed is read from the API field of the same name.")

    @model_validator(mode="after")
    def _consistent(self) -> SkillSpec:
        unknown = set(self.request_map) - set(self.input)
        if unknown:
            raise ValueError(f"request_map names parameters not in input: {sorted(unknown)}")
        unmapped = set(self.response_map) - set(self.output)
        if unmapped:
            raise ValueError(f"response_map names fields not in output: {sorted(unmapped)}")
        api_names = {self.request_map.get(name, name) for name in self.input}
        missing = set(_PATH_PARAM.findall(self.call.path)) - api_names
        if missing:
            raise ValueError(f"call.path placeholders {sorted(missing)} are not filled by any input parameter")
        return self

    @cached_property
    def input_model(self) -> type[BaseModel]:
        """A pydantic model that validates and coerces the LLM's parameters."""
        fields: dict[str, Any] = {}
        for name, param in self.input.items():
            annotation: Any = _TYPES[param.type]
            if param.enum:
                annotation = Literal[tuple(param.enum)]
            constraints = {"description": param.description}
            if param.minimum is not None:
                constraints["ge"] = param.minimum
            if param.maximum is not None:
                constraints["le"] = param.maximum
            if param.required:
                fields[name] = (annotation, Field(..., **constraints))
            else:
                fields[name] = (annotation | None, Field(param.default, **constraints))
        model_name = "".join(part.title() for part in self.name.split("_")) + "Params"
        return create_model(model_name, __config__=ConfigDict(extra="forbid"), **fields)

    def api_request(self, params: BaseModel) -> tuple[str, dict[str, Any]]:
        """Maps validated LLM parameters to (path, query-or-body parameters) of the API."""
        api_params = {self.request_map.get(k, k): v for k, v in params.model_dump().items() if v is not None}
        # Quoted, so an id holding "/" or "?" stays one path segment instead of becoming another URL.
        path = _PATH_PARAM.sub(lambda m: quote(str(api_params.pop(m.group(1))), safe=""), self.call.path)
        return path, api_params

    def map_response(self, payload: Any) -> Any:
        if self.returns_list:
            return [self._map_item(item) for item in payload]
        return self._map_item(payload)

    def _map_item(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: _read(item, self.response_map.get(name, name)) for name in self.output}

    @property
    def what(self) -> str:
        """What the skill reads, as a member is told it is unavailable."""
        return self.subject or f"the {self.name.replace('_', ' ')} service"

    def ungrounded(self, params: dict[str, Any], known: set[str]) -> list[str]:
        """The grounded parameters in `params` whose values are not among the ids the turn `known`s.

        A small model copies the ids of its prompt's example or makes some up (SmolLM2 did, in most plans):
        such a call reads another member's record, and the answer is fluent and wrong.
        """
        return [name for name, value in params.items()
                if name in self.input and self.input[name].grounded and str(value) not in known]

    def describe(self) -> str:
        """Compact text for the planner prompt."""
        params = ", ".join(
            f"{name}: {p.type}{' (required)' if p.required else ''}"
            + (f" one of {p.enum}" if p.enum else "") + f" - {p.description}"
            for name, p in self.input.items())
        return f"{self.name}: {self.description} Use when: {self.when_to_use} Parameters: {params}"


def _read(node: Any, path: str) -> Any:
    head, _, rest = path.partition(".")
    if head.endswith("[*]"):
        items = node.get(head[:-3]) if isinstance(node, dict) else None
        return [(_read(item, rest) if rest else item) for item in items or []]
    value = node.get(head) if isinstance(node, dict) else None
    return _read(value, rest) if rest and value is not None else value
