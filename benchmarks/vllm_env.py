"""The measuring scripts' way into vLLM's environment: the generator deployment's Python and variables (the cpu-llm
profile's `serve.generator`), and the waves the scripts run there. Standard library only: both environments
import it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_in_vllm_env(config, script: str, *args: str, timeout_s: float = 1800, quiet: bool = False) -> None:
    """Runs benchmarks/`script` with the generator deployment's Python and environment variables."""
    serve = config.serve.generator
    python = ROOT / serve.python
    if not python.exists():
        raise SystemExit(f"{python} is missing: run `make vllm-env model` first")
    silent = subprocess.DEVNULL if quiet else None
    subprocess.run([str(python), str(ROOT / "benchmarks" / script), *args],
                   env={**os.environ, **serve.env, "PYTHONPATH": str(ROOT)}, check=True, timeout=timeout_s,
                   stdout=silent, stderr=silent)


def by_wave(rows: list[dict]) -> list[list[dict]]:
    """Rows grouped by their `wave` (default 0), in wave order: a wave's rows run at once, waves one after another."""
    waves: dict[int, list[dict]] = {}
    for row in rows:
        waves.setdefault(row.get("wave", 0), []).append(row)
    return [waves[wave] for wave in sorted(waves)]
