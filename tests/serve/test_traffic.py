"""`switchboard traffic` against the Serve app: realistic turns, follow-ups and feedback, all logged."""

from __future__ import annotations

import asyncio

import pytest

from components.conversation_log import ConversationLog
from components.evaluation.traffic import replay

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_traffic_replays_questions_follow_ups_and_feedback(serve_app, network):
    url, config = serve_app
    before = ConversationLog(config.home / "logs").read().height
    report = asyncio.run(replay(url, 24, network, seed=5, concurrency=3))
    assert report.errors == [] and report.turns == 24
    assert report.follow_ups >= 1 and report.feedback >= 1 and len(report.agents) >= 3
    log = ConversationLog(config.home / "logs").read()
    assert log.height - before == 24
    assert log["feedback_rating"].is_not_null().sum() >= report.feedback
    assert log["query"].str.strip_chars().str.len_chars().min() > 0  # noisy (typos, fragments) but never empty
