"""Turn traces in a real MLflow server: spans per stage, session and user, prompt versions, and a server that
goes away costing the turns nothing."""

from __future__ import annotations

import uuid

import pytest

from components.config import load_config
from components.conversation_log import ConversationLog
from components.pipeline import AssistRequest, build_pipeline
from components.stack.local import free_port
from components.tracing import TraceExporter

pytestmark = pytest.mark.integration


def _config(internal_api, home, **settings: str):
    return load_config(environ={"SWITCHBOARD_HOME": str(home), "SWITCHBOARD_APIS__BASE_URL": internal_api,
                                **{f"SWITCHBOARD_{key}": value for key, value in settings.items()}})


async def test_a_turn_is_one_trace_with_its_stages_session_user_and_prompt_versions(mlflow_server, internal_api,
                                                                                   switchboard_home, tmp_path):
    from mlflow import MlflowClient

    from components.pipeline.factory import follow_registry
    from components.versions import VersionStore, sync_all

    prefix, experiment = f"t{uuid.uuid4().hex[:10]}", f"traces-{uuid.uuid4().hex[:8]}"
    sync_all(VersionStore(mlflow_server, prefix=prefix, timeout_s=10))  # the prompt versions the trace links
    config = _config(internal_api, switchboard_home, MLFLOW__TRACKING_URI=mlflow_server, MLFLOW__PREFIX=prefix,
                     MLFLOW__POLL_INTERVAL_S="3600", TRACING__ENABLED="true", TRACING__EXPERIMENT=experiment)
    pipeline = build_pipeline(config, log=ConversationLog(tmp_path / "logs"))
    follower = await follow_registry(pipeline, config)  # serving the champion versions: the ones a trace links
    tracer = pipeline.records.tracer
    request = AssistRequest(query="Am I a good fit for this job?", member_id="m00001", conversation_id="conv-t1",
                            context={"type": "job", "id": "j00002"})
    try:
        events = [event async for event in pipeline.run(request)]
    finally:
        await follower.stop()
    assert events[-1].name == "done"
    turn_id = events[-1].payload()["turn_id"]
    assert tracer.flush(60) and tracer.counts()["exported"] == 1, tracer.counts()

    client = MlflowClient(mlflow_server)
    found = client.search_traces(locations=[client.get_experiment_by_name(experiment).experiment_id],
                                 filter_string=f"tag.`switchboard.turn_id` = '{turn_id}'")
    assert len(found) == 1
    trace = found[0]
    assert trace.info.trace_id == tracer.trace_ids[turn_id]
    assert trace.info.trace_metadata["mlflow.trace.session"] == "conv-t1"
    assert trace.info.trace_metadata["mlflow.trace.user"] == "m00001"
    spans = {span.name: span for span in trace.data.spans}
    assert {"turn", "route", "plan", "retrieve examples", "generate", "skill job_view"} <= set(spans)
    assert spans["route"].outputs["agent"] == "job_assessment"
    assert spans["skill job_view"].inputs == {"job_id": "j00002"}
    assert spans["generate"].outputs["answer"] == events[-1].payload()["answer"]
    root = spans["turn"]
    outside = [(s.name, s.start_time_ns - root.start_time_ns, s.end_time_ns - root.start_time_ns,
                root.end_time_ns - root.start_time_ns) for s in spans.values()
               if not root.start_time_ns <= s.start_time_ns <= s.end_time_ns <= root.end_time_ns]
    assert outside == []
    linked = client.get_trace(trace.info.trace_id).info.tags.get("mlflow.linkedPrompts", "")
    assert f"{prefix}.job_assessment.generator" in linked

    assert await pipeline.feedback(turn_id, "down", "it missed my Python experience")
    assert tracer.flush(60) and tracer.counts()["assessed"] == 1, tracer.counts()
    assessments = client.get_trace(trace.info.trace_id).info.assessments
    rating = next(a for a in assessments if a.name == "member_rating")
    assert rating.value is False and rating.rationale == "it missed my Python experience"
    assert rating.source.source_type == "HUMAN"
    elsewhere = TraceExporter(mlflow_server, experiment)  # another replica took the feedback: found by turn id
    assert elsewhere.submit_feedback(turn_id, "up") and elsewhere.flush(60)
    assert elsewhere.counts()["assessed"] == 1, elsewhere.counts()
    assert len([a for a in client.get_trace(trace.info.trace_id).info.assessments if a.name == "member_rating"]) == 2


async def test_a_dead_tracking_server_costs_the_turns_nothing_and_the_traces_are_counted(internal_api,
                                                                                        switchboard_home, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: every export fails at once
    config = _config(internal_api, switchboard_home, MLFLOW__TRACKING_URI=dead, TRACING__ENABLED="true",
                     TRACING__QUEUE_SIZE="2")
    pipeline = build_pipeline(config, log=ConversationLog(tmp_path / "logs"))
    tracer = pipeline.records.tracer
    for n in range(6):
        events = [e async for e in pipeline.run(AssistRequest(query=f"Tell me about this company ({n})",
                                                              context={"type": "company", "id": "c0017"}))]
        assert events[-1].name == "done"
    assert tracer.flush(60)
    assert tracer.counts()["dropped"] == 6 and tracer.counts()["exported"] == 0
    assert len(ConversationLog(tmp_path / "logs").read()) == 6  # the log, the record of truth, has every turn


def test_sampling_keeps_a_turn_in_or_out_by_its_id_at_about_the_ratio():
    tracer = TraceExporter("http://127.0.0.1:9", sample_ratio=0.1)
    ids = [uuid.UUID(int=n).hex for n in range(5000)]
    chosen = [tracer.sampled(turn_id) for turn_id in ids]
    assert chosen == [tracer.sampled(turn_id) for turn_id in ids]
    assert 400 <= sum(chosen) <= 600
    with pytest.raises(ValueError, match="sample_ratio must be within"):
        TraceExporter("http://127.0.0.1:9", sample_ratio=1.5)


async def test_the_nightly_scores_become_assessments_on_the_traces_of_the_turns_scored(mlflow_server, internal_api,
                                                                                      switchboard_home, tmp_path):
    from mlflow import MlflowClient

    from components.evaluation import load_rubric, score_turn
    from components.tracing import assess_scored_turns

    experiment = f"traces-{uuid.uuid4().hex[:8]}"
    config = _config(internal_api, switchboard_home, MLFLOW__TRACKING_URI=mlflow_server, TRACING__ENABLED="true",
                     TRACING__EXPERIMENT=experiment)
    pipeline = build_pipeline(config, log=ConversationLog(tmp_path / "logs"))
    for query, context in (("Am I a good fit for this job?", {"type": "job", "id": "j00002"}),
                           ("Tell me about this company", {"type": "company", "id": "c0017"})):
        events = [e async for e in pipeline.run(AssistRequest(query=query, context=context, member_id="m00001"))]
        assert events[-1].name == "done"
    assert pipeline.records.tracer.flush(60) and pipeline.records.tracer.counts()["exported"] == 2
    rubric = load_rubric()
    scores = [score_turn(rubric, turn) for turn in ConversationLog(tmp_path / "logs").read().to_dicts()]
    untraced = {**scores[0], "turn_id": "not-traced"}
    assert assess_scored_turns(mlflow_server, experiment, [*scores, untraced]) == {"assessed": 2, "untraced": 1}

    client = MlflowClient(mlflow_server)
    for score in scores:
        trace_id = pipeline.records.tracer.trace_ids[score["turn_id"]]
        found = {a.name: a for a in client.get_trace(trace_id).info.assessments}
        assert {f"nightly.{d}" for d in ("overall_quality", "hallucination", "rai_violation", "coherence",
                                         "style")} <= set(found)
        assert found["nightly.overall_quality"].value == score["overall_quality"]
        assert found["nightly.hallucination"].value == score["hallucination"]
        assert found["nightly.overall_quality"].source.source_type == "CODE"
