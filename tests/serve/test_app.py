"""The Ray Serve application over HTTP on loopback: the SSE contract, OpenAI compatibility, errors,
feedback, metrics, back-pressure, and a killed generator replica."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import openai
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


@pytest.fixture(scope="module")
def client(serve_app):
    with httpx.Client(base_url=serve_app[0], timeout=60) as http:
        yield http


REQUESTS = {
    "job_assessment": {"query": "Am I a good fit for this job?", "member_id": "m00001",
                       "context": {"type": "job", "id": "j00002"}},
    "post_takeaways": {"query": "What are the key takeaways from this post?",
                       "context": {"type": "post", "id": "p00003"}},
    "company_understanding": {"query": "Tell me about this company", "context": {"type": "company", "id": "c0004"}},
    "career_advice": {"query": "What should my next career move be?", "member_id": "m00005",
                      "context": {"type": "profile", "id": "m00005"}},
    "general_knowledge": {"query": "What is the STAR method for interviews?"},
}


@pytest.mark.parametrize("agent", sorted(REQUESTS))
def test_assist_streams_the_sse_contract_for_each_agent(client, agent):
    response = client.post("/v1/assist", json=REQUESTS[agent])
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "route" and events[0][1]["agent"] == agent
    assert names.count("done") + names.count("error") == 1 and names[-1] == "done"
    assert {"plan", "skill", "delta", "followups"} <= set(names)
    assert names.index("plan") < names.index("delta") and names.index("followups") > max(
        i for i, n in enumerate(names) if n == "delta")
    done = events[-1][1]
    assert done["answer"] == "".join(d["text"] for n, d in events if n == "delta")
    assert set(done) >= {"conversation_id", "turn_id", "answer", "timings", "versions"}
    assert done["versions"]["generator"] == "sim:sim-v1" and done["timings"]["ttft_ms"] > 0


def test_the_openai_client_works_streaming_and_not(serve_app, network):
    ai = openai.OpenAI(base_url=f"{serve_app[0]}/v1", api_key="unused", max_retries=0)
    assert [model.id for model in ai.models.list()][:2] == ["auto", "general_knowledge"]
    completion = ai.chat.completions.create(model="auto",
                                            messages=[{"role": "user", "content": "Tell me about this company"}],
                                            extra_body={"context": {"type": "company", "id": "c0004"}})
    assert network.companies["c0004"].description in completion.choices[0].message.content
    assert completion.object == "chat.completion" and completion.usage.completion_tokens > 0
    earlier = [{"role": "user", "content": "Tell me about this company"},  # the conversation so far crosses
               {"role": "assistant", "content": completion.choices[0].message.content}]  # to the agent replica
    stream = ai.chat.completions.create(model="job_assessment", stream=True,
                                        messages=[*earlier, {"role": "user", "content": "Am I a good fit?"}],
                                        extra_body={"context": {"type": "job", "id": "j00002"}, "member_id": "m00001"})
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert "Associate Health Product Manager" in text
    with pytest.raises(openai.NotFoundError, match="unknown agent 'wizard'"):
        ai.chat.completions.create(model="wizard", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize("body, status, code", [
    ("{not json", 400, "invalid_json"),
    ({"query": ""}, 422, "invalid_request"),
    ({"query": "   "}, 422, "empty_query"),
    ({"query": "x" * 2001}, 422, "query_too_long"),
    ({"query": "hi", "context": {"type": "page", "id": "1"}}, 422, "invalid_request"),
    ({"query": "hi", "context": {"type": "job"}}, 422, "missing_context_id"),
    ({"query": "hi", "context": {"type": "job", "id": "j99999"}}, 404, "unknown_job"),
    ({"query": "hi", "context": {"type": "post", "id": "p99999"}}, 404, "unknown_post"),
    ({"query": "hi", "member_id": "m99999"}, 404, "unknown_profile"),
    ({"context": {"type": "none"}}, 422, "invalid_request"),
])
def test_bad_input_gets_a_4xx_that_names_the_problem(client, body, status, code):
    response = client.post("/v1/assist", content=body if isinstance(body, str) else json.dumps(body),
                           headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]


def test_feedback_lands_in_the_conversation_log(client, serve_app):
    from components.conversation_log import ConversationLog

    done = _events(client.post("/v1/assist", json=REQUESTS["general_knowledge"]).text)[-1][1]
    response = client.post("/v1/feedback", json={"turn_id": done["turn_id"], "rating": "down", "comment": "too long"})
    assert response.status_code == 200 and response.json()["status"] == "recorded"
    rows = ConversationLog(serve_app[1].home / "logs").read().filter(turn_id=done["turn_id"]).to_dicts()
    assert rows[0]["feedback_rating"] == "down" and rows[0]["feedback_comment"] == "too long"
    assert client.post("/v1/feedback", json={"turn_id": "nope", "rating": "up"}).status_code == 404
    assert client.post("/v1/feedback", json={"turn_id": done["turn_id"], "rating": "meh"}).status_code == 422


def test_a_page_is_read_through_the_agents_skills_for_the_chat_pages_card(client, network):
    job = client.get("/v1/pages/job/j00002")
    assert job.status_code == 200 and job.json()["record"]["title"] == network.jobs["j00002"].title
    assert job.json()["record"]["company"] == network.jobs["j00002"].company_name
    post = client.get("/v1/pages/post/p00003").json()["record"]
    assert post["author"] == network.posts["p00003"].author_name and post["text"] == network.posts["p00003"].text
    assert client.get("/v1/pages/company/c0004").json()["record"]["name"] == network.companies["c0004"].name
    assert client.get("/v1/pages/profile/m00005").json()["record"]["headline"] == network.members["m00005"].headline
    missing = client.get("/v1/pages/job/j99999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_job"
    assert client.get("/v1/pages/planet/x1").status_code == 422
    assert client.get("/v1/pages/job/j 1").status_code == 422


def test_the_sample_apis_serve_as_their_own_application_for_a_cluster(serve_app, network):
    """infra/serve.yaml's `internal` application (make up runs the APIs as a process instead)."""
    from ray import serve

    from serve.app import build_internal_apis_app

    serve.run(build_internal_apis_app(serve_app[1]), name="internal", route_prefix="/internal")
    try:
        with httpx.Client(base_url=serve_app[0], timeout=30) as http:
            assert http.get("/internal/healthz").json()["jobs"] == len(network.jobs)
            assert http.get("/internal/jobs/j00002").json()["title"] == network.jobs["j00002"].title
    finally:
        serve.delete("internal")


def test_health_and_prometheus_metrics(client):
    client.post("/v1/assist", json=REQUESTS["company_understanding"])
    assert client.get("/healthz").json()["status"] == "ok"
    metrics = client.get("/metrics").text
    for name in ("switchboard_turns_total", "switchboard_ttft_ms_bucket", "switchboard_stage_ms_bucket",
                 "switchboard_skill_calls_total", "switchboard_requests_total", "switchboard_fallbacks_total",
                 "switchboard_trust_actions_total", "switchboard_parse_repairs_total"):
        assert name in metrics, name
    assert 'switchboard_turns_total{agent="company_understanding",outcome="done"}' in metrics


def test_rays_metrics_port_exports_what_each_ingress_replica_counted(client):
    """What a cluster's Prometheus scrapes: every replica's series on Ray's per-node metrics port, tagged."""
    import ray

    client.post("/v1/assist", json=REQUESTS["company_understanding"])
    node = next(node for node in ray.nodes() if node["Alive"])
    url = f"http://{node['NodeManagerAddress']}:{node['MetricsExportPort']}/metrics"
    wanted = {"turn": ('ray_switchboard_turns_total{', 'agent="company_understanding"', 'outcome="done"'),
              "version": ('ray_switchboard_serving_version{', 'item="prompts"'),
              "request": ('ray_switchboard_requests_total{', 'endpoint="/v1/assist"', 'status="200"')}
    deadline = time.monotonic() + 60  # Ray exports every 10 s
    while True:
        lines = httpx.get(url, timeout=10).text.splitlines()
        found = {name: [line for line in lines if line.startswith(parts[0]) and all(p in line for p in parts[1:])]
                 for name, parts in wanted.items()}
        if all(found.values()) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert all(found.values()), {name: bool(lines) for name, lines in found.items()}
    assert all('deployment="ingress"' in line and "replica=" in line for lines in found.values() for line in lines)
    assert float(found["turn"][0].rsplit(" ", 1)[1]) >= 1 and found["version"][0].endswith(" 1.0")


def test_openapi_docs_describe_the_api(client):
    schema = client.get("/openapi.json").json()
    assert {"/v1/assist", "/v1/chat/completions", "/v1/feedback", "/healthz"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 200


# --- overload and failure, on a second application with a slow generator and tight limits ------------


@pytest.fixture(scope="module")
def tight_app(serve_app):
    from ray import serve

    from serve.app import build_app

    url, config = serve_app
    settings = config.model_dump(mode="json")
    settings["engines"]["generator"]["sim"] |= {"ttft_ms": 50, "tbt_ms": 60}
    settings["serve"]["max_turns_in_flight"] = 2
    settings["pipeline"]["budgets"] |= {"stall_s": 5, "generate_s": 60}
    serve.run(build_app(settings), name="tight", route_prefix="/tight")
    yield f"{url}/tight"
    serve.delete("tight")


async def _assist(client: httpx.AsyncClient, url: str) -> httpx.Response:
    return await client.post(f"{url}/v1/assist", json=REQUESTS["company_understanding"])


def test_overload_is_refused_quickly_with_retry_after_and_nothing_hangs(tight_app):
    async def burst():
        async with httpx.AsyncClient(timeout=60) as http:
            started = time.perf_counter()
            responses = await asyncio.gather(*(_assist(http, tight_app) for _ in range(8)))
            return responses, time.perf_counter() - started

    responses, elapsed = asyncio.run(burst())
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) >= 2 and statuses.count(429) >= 1 and set(statuses) <= {200, 429}, statuses
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["retry-after"] == "2" and refused.json()["error"]["code"] == "overloaded"
    assert all(_events(r.text)[-1][0] == "done" for r in responses if r.status_code == 200)
    assert elapsed < 30


def test_a_client_that_hangs_up_mid_answer_stops_the_turn_and_it_is_logged_as_cancelled(tight_app, serve_app):
    from components.conversation_log import ConversationLog

    conversation = f"hangup-{time.time_ns()}"
    with httpx.Client(timeout=60) as http, http.stream(
            "POST", f"{tight_app}/v1/assist",
            json={**REQUESTS["company_understanding"], "conversation_id": conversation}) as response:
        for line in response.iter_lines():
            if line == "event: delta":
                break  # leaving the block closes the connection, seconds before the answer would end
    log, rows = ConversationLog(serve_app[1].home / "logs"), []
    deadline = time.monotonic() + 20
    while not rows and time.monotonic() < deadline:
        time.sleep(0.2)
        frame = log.read()
        rows = frame.filter(frame["conversation_id"] == conversation).to_dicts()
    assert len(rows) == 1, "the turn was not logged"
    assert rows[0]["error_code"] == "cancelled", rows[0]


def test_a_killed_generator_replica_degrades_the_turn_instead_of_failing_it(tight_app, network):
    kill_the_generator_mid_answer(tight_app, "tight", network)


def kill_the_generator_mid_answer(url: str, app: str, network, timeout_s: float = 60) -> None:
    """Kills application `app`'s generator replicas at a company turn's first token: the turn must still end
    in `done`, degraded to the extractive answer (which states the company's description)."""
    import ray

    replicas = [a for a in ray.util.list_named_actors(all_namespaces=True)
                if app in a["name"] and "generator" in a["name"]]
    assert replicas, "no generator replica found"
    with httpx.Client(timeout=timeout_s) as http, http.stream("POST", f"{url}/v1/assist",
                                                              json=REQUESTS["company_understanding"]) as response:
        text, killed = "", False
        for line in response.iter_lines():
            text += line + "\n"
            if line == "event: delta" and not killed:
                for replica in replicas:
                    ray.kill(ray.get_actor(replica["name"], namespace=replica["namespace"]))
                killed = True
    events = _events(text)
    assert killed and events[-1][0] == "done", [n for n, _ in events]
    done = events[-1][1]
    assert done["degraded"] and "generator" in done["degraded"]
    assert network.companies["c0004"].description in done["answer"]
