"""Shipped data: the sample network, the routing dev set and the router fitted on it.

Commands import what they use inside themselves (start-up time; see components/cli/__init__.py).
"""

from __future__ import annotations

import json

from components.cli.app import console, data_app, router_app


@router_app.command("train")
def router_train() -> None:
    """Train the router on the dev set, print the held-out report and write the artifact."""
    from components.routing import train

    train.main([])


@router_app.command("report")
def router_report() -> None:
    """Print per-class precision/recall on held-out seeds (the artifact is untouched)."""
    from components.routing import train

    train.main(["--report"])


@data_app.command("generate")
def data_generate() -> None:
    """Regenerate the sample network and the routing dev set (deterministic)."""
    from components.network.generate import generate, write_network
    from components.network.store import default_data_dir
    from components.routing import devset

    for name, digest in write_network(generate(), default_data_dir()).items():
        console.print(f"network/{name:10s} {digest[:16]}")
    rows = devset.expand()
    devset.DEV_SET.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    console.print(f"routing/dev_set   {len(rows)} rows")
