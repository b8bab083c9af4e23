"""Plans a real model wrote (tests/data/planner_outputs, kept by benchmarks/planner_plans.py --corpus): each
stream, replayed delta by delta as the model sent it, reads to the calls recorded when it was measured (and to
the hand-checked calls where a person read it), never raises, and a repaired plan's calls fire before its end.

SmolLM2-135M-Instruct wrote them on vLLM's CPU build; `hand_check` on an entry is what a person read in the
raw text (the calls a careful reader would take from it, or none), written next to the output by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.skills import SkillCall
from components.structured import StreamingListParser

CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "planner_outputs"
ENTRIES = [(path.name, index, json.loads(line)) for path in sorted(CORPUS_DIR.glob("*.jsonl"))
           for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if line.strip()]


REPAIRED = [(n, i, e) for n, i, e in ENTRIES if e["repairs"] and e["calls"]]


def _replay(entry: dict) -> tuple[list[dict], list[int]]:
    """The calls the streaming parser reads from the recorded deltas, and the delta at which each fired."""
    parser = StreamingListParser(item_schema=SkillCall, field="calls")
    calls, fired_at = [], []
    for index, (_, text) in enumerate(entry["deltas"]):
        for call in parser.feed(text):
            calls.append(call.model_dump())
            fired_at.append(index)
    for call in parser.close():
        calls.append(call.model_dump())
        fired_at.append(len(entry["deltas"]))
    return calls, fired_at


def test_the_corpus_holds_at_least_200_real_plans_per_prompt_and_every_agent():
    by_file: dict[str, list[dict]] = {}
    for name, _, entry in ENTRIES:
        by_file.setdefault(name, []).append(entry)
    assert by_file, f"no corpus in {CORPUS_DIR}"
    for name, entries in by_file.items():
        assert len(entries) >= 200, name
        assert {e["agent"] for e in entries} == {"general_knowledge", "job_assessment", "post_takeaways",
                                                  "company_understanding", "career_advice"}, name
    assert sum("hand_check" in e for _, _, e in ENTRIES) >= 40
    assert sum(len(e["calls"]) > 1 for _, _, e in REPAIRED) >= 2  # the streaming test below has cases to run


@pytest.mark.parametrize(("name", "index", "entry"), ENTRIES, ids=[f"{n}:{i}" for n, i, _ in ENTRIES])
def test_a_real_plan_reads_as_recorded_and_as_hand_checked(name, index, entry):
    calls, _ = _replay(entry)
    assert calls == entry["calls"]
    if "hand_check" in entry:
        assert calls == entry["hand_check"]["calls"], entry["hand_check"].get("note")


@pytest.mark.parametrize(("name", "index", "entry"), REPAIRED, ids=[f"{n}:{i}" for n, i, _ in REPAIRED])
def test_a_repaired_real_plan_fires_its_first_call_before_the_model_finished(name, index, entry):
    _, fired_at = _replay(entry)
    if len(entry["calls"]) > 1:  # the first call completes when the second starts: mid-stream by construction
        assert fired_at[0] < len(entry["deltas"]) - 1, (fired_at, len(entry["deltas"]))
