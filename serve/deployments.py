"""The Ray Serve deployments: thin wiring that binds components; no logic of their own.

Ingress (HTTP) -> Agent (pipeline: plan, skills, retrieval, trust) -> Router and Generator.
The generator is the only deployment meant to ask for a GPU (config serve.generator.num_gpus).
Each takes the validated configuration as a plain dict, so it travels to any node.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from ray import serve
from ray.serve.handle import DeploymentHandle

from components.config import SwitchboardConfig
from components.engines import EngineConfig, EngineEvent, GenerationRequest, create_engine
from components.http import AssistServing, Metrics, build_api_server
from components.network import ArticleIndex, NetworkStore
from components.network.api import build_api
from components.pipeline import AssistRequest, Event, Release, RequestError, build_pipeline
from components.pipeline.coalesce import coalesce
from components.pipeline.factory import follow_examples, follow_registry, release_from
from components.routing import RouteDecision, load_router
from components.versions.pools import PinnedEngines, RouterVersions
from serve.adapters import RemoteEngine, RemoteRouter, RemoteTurns
from serve.tuning import replica_transport, transport_of

__all__ = ["AgentDeployment", "GeneratorDeployment", "IngressDeployment", "InternalApisDeployment",
           "RouterDeployment"]


@serve.deployment(name="router")
class RouterDeployment:
    """Routes with the configured artifact, or with the MLflow version the agent's release names."""

    def __init__(self, config: dict) -> None:
        settings = SwitchboardConfig.model_validate(config)
        self.router = load_router(settings.routing.artifact, settings.routing.min_confidence)
        self.versions = None
        if settings.mlflow.tracking_uri:
            from components.versions import VersionStore

            mlflow = settings.mlflow
            self.versions = RouterVersions(VersionStore(mlflow.tracking_uri, mlflow.prefix, mlflow.timeout_s),
                                           Path(settings.home) / "mlflow-cache" / "router")

    async def prepare(self, source: str | None) -> str:
        """Loads a router version before a release that uses it serves (raising if it cannot)."""
        return self._router(source).version

    async def route(self, query: str, context_type: str = "none", source: str | None = None) -> RouteDecision:
        # async: a millisecond of model on the replica's loop costs less than a hop to Serve's thread pool
        return self._router(source).route(query, context_type)

    def _router(self, source: str | None):
        return self.router if source is None or self.versions is None else self.versions.get(source)


@serve.deployment(name="generator")
class GeneratorDeployment:
    """Wraps the configured engine; a model pin from the agent's release selects the engine per request."""

    def __init__(self, engine: dict) -> None:
        self.base = EngineConfig.model_validate(engine)
        self.engine = create_engine(self.base)
        self.pinned = PinnedEngines(self.base)

    async def prepare(self, pin: dict | None) -> None:
        """Loads a pinned engine before a release that uses it serves (raising if it cannot)."""
        if pin is not None:
            self.pinned.get(pin)

    async def generate(self, request: GenerationRequest, pin: dict | None = None) -> AsyncIterator[EngineEvent]:
        engine = self.engine if pin is None else self.pinned.get(pin)
        async for event in engine.generate(request):
            yield event

    async def check_health(self) -> None:  # Serve restarts a replica whose engine is unhealthy
        await self.engine.check_health()


@serve.deployment(name="agent")
class AgentDeployment:
    async def __init__(self, config: dict, router: DeploymentHandle, generator: DeploymentHandle) -> None:
        settings = SwitchboardConfig.model_validate(config)
        engine = settings.engines.generator
        router, generator = replica_transport(router), replica_transport(generator)
        self.router_handle, self.generator_handle, self.settings = router, generator, settings
        self.linger_s = settings.serve.event_linger_ms / 1000
        self.pipeline = build_pipeline(settings, router=RemoteRouter(router),
                                       generator=RemoteEngine(generator, engine.kind, _model_name(engine)))
        # With an MLflow tracking URI, the champion versions serve from the start and alias moves follow.
        self.follower = await follow_registry(self.pipeline, settings, build=self._release)
        self.examples_follower = follow_examples(self.pipeline, settings)  # new build_examples versions

    async def _release(self, loaded) -> Release:
        """A release whose router and generator run in their deployments, loaded there before it serves."""
        pin = loaded.pins["generator"]
        router = RemoteRouter(self.router_handle, loaded.router_item.source)
        generator = RemoteEngine(self.generator_handle, pin.engine, pin.model, pin.model_dump(mode="json"))
        await router.prepare()
        await generator.prepare()
        return release_from(loaded, self.settings, router=router, generator=generator)

    async def turn(self, request: AssistRequest, agent: str | None = None) -> AsyncIterator[list[Event | dict]]:
        """Lists of events, the first led by a verdict: [{"refused": {...}}] or [{"accepted": True}, *events].

        One stream instead of a validate call and a run call: a round trip fewer before the first token,
        and the ingress can still answer a 4xx before it sends a byte. The verdict is plain data, not
        an exception, so it crosses processes intact. An accepted verdict travels with the turn's first
        events, and events travel in lists (components/pipeline/coalesce.py): each message costs both
        processes CPU that the generator request would otherwise wait behind.
        """
        try:
            events = await self.pipeline.open(request, agent)
        except RequestError as exc:
            yield [{"refused": {"status": exc.status, "code": exc.code, "message": exc.message}}]
            return
        verdict: list[Event | dict] = [{"accepted": True}]
        async for batch in coalesce(events, self.linger_s):
            yield verdict + batch
            verdict = []
        if verdict:  # no events at all: the ingress still needs its verdict (and ends the turn with an error)
            yield verdict

    async def feedback(self, turn_id: str, rating: str, comment: str | None = None) -> bool:
        return await self.pipeline.feedback(turn_id, rating, comment)

    async def ready(self) -> dict[str, str]:
        return await self.pipeline.ready()

    async def transport(self) -> dict[str, str]:
        """How this replica's calls travel ("grpc" under serve/tuning.py), for operators and the tests."""
        return {"router": transport_of(self.router_handle), "generator": transport_of(self.generator_handle)}


@serve.deployment(name="ingress")
@serve.ingress()
class IngressDeployment:
    def __init__(self, config: dict, agent: DeploymentHandle) -> None:
        import os

        full = SwitchboardConfig.model_validate(config)
        settings = full.serve
        self.contexts = NetworkStore.load(full.apis.data_dir).sample_contexts()
        self.agent = replica_transport(agent)
        self.serving = AssistServing(RemoteTurns(self.agent, settings.retry_after_s), Metrics(),
                                     max_in_flight=settings.max_turns_in_flight)
        self.auth_token = os.environ.get(settings.auth_token_env) if settings.auth_token_env else None
        self.retry_after_s = settings.retry_after_s

    async def transport(self) -> dict[str, str]:
        return {"agent": transport_of(self.agent)}

    def __serve_build_asgi_app__(self):
        return build_api_server(self.serving, auth_token=self.auth_token, retry_after_s=self.retry_after_s,
                                contexts=self.contexts)


@serve.deployment(name="internal_apis")
@serve.ingress()
class InternalApisDeployment:
    def __init__(self, config: dict) -> None:
        settings = SwitchboardConfig.model_validate(config)
        self.store = NetworkStore.load(settings.apis.data_dir)
        self.articles = ArticleIndex(self.store, Path(settings.home))

    def __serve_build_asgi_app__(self):
        return build_api(self.store, self.articles)


def _model_name(engine: EngineConfig) -> str:
    return {"openai": engine.openai.model, "vllm": engine.vllm.model, "sim": "sim-v1",
            "extractive": "extractive-v1"}.get(engine.kind, engine.kind)
