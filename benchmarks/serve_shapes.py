"""Which shape should carry HTTP: an ingress deployment in front of the agent, or the agent itself?

Skeletons of the graph (benchmarks/serve_skeleton.py: the same processes and messages, none of the work;
a generator with the sim engine's timing) side by side in one run on one Ray cluster:
  - ingress -> agent (router inside) -> generator          (today's shape)
  - agent takes HTTP (router inside) -> generator          (no ingress hop, as Ray Serve LLM's direct streaming)
  - ingress -> agent -> router deployment, -> generator     (three hops)
It prints median and p99 time to the first token at 1 and 32 concurrent streams, each shape's difference
from today's, and stalls (a gap of more than 2 s between events). The full graph's numbers, with the
pipeline's work in them, are benchmarks/serve_overhead.py's.

    .venv/bin/python benchmarks/serve_shapes.py [--turns 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.serve_overhead import TBT_MS, TTFT_MS, _over_http, _p99  # noqa: E402
from benchmarks.serve_skeleton import deploy_skeleton  # noqa: E402
from components.stack.ports import free_port  # noqa: E402

SHAPES = {"ingress -> agent -> generator (today)": {},
          "agent takes HTTP -> generator": {"direct": True},
          "ingress -> agent -> router, generator (three hops)": {"router_hop": True}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=200, help="Turns at 1 stream per shape (32 streams: 4 rounds).")
    args = parser.parse_args()
    import tempfile

    import ray
    from ray import serve

    from serve.tuning import apply_local

    apply_local(Path(tempfile.mkdtemp(prefix="switchboard-shapes-")))  # the transport and proxy the app runs with
    port = free_port()
    ray.init(num_cpus=8, include_dashboard=False, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    base = f"http://127.0.0.1:{port}"
    urls = {name: deploy_skeleton(base, TTFT_MS, TBT_MS, name=f"shape{i}", **options)
            for i, (name, options) in enumerate(SHAPES.items())}
    one, many, stalls = {}, {}, {}
    for url in urls.values():
        asyncio.run(_over_http(url, 1, 10))  # warm up
    for _ in range(2):  # interleaved, so a noisy minute lands on every shape
        for name, url in urls.items():
            one.setdefault(name, []).extend(asyncio.run(_over_http(url, 1, args.turns // 2))[0])
            ttfts, stalled, _ = asyncio.run(_over_http(url, 32, 2))
            many.setdefault(name, []).extend(ttfts)
            stalls[name] = stalls.get(name, 0) + stalled
    serve.shutdown()
    ray.shutdown()
    today = next(iter(SHAPES))
    table = Table(title=f"Serve shapes, skeletons (TTFT ms, median / p99; sim TTFT {TTFT_MS} ms)")
    for column in ("shape", "1 stream", "vs today", "32 streams", "vs today", "stalls at 32"):
        table.add_column(column, justify="left" if column == "shape" else "right")
    for name in SHAPES:
        table.add_row(name, f"{statistics.median(one[name]):.1f} / {_p99(one[name]):.1f}",
                      f"{statistics.median(one[name]) - statistics.median(one[today]):+.1f}",
                      f"{statistics.median(many[name]):.1f} / {_p99(many[name]):.1f}",
                      f"{statistics.median(many[name]) - statistics.median(many[today]):+.1f}", str(stalls[name]))
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
