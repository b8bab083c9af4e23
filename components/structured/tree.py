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


@dataclass(slots=True)
class Scalar:
    raw: str
    quoted: bool = False

    @property
    def value(self) -> Any:
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


def from_yaml_node(node: yaml.Node, repairs: list[str]) -> Node:
    """Converts a composed YAML node graph; a repeated key keeps its last value (and is reported)."""
    if isinstance(node, yaml.ScalarNode):
        return Scalar(node.value, quoted=node.style in ("'", '"', "|", ">"))
    if isinstance(node, yaml.SequenceNode):
        return [from_yaml_node(item, repairs) for item in node.value]
    mapping: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(plain(from_yaml_node(key_node, [])))
        if key in mapping and "duplicate_key" not in repairs:
            repairs.append("duplicate_key")
        mapping[key] = from_yaml_node(value_node, repairs)
    return mapping


def plain(node: Node) -> Any:
    """The tree as ordinary Python values (for free-form fields)."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, list):
        return [plain(item) for item in node]
    return {key: plain(value) for key, value in node.items()}
