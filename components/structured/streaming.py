"""StreamingListParser: each item of a list as soon as it is complete, while the LLM is still writing.

    parser = StreamingListParser(item_schema=Call, field="calls")
    async for delta in engine_stream:
        for call in parser.feed(delta):
            fire(call)               # the skill starts before the plan is finished
    for call in parser.close():
        fire(call)

An item is complete when the next item starts, the list ends (a line left of the items, a closing
fence, a closing `]`), or the stream closes; a JSON item when its closing brace arrives. Each
completed prefix goes through the same pipeline as `parse_yaml`, so items and repairs are the same.
An item that cannot be read is not emitted: its ParseError is kept in `errors` for the caller to log.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError, create_model

from components.structured.fit import GLOBAL_SYNONYMS, fit_model, model_keys
from components.structured.parse import _error, parse_tree
from components.structured.report import ParseError, Repairs
from components.structured.text import (
    TabIndents,
    clean_characters,
    extract_payload,
    json_brackets,
    normalize_key,
)

__all__ = ["StreamingListParser"]

T = TypeVar("T", bound=BaseModel)
_ITEM = re.compile(r"^(\s*)(?:[-*•+]|\d{1,3}[.)])(?:\s|$)")
_KEY = re.compile(r"^(\s*)(?:\*\*|__)?([^\s:#\-\"'][^:#]*?)(?:\*\*|__)?\s*:(?:\s|$)")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


@dataclass
class _YamlScan:
    """How far the YAML item scan has read the buffer, and what it found there."""

    offset: int = 0  # the buffer's lines before this index are scanned
    key_column: int = -1  # the indent of the list's key (`calls:`), once seen
    column: int | None = None  # the indent of the items' dashes, once the first item starts
    first_key: str = ""  # the first item's first key: a later line with it at the dashes' column is an item
    item_key_column: int = -1  # where the first item's keys start: its first key there again starts an item
    tabs: TabIndents = field(default_factory=TabIndents)  # tab indents, read as in the whole text
    starts: list[int] = field(default_factory=list)  # where each item starts
    ended: tuple[int, int] | None = None  # (items, cut) once a line ended the list


@functools.cache
def _list_model(item_schema: type[BaseModel], field: str) -> type[BaseModel]:
    """The `{field: [item]}` wrapper model; built once per schema, since pydantic takes about a millisecond."""
    return create_model(f"{item_schema.__name__}List", **{field: (list[item_schema], ...)})


class StreamingListParser(Generic[T]):
    def __init__(self, item_schema: type[T], field: str = "calls") -> None:
        self.item_schema = item_schema
        self.field = field
        self.errors: list[ParseError] = []
        self.repairs: list[str] = []
        self._wrapper = _list_model(item_schema, field)
        self._keys = {normalize_key(field), *GLOBAL_SYNONYMS.get(field, ())}
        self._buffer = ""
        self._done = 0  # items already emitted or rejected
        self._closed = False
        self._scan = _YamlScan()

    def feed(self, chunk: str) -> list[T]:
        """Adds a delta of any size; returns the items it completed."""
        if self._closed:
            raise RuntimeError("feed() after close()")
        self._buffer += chunk
        if not any(mark in chunk for mark in "\n}]"):
            return []
        complete, cut = self._complete_items(self._buffer)
        if complete <= self._done:
            return []
        return self._take(self._buffer[:cut], complete, final=False)

    def close(self) -> list[T]:
        """Ends the stream; returns whatever completes at its end."""
        self._closed = True
        if not self._buffer.strip():
            return []
        return self._take(self._buffer, None, final=True)

    # -- which items are complete -------------------------------------------------------------------

    def _complete_items(self, text: str) -> tuple[int, int]:
        """(number of complete items, length of the prefix that holds them)."""
        if self._scan.column is not None:
            # YAML items have begun: finding the payload in the whole buffer again on every line (half
            # the parser's time on a short plan) would only confirm it. close() still reads it all.
            return self._complete_yaml(text)
        payload = extract_payload(clean_characters(text), model_keys(self._wrapper), [])
        if payload.lstrip()[:1] in "{[":
            return self._complete_json(text)
        return self._complete_yaml(text)

    def _complete_json(self, text: str) -> tuple[int, int]:
        list_depth, count, cut = None, 0, 0
        for i, bracket, depth, last_string in json_brackets(text):
            if bracket == "[" and list_depth is None and (depth == 1 or normalize_key(last_string) in self._keys):
                list_depth = depth
            elif list_depth is not None and bracket == "}" and depth == list_depth:
                count, cut = count + 1, i + 1  # an item of the list closed
            elif list_depth is not None and bracket == "]" and depth == list_depth - 1:
                return count, i + 1  # the list closed
        return count, cut

    def _complete_yaml(self, text: str) -> tuple[int, int]:
        """Scans only the lines completed since the last call: a line never changes once its newline arrives,
        so a long plan costs each chunk its own lines instead of the whole buffer again."""
        scan = self._scan
        if scan.ended is not None:
            return scan.ended
        end = text.rfind("\n") + 1  # the last line may still be growing
        for line in text[scan.offset:end].split("\n")[:-1]:
            start, scan.offset = scan.offset, scan.offset + len(line) + 1
            clean = clean_characters(scan.tabs.line(line))
            if not clean.strip():
                continue
            indent = len(clean) - len(clean.lstrip(" "))
            key = _KEY.match(clean)
            item = _ITEM.match(clean)
            if scan.column is None:
                if key and normalize_key(key.group(2)) in self._keys:
                    scan.key_column = indent
                elif item:
                    scan.column = indent
                    scan.starts.append(start)
                    scan.first_key = (_KEY.match(clean[item.end():] or "") or [None, "", ""])[2]
                    scan.item_key_column = item.end()
                continue
            if item and indent == scan.column:
                scan.starts.append(start)
            elif indent in (scan.column, scan.item_key_column) and key and key.group(2) == scan.first_key \
                    and scan.first_key:
                scan.starts.append(start)  # an item missing its dash, at the dashes' column or its keys' column
            elif _FENCE.match(clean) or indent < scan.column or (indent == scan.column and not item) or (
                    indent <= scan.key_column and key):
                scan.ended = len(scan.starts), start
                return scan.ended
        return max(len(scan.starts) - 1, 0), scan.starts[-1] if scan.starts else 0

    # -- parsing the complete prefix -----------------------------------------------------------------

    def _take(self, text: str, complete: int | None, final: bool) -> list[T]:
        repairs = Repairs()
        try:
            tree, truncated = parse_tree(text, set(model_keys(self._wrapper)), repairs)
            fitted = fit_model(tree, self._wrapper, repairs)
            # prose a real model wrote instead of a plan can fit as a bare list or scalar: then no plan is there
            nodes = fitted.get(self.field) if isinstance(fitted, dict) else None
        except ParseError as exc:
            if final:
                self.errors.append(exc)
            return []
        if final:
            self.repairs = list(repairs)
        if not isinstance(nodes, list):
            if final and self._done == 0:
                self.errors.append(ParseError("missing", field=self.field, repairs=repairs))
            return []
        end = len(nodes) if complete is None else min(complete, len(nodes))
        items = []
        for index in range(self._done, end):
            try:
                items.append(self.item_schema.model_validate(nodes[index]))
            except ValidationError as exc:
                if not (final and truncated and index == len(nodes) - 1):
                    self.errors.append(_error(exc, repairs, prefix=f"{self.field}.{index}"))
        self._done = max(self._done, end)
        return items
