"""Last-resort parsers for what `yaml.compose` rejects: block YAML by relative indentation, and JSON.

The block parser reads a line more indented than its key as that key's child, whatever the exact
amount, so off-by-one indentation, keys that drift and a truncated last line still give a tree. Values
are taken as written after the first `: `, so `reason: note: x`, `@handle` or an unbalanced quote stay
one value. The JSON parser accepts comments, single quotes, Python literals, unquoted keys, trailing
or missing commas and missing closers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from components.structured.report import Repairs
from components.structured.tree import Node, Scalar

__all__ = ["JsonParseError", "parse_block_yaml", "parse_json"]

_KEY_LINE = re.compile(r"^(?P<key>\"[^\"]*\"|'[^']*'|[^\s:#\"'][^:#]*?)\s*:(?:\s+(?P<value>.*))?$")
_COMMENT = re.compile(r"\s+#.*$")
_INDICATORS = tuple("@`%!&*|>")


@dataclass(slots=True)
class _Token:
    kind: str  # "item", "key", "text"
    indent: int
    key: str = ""
    value: str = ""


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        while stripped == "-" or stripped.startswith("- "):
            tokens.append(_Token("item", indent))
            rest = stripped[1:]
            indent += 1 + len(rest) - len(rest.lstrip(" "))
            stripped = rest.strip()
        if not stripped:
            continue
        match = _KEY_LINE.match(stripped)
        if match:
            tokens.append(_Token("key", indent, match.group("key").strip("\"'"), (match.group("value") or "").strip()))
        else:
            tokens.append(_Token("text", indent, value=stripped))
    return tokens


def _unquote(text: str, repairs: Repairs) -> Scalar:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        if text[0] == '"':
            try:
                return Scalar(json.loads(text), quoted=True)
            except ValueError:
                return Scalar(text[1:-1], quoted=True)
        return Scalar(text[1:-1].replace("''", "'"), quoted=True)
    repairs.add("unbalanced_quote")
    return Scalar(text.strip("\"'"), quoted=True)


def _inline(text: str, repairs: Repairs) -> Node:
    if text[:1] in "\"'":
        closing = text.rfind(text[0])
        if closing > 0 and not text[closing + 1:].strip().lstrip("#").strip():
            return _unquote(text[:closing + 1], repairs)
        return _unquote(text, repairs)
    if text[:1] in "[{":
        try:
            return parse_json(text, Repairs())
        except JsonParseError:
            repairs.add("unquoted_special_value")
            return Scalar(text, quoted=True)
    text = _COMMENT.sub("", text)
    if text.startswith(_INDICATORS) or ": " in text or text.endswith(":"):
        repairs.add("unquoted_special_value")
        return Scalar(text, quoted=True)
    return Scalar(text)


class _BlockParser:
    def __init__(self, tokens: list[_Token], repairs: Repairs) -> None:
        self.tokens, self.repairs, self.pos = tokens, repairs, 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def block(self, parent: int) -> Node:
        token = self._peek()
        if token is None or token.indent <= parent and token.kind != "item":
            return Scalar("")
        if token.kind == "item":
            return self.sequence(parent)
        if token.kind == "text":
            return self.text(parent)
        return self.mapping(parent)

    def text(self, parent: int) -> Scalar:
        parts = []
        while (token := self._peek()) is not None and token.kind == "text" and token.indent > parent:
            parts.append(token.value)
            self.pos += 1
        if len(parts) > 1:
            self.repairs.add("continuation_line")
        node = _inline(" ".join(parts), self.repairs)
        return node if isinstance(node, Scalar) else Scalar(" ".join(parts))

    def sequence(self, parent: int) -> list[Node]:
        items: list[Node] = []
        column = self.tokens[self.pos].indent
        while (token := self._peek()) is not None and token.kind == "item" and token.indent >= min(column, parent + 1):
            if token.indent != column:
                self.repairs.add("inconsistent_indentation")
            self.pos += 1
            items.append(self.block(token.indent))
        return items

    def mapping(self, parent: int) -> dict[str, Node]:
        mapping: dict[str, Node] = {}
        column = self.tokens[self.pos].indent
        while (token := self._peek()) is not None and token.indent > parent and token.kind != "item":
            self.pos += 1
            if token.kind == "text":  # a stray line inside a mapping: join it to the last value
                last = next(reversed(mapping), None)
                if last is not None and isinstance(mapping[last], Scalar) and mapping[last].raw:
                    mapping[last] = Scalar(f"{mapping[last].raw} {token.value}", mapping[last].quoted)
                    self.repairs.add("continuation_line")
                continue
            if token.indent != column:
                self.repairs.add("inconsistent_indentation")
            if token.key in mapping:
                self.repairs.add("duplicate_key")
            if token.value and token.value[0] in "|>" and token.value.rstrip("+-0123456789") in ("|", ">"):
                mapping[token.key] = self.block_scalar(token)
            elif token.value:
                mapping[token.key] = _inline(token.value, self.repairs)
            else:
                following = self._peek()
                nested = following is not None and (
                    following.indent > token.indent or following.kind == "item" and following.indent == token.indent)
                mapping[token.key] = self.block(token.indent - (following.kind == "item")) if nested else Scalar("")
        return mapping

    def block_scalar(self, key: _Token) -> Scalar:
        parts = []
        while (token := self._peek()) is not None and token.indent > key.indent:
            parts.append(token.value if token.kind == "text" else f"{token.key}: {token.value}".strip())
            self.pos += 1
        joiner = "\n" if key.value.startswith("|") else " "
        return Scalar(joiner.join(parts), quoted=True)


def parse_block_yaml(text: str, repairs: Repairs) -> Node:
    tokens = _tokens(text)
    if not tokens:
        return Scalar("")
    parser = _BlockParser(tokens, repairs)
    node = parser.block(-1)
    if parser.pos < len(tokens):  # content left of the first line's column: read it as more top level
        repairs.add("inconsistent_indentation")
        rest = _BlockParser(tokens[parser.pos:], repairs).block(-1)
        if isinstance(node, dict) and isinstance(rest, dict):
            node.update(rest)
    return node


# --- JSON ------------------------------------------------------------------------------------------


class JsonParseError(ValueError):
    pass


class _Unclosed(dict):
    """An object the input ended inside of: incomplete, so never kept as a list item."""


_KEY_END = re.compile(r"[\s,:}\]=]")
_VALUE_END = re.compile(r"[,}\]\n]|:\s|\s(?://|#)|/\*")  # flow plain scalars may hold spaces and colons
_PY_LITERALS = frozenset({"True", "False", "None"})


class _JsonParser:
    def __init__(self, text: str, repairs: Repairs) -> None:
        self.text, self.repairs, self.pos = text, repairs, 0

    def skip(self) -> None:
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch.isspace():
                self.pos += 1
            elif self.text.startswith("//", self.pos) or ch == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
                self.repairs.add("json_comments")
            elif self.text.startswith("/*", self.pos):
                end = self.text.find("*/", self.pos + 2)
                self.pos = len(self.text) if end < 0 else end + 2
                self.repairs.add("json_comments")
            else:
                return

    def value(self) -> Node:
        self.skip()
        if self.pos >= len(self.text):
            raise JsonParseError("unexpected end of input")
        ch = self.text[self.pos]
        if ch == "{":
            return self.obj()
        if ch == "[":
            return self.arr()
        if ch in "\"'":
            return Scalar(self.string(), quoted=True)
        return self.word()

    def string(self) -> str:
        quote = self.text[self.pos]
        if quote == "'":
            self.repairs.add("single_quotes")
        start, self.pos = self.pos, self.pos + 1
        escaped = False
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            self.pos += 1
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote and quote == "'" and self.text[self.pos:self.pos + 1] == "'":
                self.pos += 1  # YAML's doubled single quote
            elif ch == quote:
                body = self.text[start + 1:self.pos - 1]
                try:
                    return json.loads(f'"{body}"') if quote == '"' else body.replace("''", "'")
                except ValueError:
                    return body
        self.repairs.add("missing_closers")
        return self.text[start + 1:]

    def word(self, key: bool = False) -> Scalar:
        match = (_KEY_END if key else _VALUE_END).search(self.text, self.pos)
        end = match.start() if match else len(self.text)
        raw = self.text[self.pos:end].strip()
        if not raw:
            raise JsonParseError(f"unexpected {self.text[self.pos]!r} at {self.pos}")
        self.pos = end
        if raw in _PY_LITERALS:
            self.repairs.add("python_literals")
            return Scalar(raw, python_literal=True)
        return Scalar(raw)

    def _close(self, closer: str) -> bool:
        self.skip()
        if self.pos >= len(self.text):
            self.repairs.add("missing_closers")
            return True
        if self.text[self.pos] == closer:
            self.pos += 1
            return True
        return False

    def _separator(self) -> None:
        self.skip()
        if self.pos < len(self.text) and self.text[self.pos] == ",":
            self.pos += 1
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] in "}]":
                self.repairs.add("trailing_commas")
        elif self.pos < len(self.text) and self.text[self.pos] not in "}]":
            self.repairs.add("missing_commas")

    def obj(self) -> dict[str, Node]:
        self.pos += 1
        result: dict[str, Node] = {}
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.repairs.add("missing_closers")
                return _Unclosed(result)
            if self._close("}"):
                return result
            if self.text[self.pos] in "\"'":
                key = self.string()
            else:
                key = self.word(key=True).raw
                self.repairs.add("unquoted_keys")
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] in ":=":
                self.pos += 1
            if key in result:
                self.repairs.add("duplicate_key")
            self.skip()
            result[key] = Scalar("") if self.pos >= len(self.text) else self.value()
            self._separator()

    def arr(self) -> list[Node]:
        self.pos += 1
        items: list[Node] = []
        while not self._close("]"):
            item = self.value()
            if isinstance(item, _Unclosed):
                self.repairs.add("dropped_truncated_item")
            else:
                items.append(item)
            self._separator()
        return items


def parse_json(text: str, repairs: Repairs) -> Node:
    parser = _JsonParser(text, repairs)
    node = parser.value()
    parser.skip()
    return node
