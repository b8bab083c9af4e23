"""The deployments as the pipeline sees them (serve/adapters.py): an agent that does not answer, and a
release prepared on every generator replica."""

from __future__ import annotations

import asyncio
import time

import pytest

from components.pipeline import AssistRequest, RequestError

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_an_agent_that_does_not_answer_is_a_503_not_a_hang(serve_app):
    from ray import serve
    from ray.serve.handle import DeploymentHandle

    from serve.adapters import RemoteTurns

    @serve.deployment(name="hung_agent", ray_actor_options={"num_cpus": 0}, graceful_shutdown_timeout_s=1)
    class HungAgent:
        async def turn(self, request, agent=None):  # as an agent of the release before history was passed
            await asyncio.sleep(60)
            yield [{"accepted": True}]

        async def feedback(self, turn_id, rating, comment=None):
            await asyncio.sleep(60)

        async def ready(self):
            await asyncio.sleep(60)

    serve.run(HungAgent.bind(), name="hung", route_prefix=None)
    handle = DeploymentHandle("hung_agent", "hung")  # this test's own: it routes on this test's loop
    turns = RemoteTurns(handle, timeout_s=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(RequestError) as refused:
            await turns.open(AssistRequest(query="hello"))
        assert refused.value.status == 503 and refused.value.code == "agent_unavailable"
        assert "within 0.5 s" in refused.value.message
        with pytest.raises(RequestError) as feedback:
            await turns.feedback("t1", "up")
        assert feedback.value.status == 503 and feedback.value.code == "agent_unavailable"
        with pytest.raises(TimeoutError):  # /healthz turns this into its own 503
            await turns.ready()
        assert time.monotonic() - started < 10
    finally:
        await handle.shutdown_async()
        serve.delete("hung")


async def test_a_release_is_prepared_on_every_generator_replica(serve_app):
    """Each replica loads the new pin before the release serves, not only the one a call would reach."""
    from ray import serve
    from ray.serve.handle import DeploymentHandle

    from serve.adapters import RemoteEngine
    from serve.deployments import GeneratorDeployment

    sim = {"kind": "sim", "sim": {"ttft_ms": 5, "tbt_ms": 1}}
    generators = GeneratorDeployment.options(name="two_generators", num_replicas=2,
                                             ray_actor_options={"num_cpus": 0})
    serve.run(generators.bind(sim, pinned_releases=True), name="prepared", route_prefix=None)
    handle = DeploymentHandle("two_generators", "prepared")
    pin = {"name": "generator", "role": "generator", "engine": "extractive", "model": "extractive-v1",
           "revision": "r1"}
    try:
        assert await handle.broadcast("loaded").results_async() == [[], []]  # pinned: nothing loaded yet
        await RemoteEngine(handle, "extractive", "extractive-v1", pin).prepare()
        assert await handle.broadcast("loaded").results_async() == [["extractive-v1"], ["extractive-v1"]]
    finally:
        await handle.shutdown_async()
        serve.delete("prepared")


async def test_a_release_prepared_while_the_generator_still_starts_waits_for_it(serve_app):
    """At start the agent prepares its release while the generator's replicas may still be loading."""
    from ray import serve
    from ray.serve.handle import DeploymentHandle

    from serve.adapters import RemoteEngine

    @serve.deployment(name="slow_generator", ray_actor_options={"num_cpus": 0})
    class SlowGenerator:
        def __init__(self) -> None:
            time.sleep(3)  # a model loading
            self.pins = []

        async def prepare(self, pin) -> None:
            self.pins.append(pin["model"])

        async def loaded(self) -> list:
            return self.pins

    serve._run(SlowGenerator.bind(), name="slow", route_prefix=None, _blocking=False)
    handle = DeploymentHandle("slow_generator", "slow")
    try:
        await RemoteEngine(handle, "extractive", "extractive-v1", {"model": "extractive-v1"}).prepare()
        assert await handle.broadcast("loaded").results_async() == [["extractive-v1", "extractive-v1"]]
    finally:
        await handle.shutdown_async()
        serve.delete("slow")


async def test_the_router_as_a_deployment_of_its_own_routes_like_the_one_in_the_agent(serve_app):
    """serve.router_deployment: a heavier routing model on hardware of its own, behind RemoteRouter."""
    from ray import serve
    from ray.serve.handle import DeploymentHandle

    from components.routing import load_router
    from serve.adapters import RemoteRouter
    from serve.deployments import RouterDeployment

    config = serve_app[1]
    serve.run(RouterDeployment.options(ray_actor_options={"num_cpus": 0}).bind(config.model_dump(mode="json")),
              name="routing", route_prefix=None)
    handle = DeploymentHandle("router", "routing")  # this test's own: it routes on this test's loop
    try:
        remote = RemoteRouter(handle)
        local = load_router(config.routing.artifact, config.routing.min_confidence)
        assert await remote.prepare() == local.version
        for query, page in (("Am I a fit for this job?", "job"), ("What does this company do?", "company"),
                            ("Write me a poem about cats", "none")):
            decision, expected = await remote.route(query, page), local.route(query, page)
            assert (decision.agent, round(decision.confidence, 6)) == (expected.agent, round(expected.confidence, 6))
    finally:
        await handle.shutdown_async()
        serve.delete("routing")


async def test_a_turn_whose_agent_dies_ends_with_one_error_and_one_record(serve_app, tmp_path):
    """The agent replica's process ends mid-turn: the ingress ends the stream with an error and logs the turn
    under the id the verdict named, unless the agent logged it before it died."""
    import os

    from ray import serve
    from ray.serve.handle import DeploymentHandle

    from components.conversation_log import ConversationLog, TurnRecord
    from components.pipeline.events import Event, RouteData
    from serve.adapters import RemoteTurns

    @serve.deployment(name="dying_agent", ray_actor_options={"num_cpus": 0}, graceful_shutdown_timeout_s=1)
    class DyingAgent:
        async def turn(self, request, agent=None):
            yield [{"accepted": True, "turn_id": request.conversation_id},
                   Event("route", RouteData(agent="company_understanding", confidence=0.9, in_scope=True))]
            await asyncio.sleep(0.3)
            os._exit(1)  # the replica's process dies, as a killed one does

    serve.run(DyingAgent.bind(), name="dying", route_prefix=None)
    handle = DeploymentHandle("dying_agent", "dying")
    logs = tmp_path / "logs"
    turns = RemoteTurns(handle, timeout_s=30, logs=logs)
    try:
        events = [event async for event in await turns.open(AssistRequest(query="What does Acme do?",
                                                                          conversation_id="lost-1"))]
        assert [e.name for e in events] == ["route", "error"] and events[-1].payload()["code"] == "agent_unavailable"
        rows = ConversationLog(logs).read().to_dicts()
        assert [(r["turn_id"], r["error_code"], r["agent"], r["query"]) for r in rows] == \
            [("lost-1", "agent_unavailable", "company_understanding", "What does Acme do?")]

        # the agent wrote its record before it died: that one stays the turn's only one
        ConversationLog(logs).write(TurnRecord(
            conversation_id="c", turn_id="logged-2", timestamp="2026-12-07T10:00:00Z", agent="company_understanding",
            route_confidence=0.9, in_scope=True, query="Who works there?", context_type="none"))
        events = [event async for event in await turns.open(AssistRequest(query="Who works there?",
                                                                          conversation_id="logged-2"))]
        assert events[-1].name == "error"
        assert sorted(ConversationLog(logs).read()["turn_id"].to_list()) == ["logged-2", "lost-1"]
    finally:
        await handle.shutdown_async()
        serve.delete("dying")
