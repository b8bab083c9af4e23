"""Retention on a real conversation log: what goes, what stays, and that a dry run deletes nothing."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest

from components.conversation_log import ConversationLog, TurnRecord
from components.conversation_log.retention import cutoff_for, prune_evaluations, prune_logs

TODAY = date(2026, 11, 22)


def _turn(log: ConversationLog, conversation: str, turn: str, day: date) -> None:
    stamp = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
    log.write(TurnRecord(conversation_id=conversation, turn_id=turn, timestamp=stamp, query=f"question {turn}",
                         answer=f"answer {turn}", agent="general_knowledge", route_confidence=0.9,
                         in_scope=True, context_type="none"))
    history = log._conversation_path(conversation)
    os.utime(history, (stamp.timestamp(), stamp.timestamp()))  # as if appended that day


@pytest.fixture
def home(tmp_path):
    log = ConversationLog(tmp_path / "logs")
    _turn(log, "old", "t1", TODAY - timedelta(days=40))
    _turn(log, "old", "t2", TODAY - timedelta(days=31))
    _turn(log, "going", "t3", TODAY - timedelta(days=35))  # a conversation still going keeps its first turn
    _turn(log, "going", "t4", TODAY - timedelta(days=2))
    _turn(log, "new", "t5", TODAY - timedelta(days=29))  # the first day kept
    for day in (TODAY - timedelta(days=40), TODAY - timedelta(days=1)):
        night = tmp_path / "eval" / f"day={day.isoformat()}"
        (night / "scores").mkdir(parents=True)
        (night / "scores" / "batch-00000.parquet").write_bytes(b"scores")
        (night / "annotation_queue.jsonl").write_text("{}\n")
        (night / "summary.json").write_text("{}")
    (tmp_path / "logs" / "day=notes").mkdir()  # not a date: not ours to delete
    return tmp_path, log


def test_cutoff_keeps_today_and_the_days_before_it():
    assert cutoff_for(30, TODAY) == TODAY - timedelta(days=29)
    assert cutoff_for(1, TODAY) == TODAY
    with pytest.raises(ValueError, match="at least 1"):
        cutoff_for(0, TODAY)


def test_prune_deletes_days_and_idle_conversations_before_the_cutoff_and_nothing_else(home):
    root, log = home
    cutoff = cutoff_for(30, TODAY)
    pruned = prune_logs(root / "logs", cutoff)
    assert pruned.days == [f"day={(TODAY - timedelta(days=d)).isoformat()}" for d in (40, 35, 31)]
    assert pruned.turn_files == 3 and pruned.conversations == 1
    assert sorted(log.read()["turn_id"].to_list()) == ["t4", "t5"]
    assert log.recent("old", 4) == []
    assert log.recent("going", 4) == [("question t3", "answer t3"), ("question t4", "answer t4")]
    assert log.recent("new", 4) == [("question t5", "answer t5")]
    assert (root / "logs" / "day=notes").is_dir()

    prune_evaluations(root / "eval", cutoff, pruned)
    old_night = root / "eval" / f"day={(TODAY - timedelta(days=40)).isoformat()}"
    assert sorted(p.name for p in old_night.iterdir()) == ["summary.json"]  # the trend keeps its history
    recent_night = root / "eval" / f"day={(TODAY - timedelta(days=1)).isoformat()}"
    assert (recent_night / "scores" / "batch-00000.parquet").exists()
    assert pruned.evaluation_days == [old_night.name]
    assert prune_logs(root / "logs", cutoff).as_dict() == {"cutoff": cutoff.isoformat(), "days": [],
                                                           "turn_files": 0, "conversations": 0,
                                                           "evaluation_days": []}


def test_a_dry_run_reports_the_same_and_deletes_nothing(home):
    root, log = home
    cutoff = cutoff_for(30, TODAY)
    before = sorted(str(p) for p in root.rglob("*"))
    dry = prune_evaluations(root / "eval", cutoff, prune_logs(root / "logs", cutoff, dry_run=True), dry_run=True)
    assert sorted(str(p) for p in root.rglob("*")) == before
    real = prune_evaluations(root / "eval", cutoff, prune_logs(root / "logs", cutoff))
    assert dry.as_dict() == real.as_dict()
