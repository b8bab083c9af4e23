"""Schema-guided fitting of a raw tree to a pydantic model, before pydantic validates it.

The schema says what each value should be, so the fit can read `$120k` as 120000 for an int, keep
`NO` as the string "NO" for a str, map `minSalary` to `min_salary`, or take the one item of a list
where a scalar is expected. It never makes a value up: what it cannot read is passed on unchanged,
and pydantic's error (turned into a ParseError) names the field.
"""

from __future__ import annotations

import enum
import functools
import re
import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from components.structured.report import Repairs
from components.structured.text import normalize_key
from components.structured.tree import Node, Scalar, plain

__all__ = ["GLOBAL_SYNONYMS", "fit_model", "fit_value", "model_keys"]

# Common synonyms LLMs use for field names; a field adds its own with
# Field(json_schema_extra={"synonyms": [...]}).
GLOBAL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "params": ("parameters", "arguments", "args", "inputs", "input", "kwargs"),
    "skill": ("tool", "tool_name", "skill_name", "function", "function_name", "api", "action"),
    "calls": ("steps", "plan", "skill_calls", "tool_calls", "actions", "skills"),
    "next_steps": ("next_actions", "action_items", "todo", "todos"),
    "summary": ("tldr", "tl_dr", "overview"),
    "reason": ("reasoning", "rationale", "why", "explanation"),
    "name": ("title", "label", "display_name"),
}
_NULL_WORDS = {"n/a", "na", "none", "null", "nil", "-", "--", "unknown", "not specified", "not applicable",
               "not available", "tbd", ""}
_TRUE_WORDS = {"yes", "y", "true", "t", "on", "1", "yep", "yeah", "correct"}
_FALSE_WORDS = {"no", "n", "false", "f", "off", "0", "nope"}
_NUMBER = re.compile(
    r"^(?:about|around|approx\.?|~|≈)?\s*(?P<sign>[-+])?\s*(?P<cur>[$€£¥])?\s*(?P<num>\d[\d,_]*(?:\.\d+)?|\.\d+)\s*"
    r"(?P<mult>k|m|thousand|million)?\b\s*(?:(?:/|out of|of)\s*(?P<den>\d+(?:\.\d+)?))?\s*"
    r"(?P<unit>%|usd|eur|gbp|years?|yrs?|months?|per (?:year|hour|month)|/(?:yr|year|hr|hour))?\s*$",
    re.IGNORECASE)
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
# A number written with the word that names it, as versions and builds often are: "v7", "version 7", "#12"
_PREFIXED = re.compile(r"^(?:v|ver\.?|version|rev\.?|revision|build|release|no\.?|number|#)[\s_-]*(\d+(?:\.\d+)?)$",
                       re.IGNORECASE)
_YAML11 = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def _args(annotation: Any) -> tuple[Any, ...]:
    return typing.get_args(annotation)


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _read_number(raw: str, repairs: Repairs) -> int | float | None:
    text = raw.strip()
    prefixed = _PREFIXED.match(text)
    if prefixed:
        repairs.add("number_prefix")
        number = float(prefixed.group(1))
        return int(number) if number.is_integer() and "." not in prefixed.group(1) else number
    match = _NUMBER.match(text)
    if not match:
        return None
    digits = match.group("num")
    if "," in digits and not _THOUSANDS.match(digits):
        return None
    number = float(digits.replace(",", "").replace("_", ""))
    mult = (match.group("mult") or "").lower()
    number *= {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get(mult, 1)
    if match.group("sign") == "-":
        number = -number
    if text != digits or "," in digits:
        repairs.add("number_text")
    return int(number) if number.is_integer() else number


def _null_word(node: Node) -> bool:
    return isinstance(node, Scalar) and (node.is_null or node.raw.strip().lower() in _NULL_WORDS)


def _is_null(node: Node) -> bool:
    return isinstance(node, Scalar) and (node.is_null or node.python_literal and node.raw == "None")


def _enum_key(value: Any) -> str:
    return re.sub(r"[\s\-/.]+", "_", str(value).strip().lower())


def _fit_choice(node: Node, choices: list[Any], repairs: Repairs) -> Any:
    if isinstance(node, list) and len(node) == 1:
        repairs.add("one_item_list_to_scalar")
        node = node[0]
    if not isinstance(node, Scalar):
        return plain(node)
    node = _stray_quote(node, repairs)
    for choice in choices:
        if node.raw == str(choice) and (isinstance(choice, str) or not node.quoted):
            return choice
    wanted = _enum_key(node.raw)
    for choice in choices:
        if _enum_key(choice) == wanted:
            repairs.add("enum_normalized")
            return choice
    return node.value


def _stray_quote(node: Scalar, repairs: Repairs) -> Scalar:
    """`job_search"`: a plain value with one unmatched quote at its end."""
    raw = node.raw
    if not node.quoted and raw[-1:] in "\"'" and raw[-1:] and raw.count(raw[-1]) % 2 == 1 and raw[0] != raw[-1]:
        repairs.add("unbalanced_quote")
        return Scalar(raw[:-1].rstrip())
    return node


def _fit_scalar(node: Node, annotation: type, repairs: Repairs) -> Any:
    if isinstance(node, list):
        if len(node) != 1:
            return plain(node)
        repairs.add("one_item_list_to_scalar")
        node = node[0]
    if annotation is str and isinstance(node, dict) and len(node) == 1:
        key, value = next(iter(node.items()))
        if isinstance(value, Scalar):  # `- Apply: this week` is text with a colon, not a mapping
            repairs.add("mapping_read_as_text")
            return f"{key}: {value.raw}"
    if not isinstance(node, Scalar):
        return plain(node)
    node = _stray_quote(node, repairs)
    if annotation is str:
        if node.is_null:
            return None
        if not node.quoted and _YAML11.resolve(yaml.ScalarNode, node.raw, (True, False)) != _STR_TAG:
            repairs.add("scalar_kept_as_string")  # YAML 1.1 would have read NO, 1.10 or 0123 as non-text
        return node.raw
    if annotation is bool:
        word = node.raw.strip().lower()
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            if node.quoted or word not in {"true", "false", "yes", "no", "on", "off"}:
                repairs.add("yes_no_bool")
            return word in _TRUE_WORDS
        return node.value
    if annotation in (int, float):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        number = _read_number(node.raw, repairs)
        return node.raw if number is None else number
    return node.value


def fit_value(node: Node, annotation: Any, repairs: Repairs) -> Any:
    if annotation is Any or annotation is object:
        return plain(node)
    if _is_union(annotation):
        options = [a for a in _args(annotation) if a is not type(None)]
        if type(None) in _args(annotation) and _null_word(node):
            if not _is_null(node):
                # Only where the other types would reject the word: a str keeps "none".
                if str in options:
                    return fit_value(node, str, repairs)
                repairs.add("null_word")
            return None
        shaped = [o for o in options if (typing.get_origin(o) in (list, tuple, set)) == isinstance(node, list)]
        return fit_value(node, (shaped or options)[0], repairs)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return _fit_choice(node, list(_args(annotation)), repairs)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _fit_choice(node, [member.value for member in annotation], repairs)
    if origin in (list, tuple, set):
        item_type = (_args(annotation) or (Any,))[0]
        if isinstance(node, Scalar):
            if node.is_null:
                return None
            if "," in node.raw and (item_type in (str, int, float) or _is_literal(item_type)):
                repairs.add("comma_separated_list")
                node = [Scalar(part.strip()) for part in node.raw.split(",") if part.strip()]
            else:
                repairs.add("scalar_to_list")
                node = [node]
        elif isinstance(node, dict):
            repairs.add("scalar_to_list")
            node = [node]
        return [fit_value(item, item_type, repairs) for item in node]
    if origin is dict:
        value_type = (_args(annotation) or (Any, Any))[1]
        if not isinstance(node, dict):
            return plain(node)
        return {key: fit_value(value, value_type, repairs) for key, value in node.items()}
    if _is_model(annotation):
        return fit_model(node, annotation, repairs)
    if annotation in (str, int, float, bool):
        return _fit_scalar(node, annotation, repairs)
    return plain(node)


def _is_literal(annotation: Any) -> bool:
    return typing.get_origin(annotation) is typing.Literal


def _field_names(name: str, info: FieldInfo) -> set[str]:
    names = {normalize_key(name)}
    for alias in (info.alias, info.validation_alias):
        if isinstance(alias, str):
            names.add(normalize_key(alias))
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    names.update(normalize_key(s) for s in extra.get("synonyms", ()))
    names.update(GLOBAL_SYNONYMS.get(name, ()))
    return names


@functools.lru_cache(maxsize=512)
def model_keys(model: type[BaseModel]) -> dict[str, str]:
    """Normalised key or synonym -> field name, for every field of `model` (once per model class).

    A field's own name wins over another field's synonym (a model with `name` and `title` keeps both), and
    a key the model's name prefixes (`item_name` in an Item, `step_id` in a Step) reads as the field.
    Callers must not mutate the returned mapping: it is shared.
    """
    lookup = {normalize_key(name): name for name in model.model_fields}
    prefix = normalize_key(model.__name__)
    for name, info in model.model_fields.items():
        for key in (*sorted(_field_names(name, info)), f"{prefix}_{normalize_key(name)}"):
            lookup.setdefault(key, name)
    return lookup


@functools.lru_cache(maxsize=512)
def _free_form_dict_field(model: type[BaseModel]) -> str | None:
    fields = [n for n, i in model.model_fields.items() if typing.get_origin(i.annotation) is dict
              and (_args(i.annotation) or (str, Any))[1] is Any]
    return fields[0] if len(fields) == 1 else None


def fit_model(node: Node, model: type[BaseModel], repairs: Repairs) -> Any:
    if isinstance(node, list) and len(node) == 1 and isinstance(node[0], dict):
        repairs.add("one_item_list_to_scalar")
        node = node[0]
    if not isinstance(node, dict):
        return plain(node)
    lookup = model_keys(model)
    while len(node) == 1:
        key, inner = next(iter(node.items()))
        fields_inside = isinstance(inner, dict) and any(normalize_key(k) in lookup for k in inner)
        if not isinstance(inner, dict) or normalize_key(key) in lookup and not fields_inside:
            break
        repairs.add("wrapper_key")
        node = inner
    fitted: dict[str, Node] = {}
    unknown: dict[str, Node] = {}
    written: set[str] | None = None  # the keys as written, normalised: only a synonym needs them
    for key, value in node.items():
        normal = normalize_key(key)
        name = lookup.get(normal)
        if name is not None and name != normal:
            written = written if written is not None else {normalize_key(k) for k in node}
            if normalize_key(name) in written:
                name = None  # `title` beside `name`: another thing, not a second name
        if name is None:
            unknown[key] = value
            continue
        if key != name:
            repairs.add("key_style" if normalize_key(key) == normalize_key(name) else "key_synonym")
        if name in fitted:
            repairs.add("duplicate_key")
        fitted[name] = value
    _move_to_right_depth(model, fitted, unknown, repairs)
    if unknown:
        repairs.add("extra_keys_dropped")
    data = {}
    for name, value in fitted.items():
        info = model.model_fields[name]
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        data[alias or name] = fit_value(value, info.annotation, repairs)
    return data


def _move_to_right_depth(model: type[BaseModel], fitted: dict[str, Node], unknown: dict[str, Node],
                         repairs: Repairs) -> None:
    """Keys one level too shallow move into the sub-model (or free-form dict) they belong to."""
    for name, info in model.model_fields.items():
        sub = info.annotation
        if _is_union(sub):
            sub = next((a for a in _args(sub) if _is_model(a)), None)
        if not _is_model(sub):
            continue
        sub_keys = model_keys(sub)
        target = fitted.get(name)
        if _is_null(target):  # `headquarters:` with its keys written at its own indent, after it
            target = None
        for key in [k for k in unknown if normalize_key(k) in sub_keys]:
            if target is None:
                target = fitted[name] = {}
            if isinstance(target, dict) and key not in target:
                target[key] = unknown.pop(key)
                repairs.add("key_wrong_depth")
    free_form = _free_form_dict_field(model)
    if free_form and unknown and (free_form not in fitted or _is_null(fitted[free_form])):
        fitted[free_form] = dict(unknown)
        unknown.clear()
        repairs.add("key_wrong_depth")
