"""The fixed validation set (data/validation/validation_set.jsonl): conversations for every agent,
multi-turn included, with the expected agent, reference facts and a reference answer per turn.

Questions are the clean dev-set seeds, each beside a real page of its context type; the reference
answers come from the pipeline's extractive composer at build time (every fact true of the network),
and the reference facts are the names and figures those answers state. It changes only when rebuilt
on purpose; its digest is its version.

    python -m components.evaluation.validation_set      # rewrites the file (deterministic)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
import tempfile
from pathlib import Path

import polars as pl

from components.config import load_config
from components.network import NetworkStore
from components.pipeline import AssistRequest, build_pipeline
from components.stack.local import sample_apis

__all__ = ["VALIDATION_FILE", "build", "load_validation_set", "validation_digest", "validation_rows"]

VALIDATION_FILE = Path(__file__).resolve().parents[2] / "data" / "validation" / "validation_set.jsonl"
DEV_SET = Path(__file__).resolve().parents[2] / "data" / "routing" / "dev_set.jsonl"
SEED, PER_AGENT, MULTI_TURN_SHARE = 20261121, 10, 0.3
_FACT = re.compile(r"\*\*([^*]+)\*\*"                        # bold names and titles
                   r"|\b[A-Z][a-z]+(?: [A-Z][A-Za-z]+)+\b"       # multi-word names
                   r"|\b(?:USD\s)?\d{2,3}(?:,\d{3})+\b|\b(?:19|20)\d{2}\b")  # amounts and years


def _facts(answer: str) -> list[str]:
    found = [m.group(1) or m.group(0) for m in _FACT.finditer(answer)]
    return list(dict.fromkeys(f.strip() for f in found if f.strip()))[:6]


async def _conversations() -> list[dict]:

    rng = random.Random(SEED)
    network = NetworkStore.load()
    pages = {"job": sorted(network.jobs), "post": sorted(network.posts), "company": sorted(network.companies),
             "profile": sorted(network.members)}
    seeds = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    seeds = [s for s in seeds if not s["noise"]]
    rng.shuffle(seeds)
    conversations = []
    with (tempfile.TemporaryDirectory() as home,
          sample_apis(config := load_config(environ={"SWITCHBOARD_HOME": home}))):
        pipeline = build_pipeline(config)
        counts: dict[str, int] = {}
        for seed in seeds:
            agent = seed["agent"]
            if counts.get(agent, 0) >= (PER_AGENT if agent != "out_of_scope" else PER_AGENT // 2):
                continue
            body: dict = {"query": seed["query"]}
            if seed["context_type"] != "none":
                body["context"] = {"type": seed["context_type"], "id": rng.choice(pages[seed["context_type"]])}
            if agent in ("job_assessment", "career_advice"):
                body["member_id"] = rng.choice(sorted(network.members))
            turns = []
            for _ in range(2 if rng.random() < MULTI_TURN_SHARE and agent != "out_of_scope" else 1):
                events = [e async for e in pipeline.run(AssistRequest(**body))]
                done = events[-1]
                if done.name != "done":
                    break
                route = next(e.data for e in events if e.name == "route")
                followups = next((e.data.suggestions for e in events if e.name == "followups"), [])
                turns.append({"query": body["query"], "context": body.get("context", {"type": "none"}),
                              "member_id": body.get("member_id"), "expected_agent": agent if not turns else route.agent,
                              "reference_answer": done.data.answer, "reference_facts": _facts(done.data.answer)})
                if not followups:
                    break
                body = {**body, "query": followups[0], "conversation_id": done.data.conversation_id}
            if turns:
                counts[agent] = counts.get(agent, 0) + 1
                conversations.append({"id": f"v{len(conversations):03d}", "agent": agent, "seed": seed["seed"],
                                      "turns": turns})
    return conversations


def build() -> list[dict]:
    return asyncio.run(_conversations())


def load_validation_set(path: Path = VALIDATION_FILE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def validation_digest(path: Path = VALIDATION_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def validation_rows(path: Path = VALIDATION_FILE) -> pl.DataFrame:
    """One row per turn (query, response = reference answer, agent, context_type): the skew check's reference."""
    rows = [{"conversation": c["id"], "turn": i, "query": t["query"], "response": t["reference_answer"],
             "agent": t["expected_agent"], "context_type": t["context"]["type"]}
            for c in load_validation_set(path) for i, t in enumerate(c["turns"])]
    return pl.DataFrame(rows)


def main() -> None:
    conversations = build()
    VALIDATION_FILE.parent.mkdir(parents=True, exist_ok=True)
    VALIDATION_FILE.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in conversations),
                               encoding="utf-8")
    turns = sum(len(c["turns"]) for c in conversations)
    print(f"wrote {len(conversations)} conversations ({turns} turns) to {VALIDATION_FILE}")


if __name__ == "__main__":
    main()
