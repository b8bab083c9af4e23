"""A skeleton of the Serve graph's shape with no pipeline in it: what Ray Serve and HTTP alone cost here.

ingress (FastAPI, SSE) -> agent (a no-op route inside it, or behind a router deployment of its own with
`router_hop`) -> a generator, or with `direct` the agent taking HTTP itself (no ingress hop, as Ray Serve
LLM's direct streaming) -> a generator with the sim engine's timing (first token after TTFT, then one every TBT),
over the transport and tuning the application runs with.
Same messages, same processes, none of the work: benchmarks/serve_overhead.py runs it beside the
application, so what the graph adds splits into the machine's floor for this shape and the pipeline.
"""

from __future__ import annotations

import asyncio
import json
import time

from components.stack.supervisor import healthy

__all__ = ["deploy_skeleton"]


def _sse(batches):
    """The agent's event batches as the ingress streams them (server-sent events)."""
    from fastapi.responses import StreamingResponse

    async def events():
        async for batch in batches:
            for event, payload in batch:
                yield f"event: {event}\ndata: {json.dumps(payload)}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


def deploy_skeleton(base_url: str, ttft_ms: float, tbt_ms: float, tokens: int = 20,
                    name: str = "skeleton", router_hop: bool = False, direct: bool = False) -> str:
    """Deploys the skeleton as application `name` on the running cluster; returns its base URL."""
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse
    from ray import serve

    from serve.tuning import replica_transport

    api = FastAPI()

    @serve.deployment(name="router", ray_actor_options={"num_cpus": 0}, max_ongoing_requests=256)
    class Router:
        async def route(self, query: str) -> dict:
            return {"agent": "general_knowledge", "confidence": 1.0}

    @serve.deployment(name="generator", ray_actor_options={"num_cpus": 0}, max_ongoing_requests=256)
    class Generator:
        async def generate(self, prompt: str):
            await asyncio.sleep(ttft_ms / 1000)
            for i in range(tokens):
                yield f"word{i} "
                await asyncio.sleep(tbt_ms / 1000)

    class AgentTurn:
        def __init__(self, router, generator) -> None:
            self.router = replica_transport(router) if router is not None else None
            self.generator = replica_transport(generator)

        async def turn(self, query: str):
            if self.router is None:  # the router inside the agent: no hop
                route = {"agent": "general_knowledge", "confidence": 1.0}
            else:
                route = await self.router.route.remote(query)
            yield [("route", route)]
            async for text in self.generator.options(stream=True).generate.remote(query):
                yield [("delta", {"text": text})]
            yield [("done", {"answer": ""})]

    agent_deployment = serve.deployment(name="agent", ray_actor_options={"num_cpus": 0}, max_ongoing_requests=256)
    Agent = agent_deployment(AgentTurn)

    @serve.deployment(name="ingress", ray_actor_options={"num_cpus": 0}, max_ongoing_requests=256)
    @serve.ingress(api)
    class Ingress:
        def __init__(self, agent) -> None:
            self.agent = replica_transport(agent).options(stream=True)

        @api.get("/")
        async def ready(self) -> dict:
            return {"status": "ok"}

        @api.post("/v1/assist")
        async def assist(self, body: dict) -> StreamingResponse:
            return _sse(self.agent.turn.remote(body["query"]))

    @agent_deployment
    @serve.ingress(api)
    class AgentTakingHttp(AgentTurn):
        @api.get("/")
        async def ready(self) -> dict:
            return {"status": "ok"}

        @api.post("/v1/assist")
        async def assist(self, body: dict) -> StreamingResponse:
            return _sse(self.turn(body["query"]))

    router = Router.bind() if router_hop else None
    if direct:
        graph = AgentTakingHttp.bind(router, Generator.bind())
    else:
        graph = Ingress.bind(Agent.bind(router, Generator.bind()))
    serve.run(graph, name=name, route_prefix=f"/{name}")
    url = f"{base_url}/{name}"
    deadline = time.monotonic() + 30  # HAProxy learns the new route prefix a moment after Serve reports it ready
    while not healthy(f"{url}/"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the skeleton application did not answer at {url}")
        time.sleep(0.2)
    return url
