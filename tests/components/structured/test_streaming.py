"""StreamingListParser emits each item as soon as it is complete, and never raises mid-stream."""

import pytest

from components.structured import StreamingListParser
from tests.components.structured.corpus import PLAN_YAML
from tests.components.structured.schemas import Call


def _parser() -> StreamingListParser:
    return StreamingListParser(item_schema=Call, field="calls")


def test_an_item_is_emitted_when_the_next_one_starts():
    parser = _parser()
    lines = PLAN_YAML.splitlines(keepends=True)
    emitted = [parser.feed(line) for line in lines]
    first_item_done = lines.index("  - skill: profile_view\n")
    assert all(batch == [] for batch in emitted[:first_item_done])
    assert [c.skill for c in emitted[first_item_done]] == ["job_view"]
    assert [c.skill for c in parser.close()] == ["profile_view"]


def test_the_last_item_is_emitted_when_the_list_ends_before_the_stream():
    parser = _parser()
    emitted = parser.feed(PLAN_YAML) + parser.feed("reason: read the job, then the profile\n")
    assert [c.skill for c in emitted] == ["job_view", "profile_view"]
    assert parser.close() == []


def test_a_closing_fence_ends_the_list():
    parser = _parser()
    assert [c.skill for c in parser.feed(f"```yaml\n{PLAN_YAML}```\n")] == ["job_view", "profile_view"]


def test_json_items_are_emitted_at_their_closing_brace():
    parser = _parser()
    assert parser.feed('{"calls": [{"skill": "job_view", "params": {"job_id": "j1"}') == []
    assert [c.skill for c in parser.feed("}")] == ["job_view"]
    assert parser.feed(', {"skill": "web_search", "params": {}}') != []
    assert parser.close() == []


def test_one_character_at_a_time():
    parser = _parser()
    items = [item for ch in PLAN_YAML for item in parser.feed(ch)] + parser.close()
    assert [(c.skill, c.params) for c in items] == [("job_view", {"job_id": "j00042"}),
                                                    ("profile_view", {"member_id": "m00007"})]


def test_repairs_are_the_same_as_parse_yaml():
    parser = _parser()
    parser.feed("```yaml\ncalls:\n  * tool: job_view\n    params:\n      job_id:j1\n```")
    parser.close()
    assert {"code_fence", "markdown_lists", "space_after_colon", "key_synonym"} <= set(parser.repairs)


def test_an_unreadable_item_is_reported_not_emitted_and_does_not_stop_the_rest():
    parser = _parser()
    items = parser.feed("calls:\n  - params: {job_id: j1}\n  - skill: web_search\n    params: {query: x}\n")
    items += parser.close()
    assert [c.skill for c in items] == ["web_search"]
    assert len(parser.errors) == 1 and parser.errors[0].field == "calls.0.skill"


def test_a_refusal_ends_with_no_items_and_one_error():
    parser = _parser()
    assert parser.feed("I'm sorry, I can't help with that.\n") == []
    assert parser.close() == []
    assert len(parser.errors) == 1 and "refused" in str(parser.errors[0])


def test_feed_after_close_is_a_programming_error():
    parser = _parser()
    parser.close()
    with pytest.raises(RuntimeError):
        parser.feed("calls: []")


@pytest.mark.parametrize("text", ["# Plan for the question\n", "# step 1\n# step 2\n"])
def test_a_stream_of_comments_alone_is_no_content_not_a_crash(text):
    # SmolLM2 wrote such a plan: the parser raised AttributeError from close() (the planner stage caught it)
    parser = _parser()
    assert parser.feed(text) == [] and parser.close() == []
    assert parser.errors and "no structured content" in str(parser.errors[-1])
