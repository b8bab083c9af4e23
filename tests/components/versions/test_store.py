"""Registering sources into a real MLflow server, moving aliases, rolling back."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from components.prompts import Prompt, PromptLibrary
from components.versions import MODEL_NAMES, VersionStoreError, load_pins, resolve, serving_table, sync_all

pytestmark = pytest.mark.integration


def _edited(library: PromptLibrary, name: str, suffix: str) -> PromptLibrary:
    source = library.get(name)
    return library.replace(Prompt(source.name, source.version + 1, source.role, source.template + suffix,
                                  source.agent, "sharper wording", source.variables))


def test_sync_registers_everything_once_and_a_second_run_registers_nothing(store):
    library = PromptLibrary.load()
    changes = sync_all(store)
    assert {c.name for c in changes} == {store.name(p.name) for p in library} | {store.name(m) for m in MODEL_NAMES}
    assert all(c.first and c.version == 1 for c in changes)
    assert sync_all(store) == []
    resolved = resolve(store, library, "champion")
    assert set(resolved.describe().values()) == {"v1"}
    prompt = store.client.get_prompt_version(store.name("job_assessment.generator"), 1)
    assert prompt.tags["agent"] == "job_assessment" and prompt.tags["role"] == "generator"
    assert prompt.tags["variables"] == ",".join(sorted(library.get("job_assessment.generator").variables))
    pin = store.client.get_model_version(store.name("generator"), "1")
    assert pin.tags["engine"] == load_pins()["generator"].engine and pin.tags["revision"] == "1"
    router_run = store.client.get_run(store.client.get_model_version(store.name("router"), "1").run_id)
    assert router_run.data.metrics["accuracy"] > 0.85  # the router is registered with its dev-set metrics


def test_an_edited_prompt_becomes_a_new_version_and_leaves_champion_alone(store):
    sync_all(store)
    edited = _edited(PromptLibrary.load(), "post_takeaways.generator", "\nBe brief.")
    changes = store.sync_prompts(edited)
    assert [(c.name, c.version, c.first) for c in changes] == [(store.name("post_takeaways.generator"), 2, False)]
    assert store.sync_prompts(edited) == []
    assert store.resolve("prompt", store.name("post_takeaways.generator"), "champion").version == 1
    assert store.client.get_prompt_version(store.name("post_takeaways.generator"), 2).template.endswith("Be brief.")


def test_rollback_restores_the_previous_champion_and_records_who_and_why(store):
    sync_all(store)
    name = store.name("global.identity")
    store.sync_prompts(_edited(PromptLibrary.load(), "global.identity", " v2"))
    store.sync_prompts(_edited(PromptLibrary.load(), "global.identity", " v3"))
    store.move_alias("prompt", name, "champion", 3, why="promoted")
    assert store.rollback("prompt", name, why="tone regressed", by="oncall") == (3, 1)  # v2 never served
    assert store.resolve("prompt", name, "champion").version == 1
    stamp = json.loads(store.client.get_prompt_version(name, 1).tags["rollback"])
    assert stamp == {"from": 3, "by": "oncall", "why": "tone regressed"}
    with pytest.raises(VersionStoreError, match="no version before v1"):
        store.rollback("prompt", name, why="again")


def test_rollback_after_a_move_made_in_the_ui_goes_to_the_next_older_version(store, broken_router):
    sync_all(store)
    store.register_router(broken_router)
    name = store.name("router")
    store.client.set_registered_model_alias(name, "champion", "2")  # what the MLflow UI does: no history
    assert store.rollback("model", name, why="bad router") == (2, 1)
    assert store.aliases("model", name) == {"champion": 1}


def test_cli_versions_and_rollback(store, monkeypatch):
    from components.cli import app

    sync_all(store)
    store.sync_prompts(_edited(PromptLibrary.load(), "career_advice.planner", " v2"))
    store.move_alias("prompt", store.name("career_advice.planner"), "champion", 2, why="test")
    monkeypatch.setenv("SWITCHBOARD_MLFLOW__TRACKING_URI", store.tracking_uri)
    monkeypatch.setenv("SWITCHBOARD_MLFLOW__PREFIX", store.prefix)
    runner = CliRunner()
    shown = runner.invoke(app, ["versions"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert f"{store.prefix}.career_advice.planner" in shown.output and "champion=v2" in shown.output
    rolled = runner.invoke(app, ["rollback", "career_advice.planner", "--why", "worse plans", "--by", "me"])
    assert rolled.exit_code == 0, rolled.output
    assert "champion v2 -> v1" in rolled.output
    assert {r["name"]: r["aliases"] for r in serving_table(store)}[store.name("career_advice.planner")] == "champion=v1"
    unknown = runner.invoke(app, ["rollback", "nonsense", "--why", "x"])
    assert unknown.exit_code == 1 and "unknown item 'nonsense'" in unknown.output


def test_an_unreachable_server_is_a_clear_error():
    from components.versions import VersionStore

    store = VersionStore("http://127.0.0.1:9", timeout_s=2)
    with pytest.raises(VersionStoreError, match="MLflow at http://127.0.0.1:9"):
        store.resolve("model", "switchboard.router", "champion")


def test_waiting_for_an_alias_ends_when_a_sync_names_it_and_fails_with_the_reason_when_none_does(store):
    import threading
    import time

    from components.versions import wait_for_alias

    library = PromptLibrary.load()
    started = time.monotonic()
    with pytest.raises(VersionStoreError, match="has no 'champion' version"):
        wait_for_alias(store, library, "champion", timeout_s=1.5, poll_s=0.5)
    assert 1.0 <= time.monotonic() - started < 15
    syncing = threading.Timer(1.0, sync_all, args=(store,))  # `make up`'s sync, while serving waits
    syncing.start()
    try:
        resolved = wait_for_alias(store, library, "champion", timeout_s=120, poll_s=0.2)
    finally:
        syncing.join()
    assert set(resolved.describe().values()) == {"v1"} and len(resolved.items) == len(list(library)) + len(MODEL_NAMES)


def test_an_earlier_router_and_embedder_keep_serving_until_the_new_versions_are_promoted(store, tmp_path):
    """A home synced before the router and embedder moved to sentence embeddings: a sync registers the new
    ones as versions beside its champions, which keep serving until a promotion moves the alias."""
    import shutil

    from components.routing.devset import load_dev_set
    from components.routing.train import build_lexicon, build_tfidf_pipeline, train
    from components.versions import load_versions
    from components.versions.specs import MODELS_DIR, load_embedder_spec

    earlier = tmp_path / "models"
    shutil.copytree(MODELS_DIR, earlier)
    (earlier / "embedder.yaml").write_text("name: embedder\nkind: hashing\nversion: hashing-v1-w128-c256\n"
                                           "params: {word_dim: 128, char_dim: 256}\n")
    tfidf = train(load_dev_set(), build_lexicon(), 0.45, build=build_tfidf_pipeline)
    tfidf.save(tmp_path / "router" / "router.joblib", {"accuracy": 0.9})
    sync_all(store, models_dir=earlier, router_artifact=tmp_path / "router" / "router.joblib")

    changes = {c.name: (c.version, c.first) for c in sync_all(store)}
    assert changes == {store.name("router"): (2, False), store.name("embedder"): (2, False)}
    library = PromptLibrary.load()
    serving = load_versions(store, resolve(store, library, "champion"), library, tmp_path / "cache")
    assert serving.embedder.kind == "hashing" and serving.router.version == tfidf.version
    assert not serving.router.conversational

    for name in ("router", "embedder"):
        store.move_alias("model", store.name(name), "champion", 2, why="promoted")
    promoted = load_versions(store, resolve(store, library, "champion"), library, tmp_path / "cache")
    assert promoted.embedder == load_embedder_spec() and promoted.router.conversational
