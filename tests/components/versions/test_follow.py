"""A running pipeline follows the champion alias in a real MLflow server: moves, broken versions, rollback."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from components.config import load_config
from components.conversation_log import ConversationLog
from components.pipeline import AssistRequest, build_pipeline
from components.pipeline.factory import follow_registry
from components.prompts import Prompt, PromptLibrary
from components.versions import sync_all

pytestmark = pytest.mark.integration

JOB = {"query": "Am I a good fit for this job?", "member_id": "m00001", "context": {"type": "job", "id": "j00002"}}


@pytest.fixture
async def following(store, internal_api, switchboard_home, tmp_path):
    """A pipeline serving the champion versions of `store`, with its follower (no background polling)."""
    sync_all(store)
    pipeline, follower = await _serve(store, internal_api, switchboard_home, tmp_path)
    yield pipeline, follower
    await follower.stop()


async def _serve(store, internal_api, switchboard_home, tmp_path):
    config = load_config(environ={"SWITCHBOARD_HOME": str(switchboard_home), "SWITCHBOARD_APIS__BASE_URL": internal_api,
                                  "SWITCHBOARD_MLFLOW__TRACKING_URI": store.tracking_uri,
                                  "SWITCHBOARD_MLFLOW__PREFIX": store.prefix,
                                  "SWITCHBOARD_MLFLOW__POLL_INTERVAL_S": "3600"})
    pipeline = build_pipeline(config, log=ConversationLog(tmp_path / "logs"))
    return pipeline, await follow_registry(pipeline, config)


async def _done(pipeline, request=JOB):
    events = [event async for event in pipeline.run(AssistRequest(**request))]
    assert events[-1].name == "done", events[-1]
    return events[-1].data


def _register(store, name: str, template: str) -> int:
    source = PromptLibrary.load().get(name)
    edited = Prompt(source.name, source.version, source.role, template, source.agent, "edit", source.variables)
    [change] = store.sync_prompts(PromptLibrary.load().replace(edited))
    return change.version


async def test_serving_starts_on_the_champion_versions(following, store):
    pipeline, follower = following
    done = await _done(pipeline)
    assert done.versions["alias"] == "champion"
    assert "job_assessment.generator@v1" in done.versions["prompts"]
    assert done.versions["generator_pin"] == "v1 extractive:extractive-v1@1"
    assert done.versions["router_model"].startswith("v1 router-")
    assert follower.status.failures == 0 and follower.status.serving[store.name("router")] == "v1"
    assert follower.status.checked_at > 0  # before the first poll too


async def test_an_alias_move_is_picked_up_and_shows_in_the_next_turn(following, store, tmp_path):
    pipeline, follower = following
    name = "job_assessment.generator"
    template = PromptLibrary.load().get(name).template + "\nAlways end with one concrete next step."
    version = _register(store, name, template)
    assert not await follower.check()  # a new version alone changes nothing: only the alias serves
    store.move_alias("prompt", store.name(name), "champion", version, why="test promotion")
    assert await follower.check()
    assert pipeline.release.prompts.get(name).template == template
    done = await _done(pipeline)
    assert f"{name}@v{version}" in done.versions["prompts"]
    [record] = [r for r in ConversationLog(tmp_path / "logs").read().to_dicts() if r["turn_id"] == done.turn_id]
    assert f"{name}@v{version}" in record["versions"]  # the log reports what served, like `done`


async def test_a_broken_version_keeps_the_old_one_serving_and_says_so(following, store, broken_router, caplog):
    pipeline, follower = following
    name = "company_understanding.generator"
    version = _register(store, name, "Answer {{query}} without the dossier.")  # the code renders more variables
    store.move_alias("prompt", store.name(name), "champion", version, why="bad edit")
    with caplog.at_level(logging.ERROR, "switchboard.versions"):
        assert not await follower.check()
        assert not await follower.check()  # the same broken set is not retried noisily
    assert [r.message for r in caplog.records if "kept the serving versions" in r.message][:1]
    assert len([r for r in caplog.records if "kept the serving versions" in r.message]) == 1
    assert "uses variables ['query'] but the code renders" in follower.status.last_error
    done = await _done(pipeline, {"query": "Tell me about this company", "context": {"type": "company", "id": "c0004"}})
    assert f"{name}@v1" in done.versions["prompts"]
    ready = await pipeline.ready()
    assert int(ready["registry.load_failures"]) >= 1

    store.rollback("prompt", store.name(name), why="broken")
    store.register_router(broken_router)
    store.move_alias("model", store.name("router"), "champion", 2, why="bad router")
    assert not await follower.check()
    assert "router" in follower.status.last_error and "does not load" in follower.status.last_error
    assert (await _done(pipeline)).versions["router_model"].startswith("v1 ")


async def test_a_home_whose_planner_prompts_predate_the_conversation_serves_them_until_promoted(
        store, internal_api, switchboard_home, tmp_path):
    """The planner prompts gained an optional {{history}} (v2). A home registered before has v1 as champion:
    the sync registers v2 beside it, v1 keeps serving, and promoting v2 is an ordinary alias move."""
    library = PromptLibrary.load()
    planners = [p for p in library if p.role == "planner"]
    before = library
    for source in planners:
        before = before.replace(replace(source, version=1, template=source.template.replace("{{history}}", ""),
                                        variables=source.variables - {"history"}))
    sync_all(store, prompts=before)
    changes = sync_all(store)
    assert sorted(c.name for c in changes) == sorted(store.name(p.name) for p in planners)
    assert all(c.version == 2 and not c.first for c in changes)
    pipeline, follower = await _serve(store, internal_api, switchboard_home, tmp_path)
    try:
        assert follower.status.failures == 0
        done = await _done(pipeline)
        assert "job_assessment.planner@v1" in done.versions["prompts"]
        name = "job_assessment.planner"
        store.move_alias("prompt", store.name(name), "champion", 2, why="the planner sees the conversation")
        assert await follower.check()
        assert "{{history}}" in pipeline.release.prompts.get(name).template
        assert f"{name}@v2" in (await _done(pipeline)).versions["prompts"]
    finally:
        await follower.stop()


async def test_rollback_restores_what_served_before(following, store):
    pipeline, follower = following
    name = "global.identity"
    version = _register(store, name, PromptLibrary.load().get(name).template + " Be warm.")
    store.move_alias("prompt", store.name(name), "champion", version, why="try warmth")
    assert await follower.check()
    assert f"{name}@v{version}" in (await _done(pipeline)).versions["prompts"]
    store.rollback("prompt", store.name(name), why="too chatty")
    assert await follower.check()
    assert f"{name}@v1" in (await _done(pipeline)).versions["prompts"]


async def test_an_unreachable_registry_keeps_serving(following, store, monkeypatch):
    pipeline, follower = following
    monkeypatch.setattr(follower.store, "resolve", lambda *a, **k: (_ for _ in ()).throw(OSError("connection refused")))
    assert not await follower.check()
    assert "cannot resolve 'champion'" in follower.status.last_error
    assert (await _done(pipeline)).versions["alias"] == "champion"


def test_load_router_without_an_artifact_loads_the_champion_from_mlflow(store, tmp_path, monkeypatch):
    from components.routing import load_router
    from components.routing.model import DEFAULT_ARTIFACT, Router

    sync_all(store)
    shipped = load_router(DEFAULT_ARTIFACT)
    timid = Router(shipped.pipeline, f"{shipped.version}-timid", min_confidence=0.99)
    timid.save(tmp_path / "timid" / "router.joblib", {"accuracy": 0.2})
    version = store.register_router(tmp_path / "timid" / "router.joblib").version
    for key, value in {"SWITCHBOARD_HOME": str(tmp_path / "home"), "SWITCHBOARD_MLFLOW__PREFIX": store.prefix,
                       "SWITCHBOARD_MLFLOW__TRACKING_URI": store.tracking_uri}.items():
        monkeypatch.setenv(key, value)
    assert load_router().version == shipped.version  # champion is v1: the shipped router
    store.move_alias("model", store.name("router"), "champion", version, why="test")
    assert load_router().version == timid.version and load_router().min_confidence == 0.99
