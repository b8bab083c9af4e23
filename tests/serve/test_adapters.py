"""The ingress's view of the agent deployment (serve/adapters.py: RemoteTurns) when the agent does not answer."""

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

    @serve.deployment(name="hung_agent", ray_actor_options={"num_cpus": 0})
    class HungAgent:
        async def turn(self, request, agent=None):
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
