"""Attachments: a card for each record the answer mentions, and none for what it leaves out."""

from components.engines import Grounding
from components.pipeline.attachments import attachments_for
from components.skills import SkillResult


def _search(*jobs: tuple[str, str, str]) -> SkillResult:
    data = [{"id": job_id, "title": title, "company": company} for job_id, title, company in jobs]
    return SkillResult(skill="job_search", params={}, status="done", data=data, latency_ms=1)


def test_a_searched_job_is_attached_when_the_answer_lists_it_and_not_for_its_title_alone():
    """Five 'Associate Program Manager' postings were attached to an answer that listed three."""
    search = _search(("j1", "Associate Program Manager", "Scholarpeak Academy"),
                     ("j2", "Associate Program Manager", "Brightgrove Education"),
                     ("j3", "Associate Program Manager", "Kitegate Institute"))
    answer = ("Roles that fit:\n- Associate Program Manager at Scholarpeak Academy (Denver, CO)\n"
              "- **Associate Program Manager** at **Brightgrove Education** (Remote)")
    cards = attachments_for(answer, Grounding("career_advice", "q", results=(search,)), links="http://x")
    assert [(c.kind, c.id, c.url) for c in cards] == [("job", "j1", "http://x/jobs/j1"), ("job", "j2", "http://x/jobs/j2")]


def test_a_record_the_answer_does_not_mention_gets_no_card():
    search = _search(("j1", "Data Engineer", "Stackpeak Labs"))
    assert attachments_for("Keep learning SQL.", Grounding("career_advice", "q", results=(search,))) == []
