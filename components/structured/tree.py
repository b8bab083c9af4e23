"""The raw tree between text and schema: mappings, sequences and scalars that keep their written text.

YAML 1.1 resolves `NO` to False, `1.10` to 1.1 and `0123` to 83. The schema decides what a scalar
means, so each `Scalar` keeps the text as written (`raw`), whether it was quoted, and a YAML-style
reading (`value`) for fields that accept anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

__all__ = ["Node", "Scalar", "from_yaml_node", "plain", "resolve_plain"]

_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}
_FALSE = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
_FLOAT = re.compile(r"[-+]?(\d[\d_]*)?\.\d*([eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+")


_PYTHON = {"None": None, "True": True, "False": False}


@dataclass(slots=True)
class Scalar:
    raw: str
    quoted: bool = False
    python_literal: bool = False  # None/True/False in JSON-style text: null/bool unless a str wants the text

    @property
    def value(self) -> Any:
        if self.python_literal:
            return _PYTHON[self.raw]
        return self.raw if self.quoted else resolve_plain(self.raw)

    @property
    def is_null(self) -> bool:
        return not self.quoted and self.raw in _NULLS


Node = dict[str, "Node"] | list["Node"] | Scalar


def resolve_plain(raw: str) -> Any:
    """A conservative YAML reading of a plain scalar: leading-zero numbers and times stay strings."""
    if raw in _NULLS:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    if _INT.fullmatch(raw):
        return int(raw.replace("_", ""))
    if _FLOAT.fullmatch(raw) and any(ch.isdigit() for ch in raw):
        return float(raw.replace("_", ""))
    return raw


def from_yaml_node(node: yaml.Node, repairs: list[str], python_literals: bool = False) -> Node:
    """Converts a composed YAML node graph; a repeated key keeps its last value (and is reported).

    With `python_literals` (JSON-style text), bare None/True/False are marked as Python literals.
    """
    if isinstance(node, yaml.ScalarNode):
        quoted = node.style in ("'", '"', "|", ">")
        if python_literals and not quoted and node.value in _PYTHON:
            if "python_literals" not in repairs:
                repairs.append("python_literals")
            return Scalar(node.value, python_literal=True)
        return Scalar(node.value, quoted=quoted)
    if isinstance(node, yaml.SequenceNode):
        return [from_yaml_node(item, repairs, python_literals) for item in node.value]
    mapping: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(plain(from_yaml_node(key_node, [])))
        if key in mapping and "duplicate_key" not in repairs:
            repairs.append("duplicate_key")
        mapping[key] = from_yaml_node(value_node, repairs, python_literals)
    return mapping


def plain(node: Node) -> Any:
    """The tree as ordinary Python values (for free-form fields)."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, list):
        return [plain(item) for item in node]
    return {key: plain(value) for key, value in node.items()}
