"""Parse cost and repair rate of the defensive parser over the hand-written corpus.

For every corpus case it times `parse_yaml` (median and p99 microseconds per parse over many
rounds) and, in the same run, the baseline: plain `yaml.safe_load` + `model_validate`. It then
prints how many outputs each reads correctly (the exact expected value, or a refusal where one is
expected). Target (issue 3): median under 200 µs.

    .venv/bin/python benchmarks/structured.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml
from rich.console import Console
from rich.progress import track
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.structured import ParseError, parse_yaml  # noqa: E402
from tests.components.structured.corpus import CASES, Refuse  # noqa: E402

ROUNDS = 30


def baseline(text, schema):
    return schema.model_validate(yaml.safe_load(text))


def _correct(parse, case) -> bool:
    try:
        value = parse(case.text, case.schema)
    except Exception:  # noqa: BLE001 - any failure of the plain path is a miss or a refusal
        return isinstance(case.expected, Refuse)
    return not isinstance(case.expected, Refuse) and value.model_dump() == case.expected


def _time(parse) -> list[float]:
    timings = []
    for _ in track(range(ROUNDS), description=parse.__name__, transient=True):
        for case in CASES:
            started = time.perf_counter_ns()
            try:
                parse(case.text, case.schema)
            except (ParseError, ValueError, yaml.YAMLError, TypeError):
                pass
            timings.append((time.perf_counter_ns() - started) / 1000)
    return timings


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))]


def main() -> None:
    console = Console()
    for case in CASES:  # warm caches (pydantic validators, compiled regexes)
        _correct(parse_yaml, case)
    ours, plain = _time(parse_yaml), _time(baseline)
    malformed = [c for c in CASES if not c.kind.startswith(("valid/", "refuse/"))]
    table = Table(title=f"{len(CASES)} corpus outputs x {ROUNDS} rounds")
    for column in ("parser", "median µs", "p99 µs", "reads correctly", "of malformed"):
        table.add_column(column, justify="right")
    for name, parse, timings in (("parse_yaml", parse_yaml, ours), ("safe_load + pydantic", baseline, plain)):
        table.add_row(name, f"{statistics.median(timings):.0f}", f"{_p99(timings):.0f}",
                      f"{sum(_correct(parse, c) for c in CASES)}/{len(CASES)}",
                      f"{sum(_correct(parse, c) for c in malformed)}/{len(malformed)}")
    console.print(table)
    ratio = statistics.median(ours) / statistics.median(plain)
    fixed = sum(_correct(parse_yaml, c) and not _correct(baseline, c) for c in malformed)
    console.print(f"median cost ratio parse_yaml / baseline: {ratio:.2f}x")
    console.print(f"repair rate: {fixed}/{len(malformed)} malformed outputs read correctly only with repairs "
                  f"({fixed / len(malformed):.0%})")
    console.print(f"target median < 200 µs: {'met' if statistics.median(ours) < 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
