"""The hand-written corpus: exact parsed values, refusals that name the field, no repairs on valid input."""

from collections import Counter

import pytest
import yaml

from components.structured import ParseError, parse_yaml, parse_yaml_report
from tests.components.structured.corpus import CASES, Refuse

MALFORMED_CLASSES = ("wrap", "chars", "syntax", "json", "fit", "cut", "mixed")


def test_corpus_size_and_coverage():
    kinds = Counter(case.kind.split("/")[0] for case in CASES)
    assert sum(kinds[k] for k in MALFORMED_CLASSES) >= 150
    assert kinds["valid"] >= 5 and kinds["refuse"] >= 10
    subclasses = Counter(case.kind.split("/")[1].split("_")[0] for case in CASES)
    assert all(count >= 1 for count in subclasses.values())
    assert len({case.kind for case in CASES}) == len(CASES), "case names must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_case(case):
    if isinstance(case.expected, Refuse):
        with pytest.raises(ParseError) as error:
            parse_yaml(case.text, case.schema)
        if case.expected.field:
            assert error.value.field is not None and error.value.field.startswith(case.expected.field), str(error.value)
        assert isinstance(error.value, ValueError)
        return
    report = parse_yaml_report(case.text, case.schema)
    assert report.value.model_dump() == case.expected
    if case.kind.startswith("valid/"):
        assert report.repairs == []
        assert report.value == case.schema.model_validate(yaml.safe_load(case.text))


@pytest.mark.parametrize("case", [c for c in CASES if c.kind.startswith(MALFORMED_CLASSES)
                                  and not isinstance(c.expected, Refuse)], ids=lambda c: c.kind)
def test_malformed_input_that_plain_parsing_gets_wrong_reports_its_repairs(case):
    try:  # libyaml, as the fast path: it reads a few things (a tab after a colon) pure PyYAML rejects
        plain = case.schema.model_validate(yaml.load(case.text, Loader=yaml.CSafeLoader)).model_dump()
    except Exception:  # noqa: BLE001 - any failure of the plain path counts
        plain = None
    if plain != case.expected:
        assert parse_yaml_report(case.text, case.schema).repairs, "a repaired parse must say what it repaired"
