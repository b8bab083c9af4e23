"""What a parse tells its caller besides the value: the repairs it applied, or why it failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel

__all__ = ["ParseError", "ParseReport", "Repairs"]

M = TypeVar("M", bound=BaseModel)


class ParseError(ValueError):
    """The output cannot be read as the schema without inventing something; `field` names what is wrong."""

    def __init__(self, message: str, field: str | None = None, repairs: list[str] | None = None) -> None:
        self.field = field
        self.repairs = list(repairs or [])
        super().__init__(f"{field}: {message}" if field else message)


class Repairs(list[str]):
    """Names of the repairs applied, in order, each once."""

    def add(self, name: str) -> None:
        if name not in self:
            self.append(name)


@dataclass
class ParseReport(Generic[M]):
    value: M
    repairs: list[str] = field(default_factory=list)

    @property
    def repaired(self) -> bool:
        return bool(self.repairs)
