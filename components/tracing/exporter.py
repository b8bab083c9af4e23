"""Exports turn traces to MLflow from a thread of its own: the member's turn never waits for it.

`submit` puts a TurnTrace on a bounded queue and returns; a full queue drops the trace and counts it. The
exporter thread makes the trace with MLflow's client (start, a span per stage with the turn's own
timestamps, end), sets its session (the conversation) and user (the member), tags it with the turn id
and links the prompt versions that served. A trace that cannot be made (MLflow down, a bad answer) is
dropped and counted, never raised: the conversation log is the record of truth; tracing is sampled.

    exporter = TraceExporter("http://127.0.0.1:5050", sample_ratio=0.1)
    exporter.submit(turn_trace(state))        # after the turn is logged
    exporter.submit_feedback(turn_id, "down", "wrong salary")   # a human assessment on the turn's trace
    exporter.counts()                         # {'exported': ..., 'dropped': ..., 'skipped': ...}
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass

from components.tracing.spans import TurnTrace

__all__ = ["TraceExporter", "connect", "find_trace"]

log = logging.getLogger(__name__)

_SESSION, _USER = "mlflow.trace.session", "mlflow.trace.user"  # MLflow's TraceMetadataKey values


@dataclass(frozen=True)
class Feedback:
    """A member's thumbs up or down on a turn, for that turn's trace."""

    turn_id: str
    rating: str  # up or down
    comment: str | None = None


class TraceExporter:
    def __init__(self, tracking_uri: str, experiment: str = "switchboard-traces", sample_ratio: float = 1.0,
                 queue_size: int = 1000, prompt_prefix: str = "switchboard", timeout_s: float = 5.0) -> None:
        if not 0.0 <= sample_ratio <= 1.0:
            raise ValueError(f"sample_ratio must be within [0, 1], got {sample_ratio}")
        self.tracking_uri, self.experiment, self.sample_ratio = tracking_uri, experiment, sample_ratio
        self.prompt_prefix, self._timeout_s = prompt_prefix, timeout_s
        self._queue: queue.Queue[TurnTrace | Feedback] = queue.Queue(maxsize=queue_size)
        self._counts = {"exported": 0, "dropped": 0, "skipped": 0, "assessed": 0}
        self._lock = threading.Lock()
        self._client = self._experiment_id = None
        self._prompt_versions: dict[tuple[str, int], object] = {}
        self._last_warning = 0.0
        self.trace_ids: dict[str, str] = {}  # turn id -> trace id, for the turns this process exported (bounded)
        threading.Thread(target=self._run, name="trace-exporter", daemon=True).start()

    def sampled(self, turn_id: str) -> bool:
        """The same turn is always in or out: a hash of its id against the ratio."""
        if self.sample_ratio >= 1.0:
            return True
        draw = int.from_bytes(hashlib.blake2b(turn_id.encode(), digest_size=8).digest(), "big") / 2**64
        return draw < self.sample_ratio

    def submit(self, trace: TurnTrace) -> bool:
        """Queues `trace` if its turn is sampled; False when it was not sampled or the queue was full."""
        if not self.sampled(trace.turn_id):
            self._count("skipped")
            return False
        try:
            self._queue.put_nowait(trace)
            return True
        except queue.Full:
            self._count("dropped")
            return False

    def submit_feedback(self, turn_id: str, rating: str, comment: str | None = None) -> bool:
        """Queues a member's rating for the trace of `turn_id` (a turn not sampled has none)."""
        if not self.sampled(turn_id):
            return False
        try:
            self._queue.put_nowait(Feedback(turn_id, rating, comment))
            return True
        except queue.Full:
            self._count("dropped")
            return False

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Waits until every queued trace is exported or dropped; False on timeout (tests, shutdown)."""
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _warn(self, message: str, *args) -> None:
        if time.monotonic() - self._last_warning > 60:  # once a minute, not once a turn
            self._last_warning = time.monotonic()
            log.warning(message, *args)

    def _count(self, outcome: str) -> None:
        with self._lock:
            self._counts[outcome] += 1

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if isinstance(item, Feedback):
                    self._assess(item)
                    self._count("assessed")
                else:
                    self._export(item)
                    self._count("exported")
            except Exception as exc:  # noqa: BLE001 - a trace that cannot be exported is dropped, never raised
                self._count("dropped")
                self._warn("dropping turn traces: MLflow at %s: %s: %s", self.tracking_uri, type(exc).__name__, exc)
            finally:
                self._queue.task_done()

    def _connect(self):
        if self._client is None:
            self._client, self._experiment_id = connect(self.tracking_uri, self.experiment, self._timeout_s)
        return self._client

    def _export(self, trace: TurnTrace) -> None:
        from mlflow.tracing.trace_manager import InMemoryTraceManager  # with MLflow, in _connect's thread

        client = self._connect()
        start = trace.started_ns
        root = client.start_trace("turn", span_type="CHAIN", inputs=trace.inputs, tags=trace.tags,
                                  experiment_id=self._experiment_id, start_time_ns=start)
        trace_id = root.trace_id
        # Session and user are trace metadata, which MLflow's client API sets only on a trace still in memory
        # (as mlflow.update_current_trace does for the active span's trace).
        with InMemoryTraceManager.get_instance().get_trace(trace_id) as pending:
            pending.info.trace_metadata[_SESSION] = trace.conversation_id
            if trace.member_id:
                pending.info.trace_metadata[_USER] = trace.member_id
        for spec in trace.spans:
            span = client.start_span(spec.name, trace_id=trace_id, parent_id=root.span_id, span_type=spec.span_type,
                                     inputs=spec.inputs or None, attributes=spec.attributes or None,
                                     start_time_ns=start + int(spec.start_ms * 1e6))
            client.end_span(trace_id, span.span_id, outputs=spec.outputs or None,
                            status="OK" if spec.ok else "ERROR", end_time_ns=start + int(spec.end_ms * 1e6))
        client.end_trace(trace_id, outputs=trace.outputs, status="OK" if trace.ok else "ERROR",
                         end_time_ns=start + int(trace.total_ms * 1e6))
        try:
            self._link_prompts(client, trace, trace_id)
        except Exception as exc:  # noqa: BLE001 - the trace is exported; only the link to its prompts is missing
            self._warn("trace %s: prompt versions not linked (later ones may not be either): %s", trace_id, exc)
        if len(self.trace_ids) > 10_000:
            self.trace_ids.clear()
        self.trace_ids[trace.turn_id] = trace_id

    def _assess(self, feedback: Feedback) -> None:
        """The rating as a human assessment on the turn's trace, found by its turn id when another process
        exported it (the agent replica that ran the turn, where this one took the feedback)."""
        import mlflow  # with MLflow, loaded by _connect
        from mlflow.entities import AssessmentSource

        client = self._connect()
        trace_id = self.trace_ids.get(feedback.turn_id) or find_trace(client, self._experiment_id, feedback.turn_id)
        if trace_id is None:
            raise LookupError(f"no trace of turn {feedback.turn_id} (not sampled, or not exported yet)")
        mlflow.log_feedback(trace_id=trace_id, name="member_rating", value=feedback.rating == "up",
                            rationale=feedback.comment, source=AssessmentSource(source_type="HUMAN",
                                                                                source_id="member"))

    def _link_prompts(self, client, trace: TurnTrace, trace_id: str) -> None:
        """The prompt versions that served, linked to the trace: the Prompts page lists the traces of a version."""
        versions = []
        for name, version in trace.prompts:
            key = (f"{self.prompt_prefix}.{name}", version)
            if key not in self._prompt_versions:
                self._prompt_versions[key] = client.get_prompt_version(*key)
            versions.append(self._prompt_versions[key])
        if versions:
            client.link_prompt_versions_to_trace(versions, trace_id)


def connect(tracking_uri: str, experiment: str, timeout_s: float = 5.0):
    """(MlflowClient, experiment id) for traces, the experiment made if it is not there yet."""
    # start-up time: MLflow loads where traces are made (the exporter's thread, the nightly flow), not at import
    import mlflow
    from mlflow import MlflowClient

    # bounded, as the version store's: a down server costs the caller seconds, not minutes of retries
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(int(max(1, timeout_s))))
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    # the exporter's thread is the asynchronous part: MLflow's own export queue would hide a failure from the counts
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    # MLflow's span exporter and assessments go to the process's tracking URI, whatever the client's: this
    # process's traces go to one server, the one configured (nothing else here uses the global)
    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    return client, found.experiment_id if found else client.create_experiment(experiment)


def find_trace(client, experiment_id: str, turn_id: str) -> str | None:
    """The trace id of a turn, by its `switchboard.turn_id` tag; None when it was not traced."""
    found = client.search_traces(locations=[experiment_id], max_results=1, include_spans=False,
                                 filter_string=f"tag.`switchboard.turn_id` = '{turn_id}'")
    return found[0].info.trace_id if found else None
