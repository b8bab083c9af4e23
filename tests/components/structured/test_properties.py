"""Properties: valid documents round-trip exactly; any chunking of a stream gives parse_yaml's items."""

import json

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from components.structured import ParseError, StreamingListParser, parse_yaml
from components.structured.text import SUSPICIOUS
from tests.components.structured.corpus import CASES
from tests.components.structured.schemas import Assessment, Call, Plan

# Text an LLM could put in a value. Invisible characters and typographic quotes are excluded: the
# parser treats them as artefacts to repair, by design (see components/structured/parse.py).
_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp"),
                              blacklist_characters="\u00a0\u202f\u2007\u2009\u3000\u201c\u201d\u201e\u201f\u2018\u2019"
                                                   "\u201a\u201b\u2032\u2033\u00ab\u00bb"),
                max_size=30)
_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,14}", fullmatch=True)
_SCALAR = st.one_of(_TEXT, st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False, width=32),
                    st.booleans(), st.none())
_PARAMS = st.dictionaries(_NAME, st.one_of(_SCALAR, st.lists(_TEXT, max_size=3)), max_size=4)
_PLANS = st.builds(lambda calls: {"calls": calls},
                   st.lists(st.builds(lambda s, p: {"skill": s, "params": p}, _NAME, _PARAMS), min_size=1, max_size=5))
_ASSESSMENTS = st.fixed_dictionaries({
    "fit_score": st.integers(1, 5), "verdict": st.sampled_from(["strong_fit", "partial_fit", "weak_fit"]),
    "matched": st.lists(_TEXT, max_size=4), "missing": st.lists(_TEXT, max_size=3),
    "next_steps": st.lists(_TEXT, max_size=3), "summary": _TEXT})
_STYLES = st.sampled_from(["block", "flow", "json", "json_indented"])
# Found by hypothesis on a fresh clone: text YAML 1.1 reads as a string (`0E0`), which streamed as a number.
_ZERO_E_ZERO = {"calls": [{"skill": "a", "params": {"a": "0E0"}}]}


def _dump(data: dict, style: str) -> str:
    if style == "block":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if style == "flow":
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=True, allow_unicode=True)
    # UTF-8 as LLMs write it: ensure_ascii would escape astral characters as surrogate pairs, which
    # YAML (unlike JSON) reads as two lone surrogates.
    return json.dumps(data, indent=2 if style == "json_indented" else None, ensure_ascii=False)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PLANS, _STYLES)
@example(_ZERO_E_ZERO, "block")
def test_valid_plans_round_trip_exactly(data, style):
    text = _dump(data, style)
    # The documented exception: JSON-style text with a bare None/True/False is read as Python
    # (null/bool) in free-form fields, because that is what an LLM writing it means.
    assume(not SUSPICIOUS.search(text))
    assert parse_yaml(text, Plan) == Plan.model_validate(yaml.safe_load(text)) == Plan.model_validate(data)


@settings(deadline=None)
@given(_ASSESSMENTS, _STYLES)
def test_valid_assessments_round_trip_exactly(data, style):
    text = _dump(data, style)
    assert parse_yaml(text, Assessment) == Assessment.model_validate(yaml.safe_load(text))


def _stream(text: str, cuts: list[int]) -> list[Call]:
    parser = StreamingListParser(item_schema=Call, field="calls")
    items, position = [], 0
    for size in cuts:
        items += parser.feed(text[position:position + size])
        position += size
    items += parser.feed(text[position:])
    return items + parser.close()


def _expected(text: str) -> list[Call]:
    try:
        return parse_yaml(text, Plan).calls
    except ParseError:
        return []


@settings(deadline=None)
@given(_PLANS, st.sampled_from(["block", "json", "json_indented"]), st.lists(st.integers(1, 40), max_size=60))
@example(_ZERO_E_ZERO, "block", [])
@example(_ZERO_E_ZERO, "block", [3, 7, 1])
@example(_ZERO_E_ZERO, "json", [])
def test_any_chunking_of_a_valid_plan_streams_the_same_items(data, style, cuts):
    text = _dump(data, style)
    assert _stream(text, cuts) == _expected(text)
    if not SUSPICIOUS.search(text):
        assert _expected(text) == Plan.model_validate(data).calls


_PLAN_CASES = [c.text for c in CASES if c.schema is Plan]


@settings(deadline=None)
@given(st.sampled_from(_PLAN_CASES), st.lists(st.integers(1, 25), max_size=80))
def test_any_chunking_of_a_malformed_plan_streams_what_parse_yaml_reads(text, cuts):
    assert _stream(text, cuts) == _expected(text)


# Plain scalars whose YAML 1.1 reading is easy to get wrong: a string that looks like a number, or a
# number that does not look like one. Every path reads each as yaml.safe_load does.
_TRICKY_SCALARS = ["0E0", "1e3", "1e-3", "12e03", "+.5", "1.0e+3", "0x1F", "0o17", "017", "0b101", "1_000", "1:30",
                   ".inf", "-.Inf", "yes", "No", "on", "~", "Null", "2024-01-01", "2024-02-30", "<<", "=", "1.", "-0"]


@pytest.mark.parametrize("literal", _TRICKY_SCALARS)
@pytest.mark.parametrize("style", ["block", "flow", "needs_repair"])
def test_parse_yaml_and_the_stream_read_a_scalar_as_safe_load_does(literal, style):
    text = {"block": f"calls:\n- skill: a\n  params:\n    a: {literal}\n    b: x\n",
            "flow": f"calls: [{{skill: a, params: {{a: {literal}, b: x}}}}]\n",
            "needs_repair": f"```yaml\ncalls:\n- skill: a\n  params:\n    a: {literal}\n    b: x\n```\n"}[style]
    try:
        expected = yaml.safe_load(f"a: {literal}")["a"]
    except (yaml.YAMLError, ValueError):  # safe_load refuses it (`<<`, a 30th of February): the text as written
        expected = literal
    assert parse_yaml(text, Plan).calls[0].params == {"a": expected, "b": "x"}
    assert [c.params for c in _stream(text, [])] == [{"a": expected, "b": "x"}]
    assert [c.params for c in _stream(text, [5] * 40)] == [{"a": expected, "b": "x"}]
