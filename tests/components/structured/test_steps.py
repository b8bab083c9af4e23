"""Each named repair step on its own, then each repair name as the pipeline reports it."""

import pytest

from components.structured import parse_yaml_report
from components.structured.lenient import parse_block_yaml, parse_json
from components.structured.report import Repairs
from components.structured.text import (
    expand_tabs,
    extract_payload,
    normalize_key,
    normalize_newlines,
    remove_invisible_characters,
    straighten_quotes,
    strip_bom,
)
from components.structured.tree import Scalar, plain
from components.structured.yaml_lines import (
    bold_keys,
    join_continuations,
    markdown_lists,
    missing_dashes,
    space_after_colon,
)
from tests.components.structured.schemas import Assessment, Company, Intent, JobFilter, Plan, Settings

# --- character steps ---------------------------------------------------------------------------------

def test_strip_bom():
    assert strip_bom("\ufeffa: 1") == "a: 1" and strip_bom("a: 1") == "a: 1"


def test_normalize_newlines():
    assert normalize_newlines("a: 1\r\nb: 2\rc: 3") == "a: 1\nb: 2\nc: 3"


def test_remove_invisible_characters():
    assert remove_invisible_characters("ke\u200by:\u00a0v\u2060al") == "key: val"


def test_straighten_quotes_only_where_they_delimit():
    assert straighten_quotes("a: \u201cx\u201d") == 'a: "x"'
    assert straighten_quotes("summary: He said \u201cgreat\u201d today") == "summary: He said \u201cgreat\u201d today"
    assert straighten_quotes("{\u201ca\u201d: \u2018b\u2019}") == "{\"a\": 'b'}"


def test_expand_tabs():
    assert expand_tabs("a:\n\tb:\t1") == "a:\n  b: 1"


def test_normalize_key():
    assert [normalize_key(k) for k in ("minSalary", "min-salary", "Min Salary", "**min_salary**", "MIN_SALARY")] == [
        "min_salary"] * 5


# --- payload extraction -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, payload, repairs", [
    ("```yaml\na: 1\n```", "a: 1", ["code_fence"]),
    ("```\na: 1\n```\n```\na: 2\n```", "a: 1", ["code_fence", "repeated_block"]),
    ("```yaml\na: 1\n", "a: 1", ["code_fence"]),
    ("Here you go:\n\ncalls:\n  - x\n\nAnything else?", "calls:\n  - x", ["surrounding_prose"]),
    ("---\na: 1\n...", "a: 1", ["document_markers"]),
    ('The JSON is {"a": [1, 2]} as asked.', '{"a": [1, 2]}', ["surrounding_prose"]),
    ("calls:\n- a\ncalls:\n- a", "calls:\n- a", ["repeated_block"]),
])
def test_extract_payload(text, payload, repairs):
    found: list[str] = []
    assert extract_payload(text, {"calls"}, found) == payload
    assert found == repairs


# --- line steps ------------------------------------------------------------------------------------------

def test_bold_keys():
    assert bold_keys(["**next steps**: x", "- **skill:** y", "plain: **bold** value"]) == [
        "next steps: x", "- skill: y", "plain: **bold** value"]


def test_markdown_lists():
    assert markdown_lists(["* a", "  • b", "+ c", "1. d", "  2) e", "*emphasis*"]) == [
        "- a", "  - b", "- c", "- d", "  - e", "*emphasis*"]


def test_space_after_colon():
    assert space_after_colon(["job_id:j1", "  - skill:x", "url: http://a", "t: 12:30", "a:[1]"]) == [
        "job_id: j1", "  - skill: x", "url: http://a", "t: 12:30", "a:[1]"]


def test_join_continuations():
    assert join_continuations(["summary: a long", "line of text", "next: 1"]) == [
        "summary: a long line of text", "next: 1"]
    assert join_continuations(["- reason: because", "  it is", "- b"]) == ["- reason: because it is", "- b"]
    assert join_continuations(["a: |", "  block"]) == ["a: |", "  block"]


def test_missing_dashes():
    lines = ["calls:", "  - skill: a", "    params: {}", "  skill: b", "    params: {}", "other: 1"]
    assert missing_dashes(lines) == ["calls:", "  - skill: a", "    params: {}", "  - skill: b", "    params: {}",
                                     "other: 1"]


# --- lenient parsers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, repair", [
    ("a: b: c", {"a": "b: c"}, "unquoted_special_value"),
    ("a: @x", {"a": "@x"}, "unquoted_special_value"),
    ('a: "open', {"a": "open"}, "unbalanced_quote"),
    ("a:\n  b: 1\n   c: 2", {"a": {"b": 1, "c": 2}}, "inconsistent_indentation"),
    ("a:\n  - 1\n   - 2", {"a": [1, 2]}, "inconsistent_indentation"),
    ("a: first\nsecond line\nb: 1", {"a": "first second line", "b": 1}, "continuation_line"),
])
def test_block_parser(text, value, repair):
    repairs = Repairs()
    assert plain(parse_block_yaml(text, repairs)) == value
    assert repair in repairs


def test_block_parser_block_scalars():
    assert plain(parse_block_yaml("a: |\n  x\n  y\nb: 1", Repairs())) == {"a": "x\ny", "b": 1}


@pytest.mark.parametrize("text, value, repair", [
    ('{"a": 1 // one\n}', {"a": 1}, "json_comments"),
    ("{'a': 'b'}", {"a": "b"}, "single_quotes"),
    ('{"a": True, "b": None}', {"a": True, "b": None}, "python_literals"),
    ('{a: "b"}', {"a": "b"}, "unquoted_keys"),
    ('{"a": [1, 2,],}', {"a": [1, 2]}, "trailing_commas"),
    ('{"a": [1, 2', {"a": [1, 2]}, "missing_closers"),
    ('[{"a": 1}, {"a": 2', [{"a": 1}], "dropped_truncated_item"),
    ('{"a": 1, "a": 2}', {"a": 2}, "duplicate_key"),
])
def test_json_parser(text, value, repair):
    repairs = Repairs()
    assert plain(parse_json(text, repairs)) == value
    assert repair in repairs


def test_scalars_keep_their_written_text():
    node = parse_block_yaml("a: NO\nb: 1.10", Repairs())
    assert node == {"a": Scalar("NO"), "b": Scalar("1.10")} and plain(node) == {"a": False, "b": 1.1}


# --- every repair name as the pipeline reports it ----------------------------------------------------------

@pytest.mark.parametrize("repair, schema, text", [
    ("strip_bom", Intent, "\ufeffintent: job_search\nconfidence: 1\n"),
    ("normalize_newlines", Intent, "Intent: job_search\r\nconfidence: 1\r\n"),
    ("remove_invisible_characters", Intent, "intent: job\u200b_search\nconfidence: 1\n"),
    ("straighten_quotes", Intent, "intent: \u201cjob_search\u201d\nconfidence: 1\n"),
    ("expand_tabs", Intent, "intent:\tJob Search\nconfidence:\t1\n"),
    ("code_fence", Intent, "```\nintent: job_search\nconfidence: 1\n```"),
    ("surrounding_prose", Intent, "Sure:\n\nintent: job_search\nconfidence: 1\n\nThanks"),
    ("document_markers", Intent, "---\nintent: job_search\nconfidence: 1\n---\n"),
    ("repeated_block", Intent, "```\nintent: job_search\nconfidence: 1\n```\n" * 2),
    ("bold_keys", Intent, "**intent**: job_search\n**confidence**: 1\n"),
    ("markdown_lists", Assessment, "fit_score: 3\nverdict: weak_fit\nmatched:\n  * a\nsummary: s\n"),
    ("space_after_colon", Intent, "intent:job_search\nconfidence: 1\n"),
    ("join_continuations", Assessment, "fit_score: 3\nverdict: weak_fit\nmatched: [a]\nsummary: s\nmore\n"),
    ("missing_dashes", Plan, "calls:\n  - skill: a\n    params: {}\n  skill: b\n    params: {}\n"),
    ("wrapper_key", Intent, "result:\n  intent: job_search\n  confidence: 1\n"),
    ("key_style", JobFilter, "minSalary: 1\n"),
    ("key_synonym", Plan, "calls:\n  - tool: a\n"),
    ("key_wrong_depth", Company, "name: A\ncity: B\ncountry: C\n"),
    ("extra_keys_dropped", Settings, "version: '1'\nversoin: 2\nnote: x: y\n"),
    ("number_text", JobFilter, "min_salary: $5k\n"),
    ("yes_no_bool", JobFilter, "remote: yep\n"),
    ("null_word", JobFilter, "min_salary: N/A\n"),
    ("scalar_to_list", JobFilter, "keywords: python\nremote: maybe\nremote: y\n"),
    ("comma_separated_list", JobFilter, "keywords: a, b\nremote: y\n"),
    ("one_item_list_to_scalar", Intent, "intent: [job_search]\nconfidence: 1\n"),
    ("enum_normalized", Intent, "intent: Job Search\nconfidence: 1\n"),
    ("scalar_kept_as_string", Settings, "version: 1.10\n"),
    ("mapping_read_as_text", Assessment, "fit_score: 3\nverdict: weak_fit\nmatched:\n  - a: b\nsummary: s\n"),
    ("duplicate_key", Intent, "intent: career_advice\nIntent: Job Search\nconfidence: 1\n"),
    ("unquoted_special_value", Assessment, "fit_score: 3\nverdict: weak_fit\nmatched: [a]\nsummary: a: b\n"),
    ("unbalanced_quote", Intent, "intent: job_search\"\nconfidence: 1\n"),
    ("missing_commas", Intent, '{"intent": "job_search"\n "confidence": 1}'),
    ("dropped_truncated_item", Plan, '{"calls": [{"skill": "a"}, {"skill": "b", "params": {"x'),
])
def test_repair_is_reported(repair, schema, text):
    assert repair in parse_yaml_report(text, schema).repairs
