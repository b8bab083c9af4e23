"""Skew verdicts on pairs of samples with known truth, built from production-like turns."""

from __future__ import annotations

import json
import random
import re

import polars as pl
import pytest

from components.skew import (
    ExpectationFailure,
    SampleError,
    answer_variance,
    holm,
    mask_names,
    propose_holdout,
    read_sample,
    semantic_skew,
    skew_report,
    structural_skew,
    validate_log,
)

pytestmark = pytest.mark.integration

OFF_TOPIC = ["What is the best way to cook risotto at home?", "Which beaches in Portugal are good for surfing?",
             "How do I fix a leaking kitchen tap?", "What should I pack for a week of hiking in Norway?",
             "Can you recommend a good science fiction novel?", "How often should I water a cactus?",
             "What is the offside rule in football?", "How do I make a sourdough starter?"]


@pytest.fixture(scope="module")
def pair(population):
    shuffled = population.sample(fraction=1.0, shuffle=True, seed=99)
    return shuffled[:600], shuffled[600:1200]


def _verdicts(reference, current) -> tuple[bool, bool]:
    return structural_skew(reference, current)["drift"], semantic_skew(reference, current)["drift"]


def test_clean_resamples_rarely_alarm(population):
    alarms = 0
    for seed in range(12):  # 20 draws had one alarm at most too; 12 keep the suite under its 20 minutes
        shuffled = population.sample(fraction=1.0, shuffle=True, seed=seed)
        alarms += any(_verdicts(shuffled[:500], shuffled[500:1000]))
    assert alarms <= 1


def test_sloppy_typing_is_structural_not_semantic(pair):
    reference, current = pair
    rng = random.Random(0)

    def sloppy(query: str) -> str:
        words = re.sub(r"[?,.!']", "", query.lower()).split()
        for i, word in enumerate(words):
            if len(word) > 3 and rng.random() < 0.4:
                j = rng.randrange(len(word) - 1)
                words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
        return " ".join(words)

    report = structural_skew(reference, current.with_columns(pl.col("query").map_elements(sloppy, pl.String)))
    assert report["drift"] and {"query.oov_rate", "query.starts_lower", "query.ends_question"} <= set(report["drifted"])
    assert not semantic_skew(reference, current.with_columns(pl.col("query").map_elements(sloppy, pl.String)))["drift"]


def test_longer_responses_and_a_format_change_are_structural(pair):
    reference, current = pair
    longer = structural_skew(reference, current.with_columns(pl.col("response") + "\n\n" + pl.col("response")))
    assert longer["drift"] and {"response.words", "response.chars"} <= set(longer["drifted"])
    as_json = current.with_columns(pl.col("response").map_elements(lambda r: json.dumps({"answer": r}), pl.String))
    formatted = structural_skew(reference, as_json)
    assert "response.is_json" in formatted["drifted"]
    assert not semantic_skew(reference, as_json)["drift"]  # same content, different wrapping


def test_new_topics_are_semantic_drift_with_the_topics_named(pair):
    reference, current = pair
    rng = random.Random(1)
    queries = [rng.choice(OFF_TOPIC) if rng.random() < 0.6 else q for q in current["query"]]
    report = semantic_skew(reference, current.with_columns(pl.Series("query", queries)))
    assert report["drift"] and report["query"]["drift"] and not report["response"]["drift"]
    grown = " ".join(" ".join(c["examples"]) for c in report["grew"])
    assert any(question in grown for question in OFF_TOPIC)


def test_an_off_topic_shift_is_caught_in_every_draw_by_the_queries_classifier(pair):
    """Cluster shares alone missed a 60% off-topic shift in 3 of 16 draws: the new questions land in the
    nearest clusters. A classifier tells them from the reference in every draw, and names them."""
    reference, current = pair
    for draw in range(6):
        rng = random.Random(100 + draw)
        queries = [rng.choice(OFF_TOPIC) if rng.random() < 0.6 else q for q in current["query"]]
        report = semantic_skew(reference, current.with_columns(pl.Series("query", queries)))
        classifier = report["query"]["classifier"]
        assert classifier["drift"] and report["query"]["drift"] and report["drift"], (draw, classifier["auc"])
        assert classifier["auc"] >= 0.75 and classifier["p_adjusted"] < 1e-6
        assert sum(question in OFF_TOPIC for question in classifier["examples"]) >= 4
    assert "classifier" not in report["response"]  # a response's wrapping is structural (see the JSON test)


def test_a_shifted_agent_mix_is_drift(pair):
    reference, current = pair
    shifted = pl.concat([current.filter(pl.col("agent") == "job_assessment")] * 4 + [current]).sample(600, seed=1)
    report = structural_skew(reference, shifted)
    assert "agent" in report["drifted"]
    agent = next(t for t in report["tests"] if t["feature"] == "agent")
    assert agent["shares"]["job_assessment"]["current"] > agent["shares"]["job_assessment"]["reference"] + 0.2


def test_renamed_entities_are_not_drift(pair, network):
    reference, current = pair
    names = sorted({c.name for c in network.companies.values()} | {m.name for m in network.members.values()},
                   key=len, reverse=True)
    known = re.compile("|".join(re.escape(n) for n in names))
    fresh, rng = ["Zorbit Labs", "Quillon Health", "Marisol Ekwueme", "Tobias Wren", "Anouk de Vries"], random.Random(2)
    renamed = current.with_columns(
        pl.col("query").map_elements(lambda t: known.sub(lambda _: rng.choice(fresh), t), pl.String),
        pl.col("response").map_elements(lambda t: known.sub(lambda _: rng.choice(fresh), t), pl.String))
    assert renamed["response"].str.contains("Zorbit Labs|Tobias Wren").sum() > 100
    assert _verdicts(reference, renamed) == (False, False)


def test_names_and_numbers_are_masked_and_typos_corrected():
    assert mask_names(["Curapeak Therapeutics pays USD 139,000 in Boston?"]) == ["name name pays name num num in name "]
    assert mask_names(["how do i negtoiate a job offer"]) == mask_names(["how do i negotiate a job offer"])
    # a member's or company's name typed in lower case, or misspelt, is still a name; "health" is a word
    assert mask_names(["who works at vitanorth health", "is priya tarn hiring"]) == [
        "who works at name health", "is priya name hiring"]


def test_holm_adjusts_in_the_input_order():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_a_broken_batch_fails_with_the_expectation_result(tmp_path, pair):
    reference, _ = pair
    broken = reference.with_columns(pl.when(pl.int_range(pl.len()) < 3).then(None).otherwise(pl.col("query"))
                                    .alias("query"), pl.lit("pirate").alias("agent"))
    with pytest.raises(ExpectationFailure) as failure:
        skew_report(reference, broken, current_name="broken.jsonl")
    assert "broken.jsonl" in str(failure.value) and "expect_column_values_to_not_be_null(query)" in str(failure.value)
    assert "expect_column_values_to_be_in_set(agent)" in str(failure.value)
    assert failure.value.result["success"] is False
    text_columns = ("conversation_id", "turn_id", "query", "answer", "versions")
    with pytest.raises(ExpectationFailure, match="expect_column_values_to_be_unique"):
        validate_log(pl.DataFrame({c: ["x", "x"] for c in text_columns})
                     .with_columns(pl.lit("general_knowledge").alias("agent"), pl.lit("none").alias("context_type"),
                                   pl.lit(0.5).alias("route_confidence"), pl.lit(True).alias("in_scope"),
                                   pl.lit(10.0).alias("total_ms"), pl.lit("allow").alias("trust_action"),
                                   pl.lit("2026-11-19").alias("timestamp")))


def test_sample_files_are_read_or_rejected_clearly(tmp_path, pair):
    reference, _ = pair
    reference.write_ndjson(tmp_path / "a.jsonl")
    reference.rename({"response": "answer"}).write_parquet(tmp_path / "log.parquet")
    assert read_sample(tmp_path / "a.jsonl").height == 600
    assert "response" in read_sample(tmp_path / "log.parquet").columns  # a log extract reads as a sample
    (tmp_path / "x.csv").write_text("query,response\n")
    with pytest.raises(SampleError, match="expected .jsonl or .parquet"):
        read_sample(tmp_path / "x.csv")
    reference.select("query").write_ndjson(tmp_path / "q.jsonl")
    with pytest.raises(SampleError, match=r"missing column\(s\) \['response'\]"):
        read_sample(tmp_path / "q.jsonl")
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    with pytest.raises(SampleError, match="not readable"):
        read_sample(tmp_path / "bad.jsonl")


def test_holdout_keeps_the_current_mix_and_variance_finds_unstable_inputs(pair):
    _, current = pair
    holdout = propose_holdout(current, 120)
    assert holdout.height == 120
    shares = current["agent"].value_counts(normalize=True).sort("agent")
    proposed = holdout["agent"].value_counts(normalize=True).sort("agent")
    assert (shares.join(proposed, on="agent")
            .select((pl.col("proportion") - pl.col("proportion_right")).abs().max()).item()) < 0.03
    report = answer_variance({"stable": ["same answer"] * 3, "unstable": ["one thing", "another thing", "a third"]})
    assert report[0]["query"] == "unstable" and report[0]["distinct"] == 3 and report[1]["mean_distance"] == 0.0
