"""The groundedness labelled set (data/eval/groundedness.jsonl): real answers, half with planted facts.

Answers come from the pipeline over the sample network (extractive engines, every fact real). Each
answer then gets one hand-written sentence inserted: for the clean half a sentence that adds no fact
(or restates one from the page), for the planted half one that states a name or number the evidence
does not hold - invented people, places, amounts, years, skills, or real companies from elsewhere in
the network. So both halves are edited and length alone gives nothing away.

    python -m components.evaluation.labelled_set        # rewrites data/eval/groundedness.jsonl
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import tempfile
from itertools import islice
from pathlib import Path

from components.config import load_config
from components.conversation_log import ConversationLog
from components.engines.extractive import split_sentences
from components.evaluation.traffic import questions
from components.network import NetworkStore
from components.pipeline import AssistRequest, build_pipeline
from components.stack.local import sample_apis

__all__ = ["CLEAN_SENTENCES", "LABELLED_FILE", "PLANTED_SENTENCES", "build"]

LABELLED_FILE = Path(__file__).resolve().parents[2] / "data" / "eval" / "groundedness.jsonl"
SEED, SIZE = 20261121, 120

CLEAN_SENTENCES = [
    "I hope that gives you a clear picture.",
    "Let me know if you want me to look at another one.",
    "This is based on the information on the page.",
    "You can ask me a follow-up question about any of these points.",
    "Happy to help you plan the next step.",
    "Take your time to think about which of these matters most to you.",
    "It may help to write down your own priorities before deciding.",
    "If anything here looks out of date, the page itself is the best source.",
    "A short note to the recruiter can clarify anything that is unclear.",
    "Many members find it useful to compare two or three options side by side.",
    "{name} is the one this page is about.",
    "Everything above comes from what {name} shows on the network.",
]

PLANTED_SENTENCES = [
    "The role also comes with a signing bonus of USD 25,000.",
    "{name} was founded in 1987.",
    "The hiring manager, Priya Raman, reviews every application personally.",
    "Most of the team works from the Lisbon office.",
    "It also expects a Kubernetes certification.",
    "{name} has 14,500 employees worldwide.",
    "Revenue grew 37% last year.",
    "It is a subsidiary of Globex Corporation.",
    "The post has been shared 4,200 times.",
    "The author previously spent 15 years at Initech.",
    "Salaries for this title average USD 212,000 in Austin.",
    "The Women in Data Leadership Circle is a good place to meet peers.",
    "The Advanced Terraform track on Coursera takes 40 hours.",
    "{name} was named employer of the year by Forbes in 2021.",
    "About 68% of applicants are invited to a first interview.",
    "Its chief executive, Daniel Okonkwo, joined from Deloitte.",
    "The team ships releases every 14 days.",
    "A second office opened in Reykjavik this spring.",
    "Most successful candidates also hold a PMP credential.",
    "{name} raised USD 48 million in its last funding round.",
    "The interview process has 6 rounds and takes about 35 days.",
    "It competes directly with {other}.",
    "Several people on the team came from {other}.",
    "The role reports to the Vice President of Engineering, Laura Chen.",
    "Benefits include a USD 3,000 yearly learning budget.",
    "The company plans to grow its headcount by 250 people next year.",
    "Recruiters on the network say Snowflake skills are in demand for this kind of role.",
    "A Harvard study found that 72% of managers value this skill most.",
    "The average tenure at {name} is 7.5 years.",
    "Its headquarters moved to Denver in 2019.",
]


async def _answers(count: int) -> list[dict]:

    network = NetworkStore.load()
    with (tempfile.TemporaryDirectory() as home,
          sample_apis(config := load_config(environ={"SWITCHBOARD_HOME": home}))):
        pipeline = build_pipeline(config, log=ConversationLog(Path(home) / "logs"))
        for body in islice(questions(network, seed=SEED), count * 3):
            async for _ in pipeline.run(AssistRequest(**body)):
                pass
        rows = pipeline.log.read().to_dicts()
    usable = [r for r in rows if r["in_scope"] and not r["error_code"] and json.loads(r["dossier"])
              and len(split_sentences(r["answer"])) >= 2 and r["trust_action"] == "allow"]
    return usable[:count]


def _page_name(dossier: list[dict]) -> str:
    for entry in dossier:
        data = entry.get("data")
        if isinstance(data, dict):
            for key in ("name", "company", "author_name", "title"):
                if isinstance(data.get(key), str):
                    return data[key]
    return "This page"


def build(size: int = SIZE) -> list[dict]:

    rng = random.Random(SEED)
    companies = sorted(c.name for c in NetworkStore.load().companies.values())
    rows = []
    for index, turn in enumerate(asyncio.run(_answers(size))):
        dossier = json.loads(turn["dossier"])
        name, planted = _page_name(dossier), index % 2 == 1
        evidence = json.dumps(dossier)
        other = next(c for c in rng.sample(companies, 20) if c not in evidence)
        sentence = rng.choice(PLANTED_SENTENCES if planted else CLEAN_SENTENCES).format(name=name, other=other)
        text = turn["answer"]
        # insert at a sentence boundary of the original text, keeping its lines and lists as they are
        at = rng.choice([m.end() for m in re.finditer(r"(?<=[.!?])\s+", text)] + [len(text)])
        answer = f"{text[:at]}{sentence} {text[at:]}".rstrip() if at < len(text) else f"{text}\n\n{sentence}"
        rows.append({"id": f"g{index:03d}", "agent": turn["agent"], "query": turn["query"],
                     "context": f"{turn['context_type']} {turn['context_id'] or ''}".strip(), "dossier": dossier,
                     "answer": answer, "inserted": sentence, "planted": planted})
    return rows


def main() -> None:
    rows = build()
    LABELLED_FILE.parent.mkdir(parents=True, exist_ok=True)
    LABELLED_FILE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} answers ({sum(r['planted'] for r in rows)} planted) to {LABELLED_FILE}")


if __name__ == "__main__":
    main()
