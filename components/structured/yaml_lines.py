"""Line-level YAML repairs, run before `yaml.compose` when the fast path failed.

Each step maps a list of lines to a list of lines and is reported by its name when it changed any.
They fix what makes a YAML parser fail or misread, and leave valid lines alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["LINE_STEPS"]

_BOLD_KEY = re.compile(r"^(\s*(?:-\s+)?)(?:\*\*|__)([^*_:\n]+?)(?::(?:\*\*|__)|(?:\*\*|__)\s*:)")
_MARKDOWN_ITEM = re.compile(r"^(\s*)(?:[*•+]|\d{1,3}[.)])\s+(?=\S)")
_NO_SPACE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w\-]*):(?=[^\s:/\[{\"'])")
_KEY = re.compile(r"^\s*(?:-\s+)?(?:\"[^\"]*\"|'[^']*'|[^\s:#\-\"'][^:#]*?)\s*:(?:\s|$)")
_ITEM_KEY = re.compile(r"^(\s*)-\s+([^\s:#][^:#]*?)\s*:(?:\s|$)")


def bold_keys(lines: list[str]) -> list[str]:
    """`**next steps**: x` and `- **skill:** x` -> plain keys."""
    return [_BOLD_KEY.sub(r"\1\2:", line) for line in lines]


def markdown_lists(lines: list[str]) -> list[str]:
    """`* a`, `• a`, `+ a`, `1. a`, `2) a` -> `- a`."""
    return [_MARKDOWN_ITEM.sub(r"\1- ", line) for line in lines]


def space_after_colon(lines: list[str]) -> list[str]:
    """`job_id:j1` -> `job_id: j1` (not URLs, times or flow values)."""
    return [_NO_SPACE.sub(r"\1\2: ", line) for line in lines]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_column(line: str) -> int:
    stripped = line.lstrip(" ")
    column = _indent(line)
    if stripped.startswith("- "):
        column += 2 + _indent(stripped[2:])
    return column


def join_continuations(lines: list[str]) -> list[str]:
    """A plain value that runs on at or left of its key's column is one value, not a new key."""
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        previous = out[-1] if out else ""
        value = previous.split(":", 1)[1].strip() if _KEY.match(previous) else ""
        if (stripped and not _KEY.match(line) and not stripped.startswith(("-", "#", "{", "[", "}", "]"))
                and value and value[0] not in "|>\"'[{" and _indent(line) <= _key_column(previous)):
            out[-1] = f"{previous.rstrip()} {stripped}"
            continue
        out.append(line)
    return out


def missing_dashes(lines: list[str]) -> list[str]:
    """In a list of mappings, a line at the dash column that repeats the items' first key starts an item."""
    out: list[str] = []
    dash_column, first_key = -1, ""
    for line in lines:
        item = _ITEM_KEY.match(line)
        if item:
            dash_column, first_key = len(item.group(1)), item.group(2)
        elif line.strip() and dash_column >= 0:
            key = _KEY.match(line)
            if _indent(line) == dash_column and key and line.strip().split(":", 1)[0].strip() == first_key:
                line = f"{' ' * dash_column}- {line.strip()}"
            elif _indent(line) < dash_column or (_indent(line) == dash_column and not line.lstrip().startswith("-")):
                dash_column = -1
        out.append(line)
    return out


LINE_STEPS: tuple[Callable[[list[str]], list[str]], ...] = (
    bold_keys, markdown_lists, space_after_colon, join_continuations, missing_dashes,
)
