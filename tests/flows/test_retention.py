"""retention on real Prefect: deletes what is older than the configured days, reports it as an artifact,
and a dry run deletes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from components.conversation_log import ConversationLog, TurnRecord
from tests.flows.conftest import artifacts_keyed

pytestmark = pytest.mark.integration


def _log_turns(log: ConversationLog, days_ago: list[int]) -> None:
    now = datetime.now(UTC)
    for n, ago in enumerate(days_ago):
        log.write(TurnRecord(conversation_id=f"c{n}", turn_id=f"t{n}", timestamp=now - timedelta(days=ago),
                             query="q", answer="a", agent="general_knowledge", route_confidence=0.9, in_scope=True,
                             context_type="none"))


def test_deletes_days_past_the_configured_retention_and_publishes_what(prefect_api, tmp_path, monkeypatch):
    from flows.retention import retention

    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    monkeypatch.setenv("SWITCHBOARD_RETENTION__KEEP_DAYS", "10")
    log = ConversationLog(tmp_path / "logs")
    _log_turns(log, [30, 12, 9, 0])

    dry = retention(dry_run=True)
    assert len(dry["days"]) == 2 and dry["turn_files"] == 2 and dry["dry_run"]
    assert len(log.read()) == 4
    report = retention()
    assert {k: v for k, v in report.items() if k != "dry_run"} == {k: v for k, v in dry.items() if k != "dry_run"}
    assert sorted(log.read()["turn_id"].to_list()) == ["t2", "t3"]
    published = [a.data for a in asyncio.run(artifacts_keyed("retention"))]
    assert any("deleted what is older than" in text and "| turn records | 2 |" in text for text in published)
    assert any("dry run: nothing was deleted" in text for text in published)

    with pytest.raises(ValueError, match="at least 8"):
        retention(keep_days=3)  # a parameter typed in the UI is checked like the configuration
