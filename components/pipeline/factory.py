"""build_pipeline: a Pipeline from the validated configuration, with the embedded defaults."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from components.conversation_log import ConversationLog
from components.engines import Engine, create_engine
from components.pipeline.pipeline import Pipeline, Release
from components.prompts import PromptLibrary
from components.retrieval import ExampleIndex, load_examples
from components.retrieval.registry import default_embedder
from components.routing import load_router
from components.skills import SkillInvoker, default_registry
from components.trust import TrustPolicy
from components.versions import AliasFollower, VersionStore

if TYPE_CHECKING:  # components.config imports the pipeline's own config section
    from components.config import SwitchboardConfig

__all__ = ["ENGINES_KEPT", "build_pipeline", "build_tracer", "follow_examples", "follow_registry", "open_examples",
           "release_from"]

# Engines a follower keeps for later releases: the planner and generator of the champion, the challenger
# and a release rolling in.
ENGINES_KEPT = 6


def open_examples(home: Path) -> ExampleIndex:
    """The examples table under `home`, read with the embedder that built it; built from data/examples with the
    default embedder on first use.

    A home whose table an earlier embedder built keeps serving it until the build_examples flow rebuilds it
    with the default. Raises EmbedderMismatchError when no embedder here makes the table's vectors.
    """
    try:
        return ExampleIndex.open(home)
    except FileNotFoundError:
        return ExampleIndex.build(load_examples(), default_embedder(), home)


def build_tracer(config: SwitchboardConfig):
    """The turn-trace exporter `config.tracing` asks for, or None (off, or no MLflow to export to)."""
    settings = config.tracing
    if not settings.enabled or not config.mlflow.tracking_uri:
        return None
    from components.tracing import TraceExporter  # start-up time: only a traced pipeline starts the exporter

    return TraceExporter(config.mlflow.tracking_uri, settings.experiment, settings.sample_ratio,
                         settings.queue_size, prompt_prefix=config.mlflow.prefix, timeout_s=config.mlflow.timeout_s)


def build_pipeline(config: SwitchboardConfig, *, router=None, planner: Engine | None = None,
                   generator: Engine | None = None, log: ConversationLog | None = None) -> Pipeline:
    """Everything the online path needs, wired from `config`.

    `router`, `planner` and `generator` replace the configured ones (Ray Serve passes handles to
    other deployments here); `log` the home's conversation log (an evaluation's turns are its own).

    >>> from components.config import load_config
    >>> pipeline = build_pipeline(load_config())  # doctest: +SKIP
    """
    home = Path(config.home)
    registry = default_registry(config.skills.extra_declarations)
    prompts = PromptLibrary.load()
    return Pipeline(
        router=router or load_router(config.routing.artifact, config.routing.min_confidence),
        registry=registry,
        skills=SkillInvoker(registry, config.apis.url, default_timeout_s=config.skills.default_timeout_s,
                            max_concurrency=config.skills.max_concurrency, cache_ttl_s=config.skills.cache_ttl_s,
                            cache_stale_s=config.skills.cache_stale_s),
        planner=planner or create_engine(config.engines.planner),
        generator=generator or create_engine(config.engines.generator),
        prompts=prompts,
        examples=open_examples(home) if config.pipeline.examples_k else None,
        trust=TrustPolicy(check_every_tokens=config.pipeline.check_every_tokens),
        log=log or ConversationLog(home / "logs"),
        config=config.pipeline,
        versions={"prompts": ",".join(f"{p.name}@v{p.version}" for p in prompts)},
        links=config.apis.url,
        tracer=build_tracer(config),
    )


def release_from(loaded, config: SwitchboardConfig, *, router=None, planner: Engine | None = None,
                 generator: Engine | None = None, engines: dict[str, Engine] | None = None) -> Release:
    """A Release of `loaded` versions (components.versions.LoadedVersions).

    Engines come from the pins over the configured deployment settings; `engines` (pin digest -> engine,
    least recently used first) lets a swap that only moved a prompt keep the loaded model instead of
    loading the weights again. It keeps the engines of the last few releases: a release that still serves
    holds its own, so one dropped here goes once its last turn has.
    """
    engines = engines if engines is not None else {}

    def engine_for(role: str) -> Engine:
        pin = loaded.pins[role]
        engine = engines.pop(pin.digest(), None) or create_engine(pin.engine_config(getattr(config.engines, role)))
        engines[pin.digest()] = engine
        while len(engines) > ENGINES_KEPT:
            engines.pop(next(iter(engines)))
        return engine

    return Release(router=router or loaded.router, planner=planner or engine_for("planner"),
                   generator=generator or engine_for("generator"), prompts=loaded.prompts,
                   versions=loaded.versions(config.mlflow.prefix),
                   sampling={role: pin.sampling.model_dump() for role, pin in loaded.pins.items()})


async def follow_registry(pipeline: Pipeline, config: SwitchboardConfig, build=None):
    """Serves `pipeline` from the MLflow alias in `config.mlflow` and keeps following it.

    Returns the started AliasFollower, or None when no tracking URI is configured (the sources in the
    repo serve). `build` turns loaded versions into a Release (Serve passes one that uses its handles).
    """
    if not config.mlflow.tracking_uri:
        return None

    settings = config.mlflow
    store = VersionStore(settings.tracking_uri, settings.prefix, settings.timeout_s)
    engines: dict[str, Engine] = {}

    async def build_local(loaded) -> Release:
        return release_from(loaded, config, engines=engines)

    def following(alias: str, swap, fallback: str | None = None) -> AliasFollower:
        return AliasFollower(store, sources, alias=alias, fallback=fallback, interval_s=settings.poll_interval_s,
                             cache=Path(config.home) / "mlflow-cache", build=build or build_local, swap=swap,
                             embedder_version=pipeline.examples.embedder_version if pipeline.examples else None)

    sources = PromptLibrary.load()
    follower = following(settings.alias, pipeline.swap)
    await follower.start()
    pipeline.follow_status = follower.status
    if config.pipeline.shadow_share > 0:  # the challenger answers a share of live turns in the background
        follower.shadow = following(settings.shadow_alias, pipeline.swap_shadow, fallback=settings.alias)
        await follower.shadow.start()
    return follower


async def refresh_examples(pipeline: Pipeline, home: Path) -> bool:
    """Swaps in a newer examples table version if there is one; True when it did. A table that cannot
    serve (another embedder) is logged and the current one kept."""

    current = pipeline.examples
    latest = await asyncio.to_thread(ExampleIndex.latest_version, home)
    if current is None or latest is None or latest == current.version:
        return False
    try:
        pipeline.examples = await asyncio.to_thread(ExampleIndex.open, home, None, latest)
    except Exception as exc:  # noqa: BLE001 - a bad table must not take serving down
        logging.getLogger("switchboard.examples").error("kept examples v%s; v%s does not serve: %s",
                                                        current.version, latest, exc)
        return False
    logging.getLogger("switchboard.examples").info("serving examples v%s (was v%s)", latest, current.version)
    return True


def follow_examples(pipeline: Pipeline, config: SwitchboardConfig):
    """A background task that serves each new examples table version within pipeline.examples_poll_s."""

    async def poll() -> None:
        while True:
            await asyncio.sleep(config.pipeline.examples_poll_s)
            try:
                await refresh_examples(pipeline, Path(config.home))
            except Exception as exc:  # noqa: BLE001 - storage unreachable for a moment: say so, try again later
                logging.getLogger("switchboard.examples").warning("cannot check the examples table: %s", exc)

    return asyncio.create_task(poll(), name="follow-examples") if pipeline.examples is not None else None
