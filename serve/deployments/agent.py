"""The agent deployment: the pipeline (routing, planning, skills, retrieval, trust), with its generator (and
its router, when `serve.router_deployment` makes it a deployment) behind handles dressed as the components'
own interfaces (serve/adapters.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from ray import serve
from ray.serve.handle import DeploymentHandle

from components.config import SwitchboardConfig
from components.engines import ACCELERATOR_ENGINES, Engine, engine_model
from components.pipeline import AssistRequest, Event, Release, RequestError, build_pipeline
from components.pipeline.coalesce import coalesce
from components.pipeline.factory import follow_examples, follow_registry, release_from
from serve.adapters import RemoteEngine, RemoteRouter
from serve.tuning import replica_transport, transport_of

__all__ = ["AgentDeployment"]


@serve.deployment(name="agent")
class AgentDeployment:
    async def __init__(self, config: dict, router: DeploymentHandle | None, generator: DeploymentHandle) -> None:
        """`router`: the router deployment's handle, or None to route in this process (the default)."""
        settings = SwitchboardConfig.model_validate(config)
        engine, planner = settings.engines.generator, settings.engines.planner
        router = replica_transport(router) if router is not None else None
        generator = replica_transport(generator)
        self.router_handle, self.generator_handle, self.settings = router, generator, settings
        self.planners: dict[str, Engine] = {}  # by pin digest: a swap that moved only a prompt keeps its planner
        self.linger_s = settings.serve.event_linger_ms / 1000
        remote_planner = None
        if planner.kind in ACCELERATOR_ENGINES:  # a model on the accelerator plans through the generator deployment
            if planner != engine and not settings.mlflow.tracking_uri:  # with a registry, the pins decide
                raise ValueError(f"engines.planner ({planner.kind}: {engine_model(planner)}) runs in the generator "
                                 "deployment, so without an MLflow registry it must name the generator's engine "
                                 f"({engine.kind}: {engine_model(engine)})")
            remote_planner = RemoteEngine(generator, planner.kind, engine_model(planner))
        remote_router = None
        if router is not None:
            remote_router = RemoteRouter(router)
            await remote_router.prepare()  # which also says whether it weighs the previous turn's agent
        self.pipeline = build_pipeline(settings, router=remote_router,
                                       planner=remote_planner,
                                       generator=RemoteEngine(generator, engine.kind, engine_model(engine)))
        # With an MLflow tracking URI, the champion versions serve from the start and alias moves follow.
        self.follower = await follow_registry(self.pipeline, settings, build=self._release)
        self.examples_follower = follow_examples(self.pipeline, settings)  # new build_examples versions

    async def _release(self, loaded) -> Release:
        """A release whose generator (and router, when it is a deployment) run in their deployments, loaded
        there before it serves; a router in this process came loaded with the versions."""
        router = None  # in this process: the release's own, loaded with its versions
        if self.router_handle is not None:
            router = RemoteRouter(self.router_handle, loaded.router_item.source)
            await router.prepare()
        generator = await RemoteEngine.prepared(self.generator_handle, loaded.pins["generator"])
        planner, plan_pin = None, loaded.pins["planner"]  # None: the planner runs here, loaded by release_from
        if plan_pin.engine in ACCELERATOR_ENGINES:
            planner = await RemoteEngine.prepared(self.generator_handle, plan_pin)
        return release_from(loaded, self.settings, router=router, planner=planner, generator=generator,
                            engines=self.planners)

    async def turn(self, request: AssistRequest, agent: str | None = None,
                   history: list[tuple[str, str]] | None = None) -> AsyncIterator[list[Event | dict]]:
        """Lists of events, the first led by a verdict: [{"refused": {...}}] or [{"accepted": True}, *events].

        One stream instead of a validate call and a run call: a round trip fewer before the first token,
        and the ingress can still answer a 4xx before it sends a byte. The verdict is plain data, not
        an exception, so it crosses processes intact. An accepted verdict travels with the turn's first
        events, and events travel in lists (components/pipeline/coalesce.py): each message costs both
        processes CPU that the generator request would otherwise wait behind.
        """
        turn_id = uuid.uuid4().hex  # in the verdict: the ingress logs the turn under it if this replica dies
        try:
            events = await self.pipeline.open(request, agent, history, turn_id=turn_id)
        except RequestError as exc:
            yield [{"refused": {"status": exc.status, "code": exc.code, "message": exc.message}}]
            return
        verdict: list[Event | dict] = [{"accepted": True, "turn_id": turn_id}]
        async for batch in coalesce(events, self.linger_s):
            yield verdict + batch
            verdict = []
        if verdict:  # no events at all: the ingress still needs its verdict (and ends the turn with an error)
            yield verdict

    async def feedback(self, turn_id: str, rating: str, comment: str | None = None) -> bool:
        return await self.pipeline.feedback(turn_id, rating, comment)

    async def page(self, kind: str, ident: str) -> dict:
        """{"record": ...} or {"refused": {...}}: plain data, which crosses processes intact (see `turn`)."""
        try:
            return {"record": await self.pipeline.page(kind, ident)}
        except RequestError as exc:
            return {"refused": {"status": exc.status, "code": exc.code, "message": exc.message}}

    async def ready(self) -> dict[str, str]:
        return await self.pipeline.ready()

    async def transport(self) -> dict[str, str]:
        """How this replica's calls travel ("grpc" under serve/tuning.py), for operators and the tests."""
        router = transport_of(self.router_handle) if self.router_handle is not None else "in-process"
        return {"router": router, "generator": transport_of(self.generator_handle)}

