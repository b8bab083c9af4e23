"""release_from: the engines a follower keeps across releases."""

from __future__ import annotations

from types import SimpleNamespace

from components.config import load_config
from components.pipeline.factory import ENGINES_KEPT, release_from
from components.prompts import PromptLibrary
from components.versions.specs import ModelPin


def _loaded(planner_model: str, generator_model: str = "sim-v1") -> SimpleNamespace:
    pins = {"planner": ModelPin(name="planner", role="planner", engine="sim", model=planner_model, revision="r1"),
            "generator": ModelPin(name="generator", role="generator", engine="sim", model=generator_model,
                                  revision="r1")}
    return SimpleNamespace(pins=pins, router="router", prompts=PromptLibrary.load(), versions=lambda prefix: {})


def test_a_release_that_moved_only_a_prompt_keeps_its_engines(tmp_path):
    config, engines = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path)}), {}
    first = release_from(_loaded("planner-a"), config, engines=engines)
    second = release_from(_loaded("planner-a"), config, engines=engines)
    assert second.planner is first.planner and second.generator is first.generator
    assert release_from(_loaded("planner-b"), config, engines=engines).planner is not first.planner


def test_engines_of_releases_long_gone_are_let_go(tmp_path):
    """Months of promotions must not pile up engines (an HTTP client's pool each, or a model's weights)."""
    config, engines = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path)}), {}
    releases = [release_from(_loaded(f"planner-{i}"), config, engines=engines) for i in range(10)]
    assert len(engines) == ENGINES_KEPT
    kept = set(map(id, engines.values()))
    assert id(releases[-1].planner) in kept and id(releases[-1].generator) in kept  # the shared generator stays
    assert id(releases[0].planner) not in kept
    again = release_from(_loaded("planner-9"), config, engines=engines)  # the newest still shares its engine
    assert again.planner is releases[-1].planner
