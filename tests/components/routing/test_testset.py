"""The frozen hand-written test set: what it holds, and the shipped router's figures on it, kept from falling.

The floors are today's figures rounded down, not the target (issue 30 asks 0.95 accuracy and 0.95 out-of-scope
precision and recall); a router that reaches the target raises them.
"""

from __future__ import annotations

import json

import yaml

from components.names import CONTEXT_TYPES, ROUTES
from components.routing import load_router
from components.routing.devset import DEV_SET, SEEDS
from components.routing.testset import load_test_set, report_on_test_set

KINDS = {"paraphrase", "typo", "short", "long", "unknown_entity", "hard_oos", "followup"}


def test_the_test_set_is_large_varied_and_apart_from_the_seeds():
    rows = load_test_set()
    assert len(rows) >= 300
    assert {r["agent"] for r in rows} == set(ROUTES) and {r["context_type"] for r in rows} == set(CONTEXT_TYPES)
    assert {r["kind"] for r in rows} == KINDS
    assert all(r["previous"]["agent"] in ROUTES for r in rows if r["kind"] == "followup")
    seeds = {q.lower() for spec in yaml.safe_load(SEEDS.read_text()).values() for q in spec["queries"]}
    dev = {json.loads(line)["query"].lower() for line in DEV_SET.read_text().splitlines()}
    single = [r["query"].lower() for r in rows if r["kind"] != "followup"]
    assert not set(single) & (seeds | dev)  # nothing the router was trained on, word for word
    assert len(single) == len(set(single))


def test_the_shipped_router_holds_its_figures_on_the_test_set():
    router = load_router()
    metrics = report_on_test_set(lambda row: router.route(row["query"], row["context_type"]).agent)
    oos = metrics["per_class"]["out_of_scope"]
    assert metrics["n"] == 300 and metrics["accuracy"] >= 0.82, metrics["accuracy"]
    assert oos["precision"] >= 0.80 and oos["recall"] >= 0.72, oos
