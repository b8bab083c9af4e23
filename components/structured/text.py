"""Text-level repairs: characters, then finding the structured payload inside what the LLM wrote.

Each step is `(text) -> text` and is reported by name when it changed something. They run in the
order of `CHARACTER_STEPS`, then `extract_payload` cuts away fences, prose and document markers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator

__all__ = ["CHARACTER_STEPS", "SUSPICIOUS", "clean_characters", "extract_payload", "looks_like_refusal",
           "normalize_key"]

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u3000"), " ")
_QUOTES = {ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"}
_QUOTES |= {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032"}
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+-]*)[ \t]*$", re.MULTILINE)
_MARKER = re.compile(r"^(---|\.\.\.)[ \t]*$", re.MULTILINE)
_LIST_MARK = re.compile(r"^\s*(?:[-*•+]\s|\d+[.)]\s)")
_KEY_LINE = re.compile(r"^\s*(?:[-*•+]\s+)?(\*\*|__)?([A-Za-z_\"'][\w \-\"']{0,60}?)(\*\*|__)?\s*:(\s|$|\S)")
_REFUSAL = re.compile(r"\b(I'?m sorry|I am sorry|I can(?:not|'t)|I'?m (?:not able|unable)|as an AI|I won'?t)\b",
                      re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s\-./]+")


def strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def remove_invisible_characters(text: str) -> str:
    return text.translate(_INVISIBLE).translate(_SPACES)


_SMART_DELIMITED = re.compile(
    r"(?P<pre>^|[\s:\[{,(-])(?P<open>[\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b])"
    r"(?P<body>[^\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b\n]*)"
    r"(?P<close>[\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b])(?=\s*(?:$|[:,\]})#]))",
    re.MULTILINE)
SUSPICIOUS = re.compile(
    "[\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u202f\u2007\u2009\u3000]"
    r"|(?:^|[\s:\[{,(-])[\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b]"
    r"|\A\s*[{\[][\s\S]*[:\[,]\s*(?:None|True|False)\s*[,\]}]", re.MULTILINE)


def straighten_quotes(text: str) -> str:
    """Typographic quotes used as delimiters (around a key or value) become ASCII; prose keeps them."""
    return _SMART_DELIMITED.sub(
        lambda m: m["pre"] + _QUOTES.get(ord(m["open"]), '"') + m["body"] + _QUOTES.get(ord(m["close"]), '"'), text)


class TabIndents:
    """Tabs as spaces, a line at a time, remembering the lines before (the stream's scanner sees one line
    at a time and must read each as the whole text is read).

    A tab is two columns, except that a tab-indented line under a key that opens a block (`params:`) sits
    deeper than that key: a model that indents with tabs under space-indented lines means a child,
    whatever its tab width. An indent that extends one placed so (`\t` then `\t  `) keeps its place
    relative to it, and an indent met again is placed as before.
    """

    def __init__(self) -> None:
        self.widths: dict[str, int] = {}  # the width each tab-bearing indent was given
        self.opens_at = -1  # the indent of the line before, when it opened a block

    def line(self, line: str) -> str:
        body = line.lstrip(" \t")
        raw = line[: len(line) - len(body)]
        if "\t" not in line:
            self._seen(len(raw), body)
            return line
        width = len(raw.replace("\t", "  "))
        if "\t" in raw and body:
            base = next((raw[:end] for end in range(len(raw), 0, -1) if raw[:end] in self.widths), "")
            if base:
                width = self.widths[base] + len(raw[len(base):].replace("\t", "  "))
            if width <= self.opens_at:
                width = self.opens_at + 2
            self.widths[raw] = width
        body = re.sub(r":\t+", ": ", body).replace("\t", " ")
        self._seen(width, body)
        return " " * width + body

    def _seen(self, width: int, body: str) -> None:
        if body.strip():
            self.opens_at = width if body.rstrip().endswith(":") and not body.lstrip().startswith("#") else -1


def expand_tabs(text: str) -> str:
    if "\t" not in text:
        return text
    tabs = TabIndents()
    return "\n".join(tabs.line(line) for line in text.split("\n"))


CHARACTER_STEPS: tuple[Callable[[str], str], ...] = (
    strip_bom, normalize_newlines, remove_invisible_characters, straighten_quotes, expand_tabs,
)


def clean_characters(text: str, repairs: list[str] | None = None) -> str:
    """Runs CHARACTER_STEPS; with `repairs`, adds the name of each step that changed something."""
    for step in CHARACTER_STEPS:
        cleaned = step(text)
        if cleaned != text and repairs is not None and step.__name__ not in repairs:
            repairs.append(step.__name__)
        text = cleaned
    return text


@functools.lru_cache(maxsize=4096)  # a streaming parse asks for the same few keys at every chunk
def normalize_key(key: str) -> str:
    """`minSalary`, `min-salary`, `Min Salary`, `**min_salary**` -> `min_salary`."""
    key = key.strip().strip("*_`\"' ").strip()
    key = _CAMEL.sub("_", key)
    return _SEPARATORS.sub("_", key).strip("_").lower()


def _fenced_blocks(text: str) -> list[str] | None:
    fences = list(_FENCE.finditer(text))
    if not fences:
        return None
    blocks, i = [], 0
    while i < len(fences):
        start = fences[i]
        closing = next((f for f in fences[i + 1:] if f.group(1)[0] == start.group(1)[0] and not f.group(2)), None)
        if closing is None:  # an unclosed fence: the output was cut, keep what came
            blocks.append(text[start.end():].strip("\n"))
            break
        blocks.append(text[start.end():closing.start()].strip("\n"))
        i = fences.index(closing) + 1
    return [b for b in blocks if b.strip()]


def json_brackets(text: str, start: int = 0) -> Iterator[tuple[int, str, int, str]]:
    """Each bracket outside strings from `start`: (index, bracket, depth after it, last string seen).

    The last string is what precedes a list in `"calls": [`, so a caller can tell which list opened.
    """
    depth, quote, escaped, string_start, last_string = 0, "", False, -1, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote, last_string = "", text[string_start + 1:i]
        elif ch in "\"'":
            quote, string_start = ch, i
        elif ch in "{[":
            depth += 1
            yield i, ch, depth, last_string
        elif ch in "}]":
            depth -= 1
            yield i, ch, depth, last_string


def _json_span(text: str, start: int) -> str:
    """From an opening bracket to its match, or to the end when the output was cut."""
    for i, bracket, depth, _ in json_brackets(text, start):
        if bracket in "}]" and depth == 0:
            return text[start:i + 1]
    return text[start:]


def _is_structure(line: str, keys: set[str]) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return True
    if _LIST_MARK.match(line) or stripped[0] in "{}[]" or _MARKER.match(stripped):
        return True
    match = _KEY_LINE.match(line)
    return bool(match) and (normalize_key(match.group(2)) in keys or " " not in match.group(2).strip())


def _yaml_span(lines: list[str], keys: set[str]) -> tuple[int, int]:
    start = next((i for i, line in enumerate(lines)
                  if (m := _KEY_LINE.match(line)) and normalize_key(m.group(2)) in keys), None)
    if start is None:
        start = next((i for i, line in enumerate(lines) if line.strip() and _is_structure(line, set())), 0)
    # A wrapper key above an indented schema key belongs to the payload, not to the prose.
    while start > 0 and _KEY_LINE.match(lines[start - 1]) and _is_structure(lines[start - 1], set()) and (
            len(lines[start - 1]) - len(lines[start - 1].lstrip()) < len(lines[start]) - len(lines[start].lstrip())):
        start -= 1
    end = len(lines)
    for i in range(start + 1, len(lines)):
        line = lines[i]
        # Prose after the payload starts at the margin after a blank line; a margin line right
        # after a value is a continuation of that value, which a later step joins.
        if line.strip() and not line[0].isspace() and not _is_structure(line, keys) and not lines[i - 1].strip():
            end = i
            break
    return start, end


def extract_payload(text: str, keys: Iterable[str], repairs: list[str]) -> str:
    """The structured part of `text`: inside a code fence, without prose or document markers."""
    keys = set(keys)
    blocks = _fenced_blocks(text)
    if blocks is not None:
        repairs.append("code_fence")
        if len(blocks) > 1:
            repairs.append("repeated_block")
        text = blocks[0] if blocks else ""
    if _MARKER.search(text):
        text = _MARKER.sub("", text)
        repairs.append("document_markers")
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip() and _is_structure(line, keys)), None)
    if first is None or lines[first].lstrip()[0] in "{[":
        offset = text.find(lines[first].lstrip()) if first is not None else min(
            (i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
        if offset < 0:
            return text.strip()
        payload = _json_span(text, offset)
        if text[:offset].strip() or text[offset + len(payload):].strip():
            repairs.append("surrounding_prose")
        return payload
    start, end = _yaml_span(lines, keys)
    if any(line.strip() for line in lines[:start]) or any(line.strip() for line in lines[end:]):
        repairs.append("surrounding_prose")
    payload = "\n".join(lines[start:end]).strip("\n")
    half = len(payload) // 2
    if "\n" in payload and payload[:half].strip() == payload[half:].strip():
        repairs.append("repeated_block")
        payload = payload[:half].strip("\n")
    return payload


def looks_like_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text))
