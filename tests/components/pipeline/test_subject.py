"""Which follow-ups refer back to what the conversation was about, and what a turn was about."""

import pytest

from components.pipeline.subject import continues, refers_back, subject_of
from components.skills import SkillResult


@pytest.mark.parametrize("query", ["Is it hiring?", "Who works there?", "Are they hiring?", "What does that role pay?",
                                   "How big is this company?", "What do I need for it?", "Can I apply there?"])
def test_follow_ups_that_point_back_and_name_nothing_refer_back(query):
    assert refers_back(query)


@pytest.mark.parametrize("query", ["What does Meridianpoint Bank do?", "Is Curapeak hiring too?",
                                   "How do I negotiate salary?", "Tell me more", "Are they hiring in Berlin?",
                                   "Which jobs match my profile?"])
def test_questions_that_name_something_or_point_at_nothing_do_not(query):
    assert not refers_back(query)


def _lookup(status: str, data) -> SkillResult:
    return SkillResult(skill="company_lookup", params={"company_name": "x"}, status=status, latency_ms=1.0, data=data)


def test_a_turn_is_about_its_page_or_else_the_company_its_question_named():
    found = _lookup("done", {"id": "c0017", "name": "Meridianpoint Bank"})
    assert subject_of("job", "j00002", [found]) == ("job", "j00002")
    assert subject_of("none", None, [found]) == ("company", "c0017")
    assert subject_of("none", None, [_lookup("failed", None)]) is None
    assert subject_of("none", None, []) is None


@pytest.mark.parametrize("query", ["Tell me more", "What else?", "Why?", "Can you elaborate?", "Go on",
                                   "Anything else I should know?", "Can you give an example?", "What does that mean?"])
def test_follow_ups_with_no_topic_of_their_own_continue(query):
    assert continues(query)


@pytest.mark.parametrize("query", ["And the salary?", "Is it hiring?", "Tell me more about Curapeak",
                                   "What else is Acme known for?", "How do I negotiate salary?", "", "?"])
def test_questions_with_a_topic_do_not(query):
    assert not continues(query)
