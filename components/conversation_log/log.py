"""The conversation log: one record per turn, Parquet, partitioned by day under $SWITCHBOARD_HOME/logs/.

Each turn is its own file, `day=YYYY-MM-DD/turn-<turn_id>.parquet`, written to a temporary name,
fsynced and renamed into place: a crash leaves at most a `.tmp` file that readers skip, never a torn
record. Feedback rewrites its turn's file the same way. The nightly flows compact days into larger
files; readers use `polars.scan_parquet` with hive partitioning either way.

Each answered turn is also appended, as one JSON line, to its conversation's file under
`conversations/`, so the next turn's prompt can show the conversation so far whichever replica serves
it: an agent replica's memory held only the turns that replica had answered, and the production
manifest runs two or more.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, Field

__all__ = ["SCHEMA", "Conversation", "ConversationLog", "TurnRecord"]

logger = logging.getLogger(__name__)

_REMEMBERED_ANSWER_CHARS = 2000  # a prompt shows 400 of each earlier answer
_HISTORY_TAIL_BYTES = 256 * 1024


@dataclass(frozen=True)
class Conversation:
    """The last turns of a conversation as its history file holds them."""

    turns: list[tuple[str, str]] = field(default_factory=list)  # (query, answer), oldest first
    subject: tuple[str, str] | None = None  # the (type, id) the latest of them that was about one thing was about
    last_agent: str | None = None  # the agent that answered the last turn
    last_subject: tuple[str, str] | None = None  # what the last turn was about, if it was about one thing


def _subject(value: Any) -> tuple[str, str] | None:
    ok = isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
    return (value[0], value[1]) if ok else None


class TurnRecord(BaseModel):
    conversation_id: str
    turn_id: str
    timestamp: datetime
    member_id: str | None = None
    agent: str
    route_confidence: float
    in_scope: bool
    query: str
    context_type: str
    context_id: str | None = None
    plan_text: str = ""
    plan_source: str = Field("none", description="planner, default (fallback) or none")
    plan_repairs: list[str] = Field(default_factory=list)
    skills: list[dict[str, Any]] = Field(default_factory=list, description="name, params, status, latency_ms, error")
    dossier: list[dict[str, Any]] = Field(default_factory=list,
                                          description="What the skills returned (skill, params, data): the facts "
                                                      "the answer may use, kept so evaluators judge groundedness")
    example_ids: list[str] = Field(default_factory=list)
    answer: str = ""
    followups: list[str] = Field(default_factory=list)
    attachments: list[dict[str, Any]] = Field(default_factory=list)
    trust_action: str = "allow"
    trust_category: str | None = None
    degraded: str | None = None
    failed_skills: list[str] = Field(default_factory=list, description="Skills that failed for a reason other than "
                                                                       "'not found' (unreachable, timeout, 5xx)")
    partial: bool = Field(False, description="Answered without what failed_skills would have said")
    error_code: str | None = None
    error_message: str | None = None
    ttft_ms: float | None = None
    tbt_ms: float | None = None
    total_ms: float = 0.0
    stages: dict[str, float] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    shadow_of: str | None = Field(None, description="Set on a shadow turn (the challenger's answer, never shown): "
                                                   "the live turn it answered beside")
    feedback_rating: str | None = None
    feedback_comment: str | None = None
    feedback_at: datetime | None = None


# Explicit, so a day of files with and without feedback reads as one table.
SCHEMA = pl.Schema({
    "conversation_id": pl.String, "turn_id": pl.String, "timestamp": pl.Datetime("us", "UTC"),
    "member_id": pl.String, "agent": pl.String, "route_confidence": pl.Float64, "in_scope": pl.Boolean,
    "query": pl.String, "context_type": pl.String, "context_id": pl.String, "plan_text": pl.String,
    "plan_source": pl.String, "plan_repairs": pl.List(pl.String), "skills": pl.String, "dossier": pl.String,
    "example_ids": pl.List(pl.String),
    "answer": pl.String, "followups": pl.List(pl.String), "attachments": pl.String, "trust_action": pl.String,
    "trust_category": pl.String,
    "degraded": pl.String, "failed_skills": pl.List(pl.String), "partial": pl.Boolean, "error_code": pl.String,
    "error_message": pl.String, "ttft_ms": pl.Float64,
    "tbt_ms": pl.Float64, "total_ms": pl.Float64, "stages": pl.String, "versions": pl.String,
    "shadow_of": pl.String, "feedback_rating": pl.String, "feedback_comment": pl.String,
    "feedback_at": pl.Datetime("us", "UTC"),
})
_JSON_COLUMNS = ("skills", "dossier", "attachments", "stages", "versions")


def _row(record: TurnRecord) -> dict[str, Any]:
    row = record.model_dump()
    for column in _JSON_COLUMNS:
        row[column] = json.dumps(row[column], default=str)
    return row


class ConversationLog:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, turn_id: str, day: date) -> Path:
        return self.root / f"day={day.isoformat()}" / f"turn-{turn_id}.parquet"

    def _write_atomically(self, frame: pl.DataFrame, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                frame.write_parquet(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write(self, record: TurnRecord, subject: tuple[str, str] | None = None) -> Path:
        """Logs `record`; an answered turn also joins its conversation's history, with `subject` (the
        (type, id) of what it was about, when it was about one thing) for a follow-up that refers back."""
        path = self._path(record.turn_id, record.timestamp.astimezone(UTC).date())
        self._write_atomically(pl.DataFrame([_row(record)], schema=SCHEMA), path)
        if record.error_code is None and record.shadow_of is None:  # what the member was shown
            try:
                self._remember(record, subject)
            except OSError as exc:  # the record is safe; a follow-up loses this turn's context, not the turn
                logger.warning("turn %s: not added to its conversation's history: %s", record.turn_id, exc)
        return path

    def _conversation_path(self, conversation_id: str) -> Path:
        key = hashlib.sha256(conversation_id.encode()).hexdigest()  # the id is the client's: never a path
        return self.root / "conversations" / key[:2] / f"{key}.jsonl"

    def _remember(self, record: TurnRecord, subject: tuple[str, str] | None) -> None:
        path = self._conversation_path(record.conversation_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        turn = {"turn_id": record.turn_id, "query": record.query, "answer": record.answer[:_REMEMBERED_ANSWER_CHARS],
                "agent": record.agent}
        if subject is not None:
            turn["subject"] = list(subject)
        line = json.dumps(turn, ensure_ascii=False) + "\n"
        # One O_APPEND write: two replicas answering turns of one conversation never interleave a line.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def recent(self, conversation_id: str, turns: int) -> list[tuple[str, str]]:
        """The last `turns` (query, answer) pairs answered in this conversation, oldest first."""
        return self.conversation(conversation_id, turns).turns

    def conversation(self, conversation_id: str, turns: int) -> Conversation:
        """The last `turns` answered turns of this conversation, and what they were about."""
        if turns <= 0:
            return Conversation()
        try:
            with self._conversation_path(conversation_id).open("rb") as file:
                size = file.seek(0, os.SEEK_END)
                file.seek(max(0, size - _HISTORY_TAIL_BYTES))  # a long conversation: only its end is read
                lines = file.read().split(b"\n")
        except FileNotFoundError:
            return Conversation()
        if size > _HISTORY_TAIL_BYTES:
            lines = lines[1:]  # the read began inside a line
        kept = []
        for line in lines:
            try:
                turn = json.loads(line)
                kept.append(((str(turn["query"]), str(turn["answer"])), _subject(turn.get("subject")),
                             turn.get("agent") if isinstance(turn.get("agent"), str) else None))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # the empty tail after the last newline, or a line a crash cut short
        kept = kept[-turns:]
        if not kept:
            return Conversation()
        subjects = [subject for _, subject, _ in kept if subject is not None]
        _, last_subject, last_agent = kept[-1]
        return Conversation([pair for pair, _, _ in kept], subjects[-1] if subjects else None, last_agent, last_subject)

    def find_path(self, turn_id: str) -> Path | None:
        return next(iter(sorted(self.root.glob(f"day=*/turn-{turn_id}.parquet"))), None)

    def add_feedback(self, turn_id: str, rating: str, comment: str | None = None) -> bool:
        """Records feedback on a logged turn; False when no such turn was logged."""
        path = self.find_path(turn_id)
        if path is None:
            return False
        frame = pl.read_parquet(path)
        frame = frame.with_columns(  # a record written before a column existed gains it, empty
            pl.lit(None, dtype).alias(name) for name, dtype in SCHEMA.items() if name not in frame.columns)
        frame = frame.with_columns(
            pl.lit(rating, pl.String).alias("feedback_rating"), pl.lit(comment, pl.String).alias("feedback_comment"),
            pl.lit(datetime.now(UTC), pl.Datetime("us", "UTC")).alias("feedback_at"))
        self._write_atomically(frame.select(SCHEMA.names()).cast(dict(SCHEMA)), path)
        return True

    def scan(self, day: date | None = None) -> pl.LazyFrame:
        pattern = f"day={day.isoformat()}/turn-*.parquet" if day else "day=*/turn-*.parquet"
        files = sorted(self.root.glob(pattern))
        if not files:
            return pl.LazyFrame(schema=SCHEMA)
        # Files written before a column existed read it as null; columns a newer writer added are ignored.
        return pl.scan_parquet(files, schema=SCHEMA, missing_columns="insert", extra_columns="ignore")

    def read(self, day: date | None = None) -> pl.DataFrame:
        return self.scan(day).collect()
