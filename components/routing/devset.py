"""Expands data/routing/seeds.yaml into the routing dev set, data/routing/dev_set.jsonl.

Each hand-written seed becomes a few queries: entity slots filled from the sample network, a context
type drawn from the seed's class weights, and the noise real members type (lower case, no
punctuation, a typo, a fragment). Every row keeps its `seed` id, so a held-out split can hold out whole
seeds rather than near-copies of training queries. Deterministic: `python -m components.routing.devset`.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from components.names import AGENT_NAMES, CONTEXT_TYPES, NO_PREVIOUS, ROUTES
from components.network import vocabulary as vocab
from components.network.store import NetworkStore

if TYPE_CHECKING:  # the store loads LanceDB: a router replica needs neither
    from components.network.store import NetworkStore

__all__ = ["AGENTS", "CONTEXT_TYPES", "DEV_SET", "SEEDS", "expand", "load_dev_set"]

AGENTS = ROUTES
DATA = Path(__file__).resolve().parents[2] / "data" / "routing"
SEEDS = DATA / "seeds.yaml"
DEV_SET = DATA / "dev_set.jsonl"
VARIANTS_PER_SEED = 4
PREVIOUS_SHARE = 0.25  # single questions given a previous agent at random
PAGE_OF = {"job_assessment": "job", "post_takeaways": "post", "company_understanding": "company",
           "career_advice": "profile"}
# Companies the sample network lacks, for company questions whose name the lexicon cannot know: members ask
# about any company. None is named in the frozen test set (tests/components/routing/test_testset.py checks).
BRANDS = ("Siemens", "Unilever", "Nestle", "Accenture", "Airbus", "Infosys", "Twilio", "HubSpot", "Adyen", "Ocado",
          "Philips", "Ericsson", "Novartis", "Rakuten", "Mercado Libre", "Tata Consultancy Services", "Bosch",
          "Heineken", "Lufthansa", "Danone", "Vodafone", "Sanofi", "Capgemini", "Wipro", "Schneider Electric",
          "Etsy", "Dropbox", "Grab", "Naver", "Tencent")
_SLOT = re.compile(r"\{(\w+)\}")
_FRAGMENT_OPENERS = re.compile(
    r"^(what|how|can you|could you|please|give me|tell me|is there|are there|do i|should i|i want to|help me)\s+",
    re.IGNORECASE)


def _slot_values(store: NetworkStore) -> dict[str, list[str]]:
    roles = sorted({role for spec in vocab.INDUSTRIES.values() for role in spec["roles"]})
    skills = sorted({s for spec in vocab.INDUSTRIES.values() for skills in spec["roles"].values() for s in skills})
    return {
        "company": sorted(c.name for c in store.companies.values()),
        "title": roles,
        "skill": skills,
        "city": sorted({city.split(",")[0] for city in vocab.CITIES}),
        "person": sorted({m.name for m in store.members.values()}),
        "topic": sorted({*vocab.TOPIC_SENTENCES, *(i.lower() for i in vocab.INDUSTRIES)}),
        "brand": list(BRANDS),
    }


def _typo(rng: random.Random, text: str) -> str:
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) > 3 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        w = w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]
    elif kind == "drop":
        w = w[:j] + w[j + 1:]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def _noisy(rng: random.Random, text: str) -> tuple[str, list[str]]:
    applied = []
    if rng.random() < 0.25 and _FRAGMENT_OPENERS.match(text):
        text = _FRAGMENT_OPENERS.sub("", text, count=1)
        applied.append("fragment")
    if rng.random() < 0.35:
        text = _typo(rng, text)
        applied.append("typo")
    if rng.random() < 0.4:
        text = text.rstrip("?.!")
        applied.append("no_punctuation")
    if rng.random() < 0.45:
        text = text.lower()
        applied.append("lower")
    return text, applied


def expand(seed: int = 7) -> list[dict]:

    rng = random.Random(seed)
    spec = yaml.safe_load(SEEDS.read_text(encoding="utf-8"))
    followups = spec.pop("followups", [])
    unknown = set(spec) - set(AGENTS)
    if unknown:
        raise ValueError(f"{SEEDS}: unknown agents {sorted(unknown)}; allowed: {AGENTS}")
    values = _slot_values(NetworkStore.load())
    rows = []
    for agent in AGENTS:
        contexts = spec[agent]["contexts"]
        for n, template in enumerate(spec[agent]["queries"]):
            seed_id = f"{agent}:{n:03d}"
            seen = set()
            for variant in range(VARIANTS_PER_SEED):
                query = _SLOT.sub(lambda m: rng.choice(values[m.group(1)]), template)
                noise: list[str] = []
                if variant:
                    query, noise = _noisy(rng, query)
                context = rng.choices(list(contexts), weights=list(contexts.values()))[0]
                if (query, context) in seen:
                    continue
                seen.add((query, context))
                # a full question means what it says whoever answered before: some rows say who did
                previous = rng.choice(AGENT_NAMES) if rng.random() < PREVIOUS_SHARE else NO_PREVIOUS
                rows.append({"query": query, "context_type": context, "agent": agent, "seed": seed_id,
                             "noise": noise, "previous": previous})
    return rows + _followups(rng, followups)


def _followups(rng: random.Random, groups: list[dict]) -> list[dict]:
    """Each follow-up once after each agent its group lists, on that agent's usual page or on none."""
    rows = []
    for g, group in enumerate(groups):
        unknown = {*group["after"], group["agent"]} - {*AGENTS, "same"}
        if unknown:
            raise ValueError(f"{SEEDS}: follow-up group {g} names unknown agents {sorted(unknown)}")
        for n, template in enumerate(group["queries"]):
            seed_id = f"followup:{g:02d}:{n:03d}"
            for previous in group["after"]:
                query, noise = _noisy(rng, template) if rng.random() < 0.5 else (template, [])
                context = rng.choice((PAGE_OF.get(previous, "none"), "none"))
                agent = previous if group["agent"] == "same" else group["agent"]
                rows.append({"query": query, "context_type": context, "agent": agent, "seed": seed_id,
                             "noise": noise, "previous": previous})
    return rows


def load_dev_set(path: Path = DEV_SET) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


if __name__ == "__main__":
    rows = expand()
    DEV_SET.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    counts = {a: sum(r["agent"] == a for r in rows) for a in AGENTS}
    print(f"wrote {len(rows)} rows to {DEV_SET}: {counts}")
