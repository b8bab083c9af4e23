"""The promotion's evaluation pieces on the extractive pipeline: a sample per agent, conversations run at once
in the same order as one by one, and who wrote each answer."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from components.config import load_config
from components.conversation_log import ConversationLog
from components.evaluation.conversations import run_conversations
from components.evaluation.validation_set import load_validation_set
from components.pipeline import build_pipeline
from components.promotion import Candidate, answered_by, measure, promotion_report, run_validation, validation_sample


def test_a_sample_takes_the_first_conversations_of_each_agent_in_the_files_order():
    everything = load_validation_set()
    assert validation_sample(None) == everything
    sample = validation_sample(2)
    assert Counter(c["agent"] for c in sample) == dict.fromkeys({c["agent"] for c in everything}, 2)
    for agent in {c["agent"] for c in everything}:
        assert [c["id"] for c in sample if c["agent"] == agent] == [c["id"] for c in everything
                                                                     if c["agent"] == agent][:2]
    posts = validation_sample(agents=["post_takeaways"])
    assert posts == [c for c in everything if c["agent"] == "post_takeaways"]
    declined = next(c for c in everything if c["agent"] == "out_of_scope")
    assert validation_sample(1, ["post_takeaways", "out_of_scope"]) == sorted(
        [posts[0], declined], key=everything.index)  # the file's order


def test_an_agent_the_validation_set_does_not_have_is_refused_at_load():
    with pytest.raises(Exception, match=r"unknown agents \['job_asessment'\]"):
        load_config(environ={"SWITCHBOARD_PROMOTION__AGENTS": '["job_asessment"]'})


@pytest.fixture
def pipeline(internal_api, tmp_path):
    config = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_APIS__BASE_URL": internal_api})
    return build_pipeline(config, log=ConversationLog(tmp_path / "logs"))


def test_conversations_at_once_come_back_in_the_order_they_would_one_by_one(pipeline):
    conversations = [c for c in validation_sample(1) if len(c["turns"]) == 1] + [
        next(c for c in load_validation_set() if len(c["turns"]) == 2)]
    one_by_one = asyncio.run(run_conversations(pipeline, conversations, repeats=2))
    at_once = asyncio.run(run_conversations(pipeline, conversations, repeats=2, concurrency=8))
    assert [t.key for t in at_once] == [t.key for t in one_by_one]
    assert len(at_once) == 2 * sum(len(c["turns"]) for c in conversations)
    assert all(t.done is not None for t in at_once)
    # a conversation's second turn still carries its first: the same conversation id on both
    first, second = (t for t in at_once if t.key.startswith(f"{conversations[-1]['id']}/") and t.key.endswith("/0"))
    assert first.done.conversation_id == second.done.conversation_id


def test_each_scored_turn_says_who_wrote_its_answer_and_the_report_counts_them(pipeline):
    rows = asyncio.run(run_validation(pipeline, validation_sample(1), repeats=1, concurrency=4))
    counts = answered_by(rows)
    declined = sum(1 for c in validation_sample(1) for t in c["turns"] if t["expected_agent"] == "out_of_scope")
    # the extractive engine is the generator here: nothing fell back; out-of-scope turns had no answer to write
    assert counts["fallback"] == counts["error"] == 0 and counts["none"] >= declined
    assert counts["generator"] + counts["none"] == len(rows)
    summary = measure(rows)
    assert summary["answered_by"] == counts
    decision = {"promoted": False, "gates": [], "migration": {}, "champion": summary, "candidate": summary}
    report = promotion_report(Candidate(prompts={"job_assessment.generator": 2}), decision)
    assert f"| candidate | {counts['generator']} | 0 | {counts['none']} | 0 |" in report
