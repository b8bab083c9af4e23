"""The raw tree between text and schema: mappings, sequences and scalars that keep their written text.

YAML 1.1 resolves `NO` to False, `1.10` to 1.1 and `0123` to 83. The schema decides what a scalar
means, so each `Scalar` keeps the text as written (`raw`), whether it was quoted, and the YAML 1.1
reading (`value`, exactly as `yaml.safe_load` reads it) for fields that accept anything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import yaml

__all__ = ["Node", "Scalar", "from_yaml_node", "plain", "resolve_plain"]

_NULLS = {"", "~", "null", "Null", "NULL"}
_STR_TAG = "tag:yaml.org,2002:str"
# What yaml.safe_load uses for a plain scalar (libyaml parses; these resolve and construct), so that a
# value the tree reads is the value safe_load reads: parse_yaml's fast path and every repaired or
# streamed path agree on `0E0` (text), `1e3` (text), `017` (15), `0x1F` (31), `1:30` (90), `.inf`.
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


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


@functools.lru_cache(maxsize=4096)
def resolve_plain(raw: str) -> Any:
    """A plain (unquoted) scalar as yaml.safe_load reads it: the one scalar reading every path shares."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, raw, (True, False))
    construct = _CONSTRUCTOR.yaml_constructors.get(tag) if tag != _STR_TAG else None
    if construct is None:  # text, or a tag safe_load refuses as a value (`<<`, `=`): the text as written
        return raw
    try:
        return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, raw))
    except (ValueError, TypeError, OverflowError, yaml.YAMLError):  # a date like 2024-02-30
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
        items = [part for item in node.value for part in _split_merged_item(item, repairs)]
        return [from_yaml_node(item, repairs, python_literals) for item in items]
    mapping: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(plain(from_yaml_node(key_node, [])))
        if key in mapping and "duplicate_key" not in repairs:
            repairs.append("duplicate_key")
        mapping[key] = from_yaml_node(value_node, repairs, python_literals)
    return mapping


def _split_merged_item(node: yaml.Node, repairs: list[str]) -> list[yaml.Node]:
    """A block list item whose keys repeat holds the next items too, their dashes dropped:

        - skill: job_view          - skill: job_view
          params: {job_id: j1}       params: {job_id: j1}
          skill: profile_view      - skill: profile_view
          params: {member_id: m1}    params: {member_id: m1}

    A new item starts where the item's first key comes again, or after the earlier copy of another key
    that comes again (`tool:` for `skill:` is the same field under another name, which only the schema knows).
    """
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return [node]
    parts, start, seen = [], 0, {}
    for index, (key, _) in enumerate(node.value):
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name is not None and name in seen:
            cut = index if seen[name] == start else seen[name] + 1
            parts.append(node.value[start:cut])
            seen = {k.value: position for position, (k, _) in enumerate(node.value[cut:index], start=cut)
                    if isinstance(k, yaml.ScalarNode)}
            start = cut
        if name is not None:
            seen[name] = index
    if not parts:
        return [node]
    if "missing_dash" not in repairs:
        repairs.append("missing_dash")
    parts.append(node.value[start:])
    return [yaml.MappingNode(node.tag, part, node.start_mark, node.end_mark, flow_style=False) for part in parts]


def plain(node: Node) -> Any:
    """The tree as ordinary Python values (for free-form fields)."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, list):
        return [plain(item) for item in node]
    return {key: plain(value) for key, value in node.items()}
