"""The conversation log: atomic per-turn records, feedback updates, crash safety."""

import os
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from components.conversation_log import Conversation, ConversationLog, TurnRecord


def _record(turn_id: str, when: datetime | None = None, **extra) -> TurnRecord:
    fields = {"conversation_id": "c1", "query": "fit?"} | extra
    return TurnRecord(turn_id=turn_id, timestamp=when or datetime.now(UTC), agent="job_assessment",
                      route_confidence=0.9, in_scope=True, context_type="job", context_id="j1",
                      skills=[{"name": "job_view", "status": "done", "latency_ms": 3.0}], stages={"route_ms": 1.0},
                      versions={"router": "r1"}, **fields)


def test_records_are_partitioned_by_day_and_read_back(tmp_path):
    log = ConversationLog(tmp_path)
    today = datetime(2026, 11, 20, 12, tzinfo=UTC)
    log.write(_record("a", today))
    log.write(_record("b", today - timedelta(days=1)))
    assert sorted(p.parent.name for p in tmp_path.glob("day=*/*.parquet")) == ["day=2026-11-19", "day=2026-11-20"]
    assert log.read(today.date())["turn_id"].to_list() == ["a"]
    assert sorted(log.read()["turn_id"].to_list()) == ["a", "b"]


def test_feedback_updates_its_turn_only(tmp_path):
    log = ConversationLog(tmp_path)
    log.write(_record("a"))
    log.write(_record("b"))
    assert log.add_feedback("a", "down", "missed my Spark experience")
    assert not log.add_feedback("zzz", "up")
    rows = {r["turn_id"]: r for r in log.read().to_dicts()}
    assert rows["a"]["feedback_rating"] == "down" and rows["a"]["feedback_comment"] == "missed my Spark experience"
    assert rows["b"]["feedback_rating"] is None


def test_a_crash_mid_write_loses_no_finished_turn_and_leaves_no_torn_record(tmp_path, monkeypatch):
    log = ConversationLog(tmp_path)
    log.write(_record("finished"))

    def crash(*args):
        raise OSError("disk yanked")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        log.write(_record("in-flight"))
    monkeypatch.undo()
    (next(tmp_path.glob("day=*")) / ".torn.tmp").write_bytes(b"PAR1 half a file")
    frame = log.read()
    assert frame["turn_id"].to_list() == ["finished"]
    assert frame.schema["timestamp"] == pl.Datetime("us", "UTC")


def test_empty_log_reads_as_an_empty_table_with_the_schema(tmp_path):
    frame = ConversationLog(tmp_path / "none").read()
    assert frame.height == 0 and "feedback_rating" in frame.columns


def test_files_from_older_and_newer_writers_read_as_one_table(tmp_path):
    import polars as pl

    from components.conversation_log.log import SCHEMA

    log = ConversationLog(tmp_path)
    day = tmp_path / "day=2026-11-01"
    day.mkdir(parents=True)
    row = {name: None for name in SCHEMA.names()} | {"turn_id": "old", "conversation_id": "c", "agent": "x",
                                                     "query": "q", "context_type": "none", "in_scope": True}
    older = pl.DataFrame([row], schema=SCHEMA).drop("dossier", "followups")  # written before those columns
    older.write_parquet(day / "turn-old.parquet")
    newer = pl.DataFrame([row | {"turn_id": "new"}], schema=SCHEMA).with_columns(pl.lit(1).alias("added_later"))
    newer.write_parquet(day / "turn-new.parquet")
    frame = log.read()
    assert sorted(frame["turn_id"].to_list()) == ["new", "old"] and frame.schema == SCHEMA
    assert frame.filter(pl.col("turn_id") == "old")["dossier"].to_list() == [None]


def test_a_conversations_recent_turns_are_what_its_member_was_shown_oldest_first(tmp_path):
    log = ConversationLog(tmp_path)
    for n in range(6):
        log.write(_record(f"t{n}", query=f"question {n}", answer=f"answer {n}"))
    log.write(_record("shadow", query="question 5", answer="the challenger's", shadow_of="t5"))
    log.write(_record("failed", query="question 6", answer="", error_code="internal"))
    assert ConversationLog(tmp_path).recent("c1", 3) == [(f"question {n}", f"answer {n}") for n in (3, 4, 5)]
    assert log.recent("c1", 0) == [] and log.recent("another", 4) == []
    assert log.read().height == 8  # every turn is still logged


def test_a_conversation_id_is_never_a_path_and_a_long_conversation_reads_only_its_end(tmp_path):
    log = ConversationLog(tmp_path / "logs")
    log.write(_record("t1", conversation_id="../../escape", query="q", answer="a"))
    assert not (tmp_path / "escape").exists() and log.recent("../../escape", 4) == [("q", "a")]
    for n in range(300):  # about 1.3 MB: more than the tail a turn reads
        log.write(_record(f"long{n}", conversation_id="long", query=f"q{n}", answer="x" * 4000))
    assert log.recent("long", 2) == [("q298", "x" * 2000), ("q299", "x" * 2000)]


def test_a_history_that_cannot_be_written_costs_the_turn_nothing(tmp_path):
    log = ConversationLog(tmp_path)
    (tmp_path / "conversations").write_text("not a folder")  # as a full or read-only disk would refuse
    log.write(_record("t1", query="q", answer="a"))
    assert log.read()["turn_id"].to_list() == ["t1"]


def test_a_conversation_remembers_the_latest_subject_of_its_last_turns(tmp_path):
    log = ConversationLog(tmp_path)
    for n, subject in enumerate([("company", "c0017"), None, ("job", "j00002"), None]):
        log.write(_record(f"t{n}", conversation_id="c1", query=f"question {n}", answer=f"answer {n}"), subject)
    conversation = log.conversation("c1", 4)
    assert conversation.turns == [(f"question {n}", f"answer {n}") for n in range(4)]
    assert conversation.subject == ("job", "j00002") and conversation.last_subject is None
    assert conversation.last_agent == "job_assessment"
    assert log.conversation("c1", 1) == Conversation([("question 3", "answer 3")], None, "job_assessment", None)
    assert log.conversation("c1", 2).last_subject is None and log.conversation("c1", 3).subject == ("job", "j00002")
    assert log.conversation("unknown", 4) == Conversation()
