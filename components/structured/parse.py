"""parse_yaml: read what an LLM wrote as a pydantic model, repairing what it can and refusing the rest.

The pipeline, in order:
1. fast path: `yaml.safe_load` (libyaml) + `model_validate`, accepted only when no key would be lost;
   valid YAML therefore parses to exactly what safe_load + pydantic gives. The exceptions, by design:
   text with invisible characters or typographic quote delimiters, and JSON-style text with bare
   None/True/False, which free-form fields read as Python's null/bool (a str field keeps the word);
2. character steps (BOM, CRLF, invisible characters, smart quotes, tabs);
3. payload extraction (code fences, surrounding prose, document markers, a repeated block);
4. structure: a tolerant JSON parser for JSON, else line steps (bold keys, markdown lists, a missing
   space after a colon, continuation lines, missing dashes), `yaml.compose`, and the lenient block
   parser when compose still fails;
5. schema fit (keys, synonyms, numbers, booleans, nulls, lists, enums, depth) and pydantic validation;
   when the output was cut mid-way, a last list item that fails is dropped, never guessed.
"""

from __future__ import annotations

import re
import typing
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from components.structured.fit import _free_form_dict_field, _is_model, fit_model, model_keys
from components.structured.lenient import JsonParseError, parse_block_yaml, parse_json
from components.structured.report import ParseError, ParseReport, Repairs
from components.structured.text import SUSPICIOUS, clean_characters, extract_payload, looks_like_refusal, normalize_key
from components.structured.tree import Node, Scalar, from_yaml_node
from components.structured.yaml_lines import LINE_STEPS

__all__ = ["parse_tree", "parse_yaml", "parse_yaml_report", "validate_tree"]

M = TypeVar("M", bound=BaseModel)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CLEAN_ENDINGS = ("\n", "`", "}", "]", "~")
_JSON_COMMENT = re.compile(r"(?:^|\s)//|/\*|(?:^|[\s,{\[])#")


class _DuplicateKey(yaml.YAMLError):
    pass


class _UniqueKeyLoader(_LOADER):  # type: ignore[misc, valid-type]
    """libyaml's safe loader, refusing a mapping that repeats a key: safe_load keeps the last copy, which
    is how a list item whose next item lost its dash reads (the repair path splits it instead)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if len(set(keys)) != len(keys):
            raise _DuplicateKey(f"a mapping repeats a key at {node.start_mark}")
        return super().construct_mapping(node, deep)


def _loses_data(data: Any, model: type[BaseModel]) -> bool:
    """Whether plain validation would drop a key that the schema fit would keep."""
    if not isinstance(data, dict):
        return False
    fields = model.model_fields
    names = set(fields) | {i.alias for i in fields.values() if i.alias}
    unknown = [k for k in data if k not in names]
    if unknown:
        lookup = model_keys(model)
        if any(normalize_key(str(k)) in lookup for k in unknown):
            return True
        free_form = _free_form_dict_field(model)
        if free_form and free_form not in data:
            return True
    for name, info in fields.items():
        value = data.get(info.alias or name)
        annotation = info.annotation
        for candidate in (annotation, *typing.get_args(annotation)):
            if _is_model(candidate) and _loses_data(value, candidate):
                return True
            inner = typing.get_args(candidate)
            if typing.get_origin(candidate) is list and inner and _is_model(inner[0]) and isinstance(value, list):
                if any(_loses_data(item, inner[0]) for item in value):
                    return True
    return False


def parse_tree(text: str, keys: set[str], repairs: Repairs) -> tuple[Node, bool]:
    """Steps 2-4: the raw tree of `text`, and whether the output looks cut off."""
    text = clean_characters(text, repairs)
    if not text.strip():
        raise ParseError("empty output", repairs=repairs)
    wrapping: list[str] = []
    payload = extract_payload(text, keys, wrapping)
    for name in wrapping:
        repairs.add(name)
    truncated = not text.rstrip(" ").endswith(_CLEAN_ENDINGS)
    if not payload.strip():
        raise ParseError("no structured content in the output", repairs=repairs)
    if payload.lstrip()[0] in "{[":
        try:  # valid JSON and flow YAML are read exactly; the tolerant parser is for the rest
            if _JSON_COMMENT.search(payload):
                raise yaml.YAMLError("JSON comments read as YAML would become keys")
            tree = from_yaml_node(yaml.compose(payload, Loader=_LOADER), repairs, python_literals=True)
        except yaml.YAMLError:
            try:
                tree = parse_json(payload, repairs)
            except JsonParseError as exc:
                raise ParseError(f"unreadable JSON: {exc}", repairs=repairs) from None
        truncated = truncated or "missing_closers" in repairs
    else:
        lines = payload.split("\n")
        for step in LINE_STEPS:
            repaired = step(lines)
            if repaired != lines:
                repairs.add(step.__name__)
                lines = repaired
        document = "\n".join(lines)
        try:
            node = yaml.compose(document, Loader=_LOADER) if document.strip() else None
            # None: nothing but comments ("# Plan for the question"), which a real model wrote alone
            tree = from_yaml_node(node, repairs) if node is not None else Scalar("")
        except yaml.YAMLError:
            tree = parse_block_yaml(document, repairs)
    if isinstance(tree, Scalar):
        reason = "the model refused instead of answering" if looks_like_refusal(text) else "no structured content"
        raise ParseError(f"{reason}: {text.strip()[:120]!r}", repairs=repairs)
    return tree, truncated


def _error(exc: ValidationError, repairs: Repairs, prefix: str = "") -> ParseError:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
    return ParseError(first["msg"], field=location or None, repairs=repairs)


def _drop_truncated_item(data: Any, exc: ValidationError) -> bool:
    """Removes the item a validation error points at when it is the last of its list."""
    loc = exc.errors()[0]["loc"]
    node = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, int):
            if part == len(node) - 1:
                node.pop()
                return True
            return False
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return False


def validate_tree(tree: Node, schema: type[M], repairs: Repairs, truncated: bool) -> ParseReport[M]:
    """Step 5: schema fit and validation."""
    data = fit_model(tree, schema, repairs)
    if not isinstance(data, dict):
        raise ParseError(f"expected a mapping for {schema.__name__}", repairs=repairs)
    while True:
        try:
            return ParseReport(schema.model_validate(data), list(repairs))
        except ValidationError as exc:
            if truncated and _drop_truncated_item(data, exc):
                repairs.add("dropped_truncated_item")
                continue
            if not data and looks_like_refusal(str(tree)):
                raise ParseError("the model refused instead of answering", repairs=repairs) from None
            raise _error(exc, repairs) from None


def parse_yaml_report(text: str, schema: type[M]) -> ParseReport[M]:
    """Like `parse_yaml`, and also returns the names of the repairs applied (empty for valid input)."""
    # Invisible characters, typographic quote delimiters and Python literals in JSON-style text are
    # LLM artefacts even where they happen to be valid YAML, so such text takes the repair path.
    if not SUSPICIOUS.search(text):
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)
            if not _loses_data(data, schema):
                return ParseReport(schema.model_validate(data), [])
        except (yaml.YAMLError, ValidationError, TypeError, ValueError):
            pass
    repairs = Repairs()
    tree, truncated = parse_tree(text, set(model_keys(schema)), repairs)
    return validate_tree(tree, schema, repairs, truncated)


def parse_yaml(text: str, schema: type[M]) -> M:
    """Reads LLM output as `schema`, repairing what it can.

    Raises:
        ParseError: empty output, a refusal, or a value that cannot be read without inventing one;
            the message names the field.

    >>> class Filter(BaseModel):
    ...     min_salary: int
    >>> parse_yaml("```yaml\\nminSalary: $120k\\n```", Filter)
    Filter(min_salary=120000)
    """
    return parse_yaml_report(text, schema).value
