"""The rubric, code assertions, model-free evaluators, statistics and the annotation loop."""

from __future__ import annotations

import json
import re
from datetime import date

import polars as pl
import pytest

from components.evaluation import (
    AnnotationError,
    check_assertions,
    cohen_kappa,
    evidence_text,
    export_queue,
    import_labels,
    judge_human_agreement,
    load_rubric,
    score_turn,
    unsupported_claims,
    wilson,
)
from components.evaluation.labelled_set import LABELLED_FILE
from components.evaluation.nightly import partial_turns, summarize
from components.evaluation.rubric import RubricError

RUBRIC = load_rubric()
DOSSIER = [{"skill": "company_view", "params": {"company_id": "c1"},
            "data": {"name": "Curapeak Therapeutics", "employees": 1200, "city": "Boston", "founded": 2011}}]


def _turn(answer: str, agent: str = "company_understanding", **extra) -> dict:
    return {"turn_id": "t1", "agent": agent, "query": "Tell me about this company", "context_type": "company",
            "context_id": "c1", "answer": answer, "dossier": json.dumps(DOSSIER), "followups": [], **extra}


def test_supported_facts_pass_and_invented_names_and_numbers_are_found():
    evidence = evidence_text("Tell me about this company", "company c1", DOSSIER)
    grounded = "**Curapeak Therapeutics** has about 1,200 people in Boston. It was founded in 2011. Consider it."
    assert unsupported_claims(grounded, evidence) == []
    invented = "Curapeak Therapeutics, led by Daniel Okonkwo, has 14,500 people and 3 offices."
    assert [(c.kind, c.text) for c in unsupported_claims(invented, evidence)] == [
        ("number", "14500"), ("name", "Daniel"), ("name", "Okonkwo")]
    assert unsupported_claims("Curapeak's team is in Boston.", evidence) == []  # possessives are the name


def test_years_an_answer_adds_up_from_dated_roles_pass_and_years_beyond_them_do_not():
    profile = [{"skill": "profile_view", "params": {"member_id": "m1"},
                "data": {"experience": [{"title": "Data Engineer", "start": "2011-04-01", "end": "2019-06-30"},
                                        {"title": "Senior Data Engineer", "start": "2019-07-01", "end": None}]}}]
    evidence = evidence_text("Am I a fit?", "job j1", profile)
    assert unsupported_claims("5+ years as a Data Engineer (you have 14 years as one).", evidence) == []
    assert [c.text for c in unsupported_claims("You have 40 years as one.", evidence)] == ["40"]
    # a bare year dates an event and spans nothing
    founded = evidence_text("Tell me about it", "company c1", DOSSIER)
    assert [c.text for c in unsupported_claims("It has grown for 14 years.", founded)] == ["14"]


def test_the_labelled_set_is_half_planted_and_the_evaluator_meets_the_goal():
    rows = [json.loads(line) for line in LABELLED_FILE.read_text().splitlines()]
    assert len(rows) >= 100 and sum(r["planted"] for r in rows) == len(rows) // 2
    flagged = [bool(unsupported_claims(r["answer"], evidence_text(r["query"], r["context"], r["dossier"])))
               for r in rows]
    tp = sum(f and r["planted"] for f, r in zip(flagged, rows, strict=True))
    assert tp / sum(flagged) >= 0.85 and tp / sum(r["planted"] for r in rows) >= 0.85


def test_assertions_check_length_structure_empathy_and_naming():
    assert check_assertions(RUBRIC, _turn("Curapeak Therapeutics is a biotech company of about 1,200 people "
                                          "based in Boston, founded in 2011, working on clinical data and "
                                          "trials for partner hospitals."), "Curapeak Therapeutics") == []
    harsh = _turn("You are a terrible fit for this job.", agent="job_assessment")
    failures = check_assertions(RUBRIC, harsh)
    assert "forbidden(terrible fit)" in failures and any(f.startswith("too_short") for f in failures)
    unnamed = check_assertions(RUBRIC, _turn("It is a company. " * 8), "Curapeak Therapeutics")
    assert "context_not_named" in unnamed
    repeated = _turn("Curapeak Therapeutics " * 10, followups=["What next?", "what next?"])
    assert "followups_repeat" in check_assertions(RUBRIC, repeated, "Curapeak Therapeutics")
    assert "not_english" in check_assertions(RUBRIC, _turn("Curapeak Therapeutics es una empresa con sede en "
                                                           "Boston dedicada a ensayos clinicos y datos para "
                                                           "hospitales asociados de la region entera."))
    assert "not_english" in check_assertions(RUBRIC, _turn("Curapeak Therapeutics ist ein Unternehmen in Boston und "
                                                           "arbeitet mit Kliniken an klinischen Daten für die "
                                                           "Partner der Region."))
    # a reading list is titles and nouns, few function words of any language: still English
    reading = ("Worth reading:\n- Negotiating a job offer without burning bridges (Industry Pulse, edition 16): "
               "Negotiate total compensation: base salary, equity, signing bonus, remote flexibility")
    assert "not_english" not in check_assertions(RUBRIC, _turn(reading, agent="career_advice"))


def test_score_turn_maps_findings_onto_the_rubric():
    good = score_turn(RUBRIC, _turn("**Curapeak Therapeutics** is a biotech company of about 1,200 people in "
                                    "Boston, founded in 2011. It runs clinical data work for partner hospitals "
                                    "and is growing its analytics team."))
    assert good["good"] and not good["hallucination"] and good["overall_quality"] == 5
    invented = score_turn(RUBRIC, _turn("**Curapeak Therapeutics** is a biotech company of about 1,200 people in "
                                        "Boston. Its chief executive, Daniel Okonkwo, joined from Deloitte in 2019 "
                                        "and it is growing its analytics team."))
    assert invented["hallucination"] and not invented["good"] and invented["overall_quality"] <= 3
    leak = score_turn(RUBRIC, _turn("Curapeak Therapeutics is in Boston; call Ann on +1 617 555 0199 or write to "
                                    "ann@curapeak.example for the inside track on the hiring team there."))
    assert leak["rai_violation"] and leak["overall_quality"] == 1
    assert json.loads(leak["findings"])["rai"] == ["output:contact_details"]


def test_a_turn_answered_on_failed_skills_is_never_scored_good_and_is_counted_apart():
    text = ("**Curapeak Therapeutics** is a biotech company of about 1,200 people in Boston, founded in 2011. It runs "
            "clinical data work for partner hospitals and is growing its analytics team.")
    complete = score_turn(RUBRIC, _turn(text))
    partial = score_turn(RUBRIC, {**_turn(text), "partial": True, "failed_skills": ["news_search"]})
    assert complete["good"] and not partial["good"] and partial["overall_quality"] <= 3 and partial["partial"]
    summary = partial_turns(pl.DataFrame([complete, partial, {**partial, "turn_id": "t3"}]))
    assert summary["turns"] == 2 and summary["failed_skills"] == {"news_search": 2}
    assert summary["complete"]["good_rate"]["value"] == 1.0 and summary["complete"]["good_rate"]["n"] == 1
    assert summarize(pl.DataFrame([complete, partial]), RUBRIC, date(2026, 1, 2), None, 2, {})["partial"]["turns"] == 1


def test_wilson_intervals_and_kappa_match_known_values():
    rate, low, high = wilson(1, 10)
    assert rate == 0.1 and low == pytest.approx(0.0179, abs=1e-3) and high == pytest.approx(0.4042, abs=1e-3)
    assert wilson(0, 0) == (0.0, 0.0, 1.0)
    assert cohen_kappa([1, 1, 0, 0], [1, 1, 0, 0]) == 1.0
    # Cohen (1960)-style example: 20 items, observed 0.7, expected 0.5 -> kappa 0.4
    a = [1] * 10 + [0] * 10
    b = [1] * 7 + [0] * 3 + [1] * 3 + [0] * 7
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_a_mean_on_a_bounded_scale_keeps_its_interval_on_the_scale():
    """A company agent's 18 turns, 17 of them rated 5: the normal interval went up to 5.05 on a 1-5 scale."""
    from components.evaluation import mean_interval

    ratings = [5] * 17 + [4]
    assert mean_interval(ratings)[2] > 5  # the old interval, unbounded
    mean, low, high = mean_interval(ratings, bounds=(1, 5))
    assert mean == pytest.approx(4.944, abs=1e-3) and 1 <= low < mean < high <= 5
    everywhere_five = mean_interval([5] * 18, bounds=(1, 5))
    assert everywhere_five[0] == everywhere_five[2] == 5 and 4 < everywhere_five[1] < 5  # no spread: not a point
    middle = [3, 4, 5, 2, 4, 4, 3, 5, 4, 4]
    bounded, normal = mean_interval(middle, bounds=(1, 5)), mean_interval(middle)
    assert abs((bounded[2] - bounded[1]) - (normal[2] - normal[1])) < 0.1  # mid-scale, about the normal width
    assert mean_interval([0.0, 1.0, 1.0, 1.0], bounds=(0, 1))[2] <= 1


def test_annotation_queue_out_labels_in_and_agreement(tmp_path):
    turns = [_turn(f"Answer {i} about Curapeak Therapeutics in Boston.") | {"turn_id": f"t{i}"} for i in range(6)]
    queue = export_queue(RUBRIC, turns, tmp_path / "queue.jsonl")
    header, *items = [json.loads(line) for line in queue.read_text().splitlines()]
    assert header["rubric"] == RUBRIC.ref and set(header["dimensions"]) >= {"hallucination", "style"}
    judge = [{"turn_id": f"t{i}", "hallucination": i < 2, "rai_violation": False, "overall_quality": 4 if i % 2 else 2,
              "coherence": 5, "style": 4} for i in range(6)]
    labelled = []
    for i, item in enumerate(items):
        labelled.append(item | {"hallucination": i < 3, "rai_violation": False, "overall_quality": 4 if i % 2 else 2,
                                "coherence": 5, "style": 4, "annotator": "ann"})
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(x) for x in [header, *labelled]))
    labels = import_labels(tmp_path / "labels.jsonl", RUBRIC)
    report = judge_human_agreement(judge, labels)
    assert report["hallucination"]["tpr"] == pytest.approx(2 / 3, abs=1e-3) and report["hallucination"]["tnr"] == 1.0
    assert report["good"]["kappa"] == 1.0 and 0 < report["hallucination"]["kappa"] < 1
    (tmp_path / "bad.jsonl").write_text(json.dumps(labelled[0] | {"style": 9}))
    with pytest.raises(AnnotationError, match="'style' must be an integer 1-5"):
        import_labels(tmp_path / "bad.jsonl", RUBRIC)
    (tmp_path / "old.jsonl").write_text(json.dumps(labelled[0] | {"rubric": "rubric-v0-old"}))
    with pytest.raises(AnnotationError, match="labelled under rubric-v0-old"):
        import_labels(tmp_path / "old.jsonl", RUBRIC)


def test_a_malformed_rubric_is_rejected_with_the_reason(tmp_path):
    (tmp_path / "rubric.yaml").write_text("version: 1\ndimensions: {}\nagents: {}\n")
    with pytest.raises(RubricError, match="dimensions .* are missing"):
        load_rubric(tmp_path / "rubric.yaml")


async def test_the_llm_judge_scores_through_the_engine_interface_and_survives_bad_output():
    from components.engines import EngineConfig, create_engine
    from components.engines.config import SimConfig
    from components.evaluation import judge_turn

    scripted = SimConfig(ttft_ms=1, tbt_ms=0, output="scripted", script=[
        "overall_quality: 4\nhallucination: no\nrai_violation: false\ncoherence: 5\nstyle: 4\nrationale: grounded",
        "I think this answer is quite good overall.",
    ])
    engine = create_engine(EngineConfig(kind="sim", sim=scripted))
    args = (RUBRIC, "t1", "company_understanding", "Tell me about this company", "evidence", "answer")
    scores = await judge_turn(engine, *args)
    assert scores.overall_quality == 4 and scores.hallucination is False and scores.rationale == "grounded"
    assert await judge_turn(engine, *args) is None  # prose instead of YAML: no score, no crash


def test_cli_labels_imports_a_completed_queue_and_prints_agreement(tmp_path, monkeypatch):
    from datetime import date

    from typer.testing import CliRunner

    from components.cli import app
    from components.evaluation import EvalDay

    turns = [_turn("**Curapeak Therapeutics** is a biotech company of about 1,200 people in Boston, founded in "
                   f"2011, with {'Priya Raman as its chief executive' if i % 2 else 'a growing analytics team'}.")
             | {"turn_id": f"t{i}"} for i in range(6)]
    day = EvalDay(tmp_path, date(2026, 11, 19))
    day.start()
    day.write_batch([score_turn(RUBRIC, t) for t in turns], 0)
    queue = export_queue(RUBRIC, turns, tmp_path / "queue.jsonl")
    header, *items = queue.read_text().splitlines()
    filled = [json.loads(line) | {"hallucination": i % 2 == 1, "rai_violation": False, "overall_quality": 4,
                                  "coherence": 5, "style": 4} for i, line in enumerate(items)]
    (tmp_path / "done.jsonl").write_text("\n".join([header, *map(json.dumps, filled)]))
    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["labels", str(tmp_path / "done.jsonl"), "--day", "2026-11-19"],
                                terminal_width=150)
    assert result.exit_code == 0, result.output
    assert re.search(r"hallucination\s*│\s*1.000\s*│\s*1.000\s*│\s*1.000\s*│\s*6", result.output)  # agrees
    assert (tmp_path / "eval" / "labels" / RUBRIC.ref / "2026-11-19.jsonl").exists()
    wrong_day = CliRunner().invoke(app, ["labels", str(tmp_path / "done.jsonl"), "--day", "yesterday"],
                                   terminal_width=150)
    assert wrong_day.exit_code == 2 and "Invalid value for '--day'" in wrong_day.output  # not a traceback
