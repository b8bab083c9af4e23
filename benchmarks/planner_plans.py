"""Plans a real model writes, and how many of them each reader can use.

For at least 200 turns (all five agents: the validation set's first questions, then the routing dev set's
clean ones beside real pages of their kind) the planner request is built exactly as the pipeline builds it
(`planner_request`: the served planner prompts, the agent's skills, the planner pin's sampling) and sent to
the project's `vllm` engine on the cpu-llm profile's model (benchmarks/vllm_batch.py, in vLLM's environment).
Each raw output is then read three ways, side by side:

- plain: `yaml.safe_load` + pydantic, the baseline any codebase starts with;
- defensive: the streaming parser, fed the deltas as the model streamed them (what the planner stage does);
- default: no call the parser read passes the planner stage's grounding check (ids the turn has), so the turn
  runs the agent's default plan.

A plan that is read can still be wrong: the table also counts plans whose calls all name the agent's skills,
and those whose ids are all ones the turn has (the rest of its calls are refused before they are made).
`--structured` asks vLLM's structured outputs for the plan's JSON schema instead; `--corpus` writes every
output to the parser's regression corpus; `--reuse` reads the last run's outputs again.

    .venv/bin/python benchmarks/planner_plans.py                  # the prompts as served, free text
    .venv/bin/python benchmarks/planner_plans.py --structured     # the same requests, held to the schema
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.vllm_env import run_in_vllm_env  # noqa: E402
from components.agents import AGENTS, Turn  # noqa: E402
from components.config import load_config  # noqa: E402
from components.engines import Grounding  # noqa: E402
from components.evaluation.validation_set import DEV_SET, load_validation_set  # noqa: E402
from components.network import NetworkStore  # noqa: E402
from components.pipeline.planning import known_ids, planner_request  # noqa: E402
from components.pipeline.turn import Release  # noqa: E402
from components.prompts import PromptLibrary  # noqa: E402
from components.skills import SkillCall, default_registry  # noqa: E402
from components.structured import StreamingListParser  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "tests" / "data" / "planner_outputs"
PER_AGENT, SEED = 40, 20261207
REGISTRY = default_registry()


class Plan(BaseModel):
    calls: list[SkillCall]


def cases(per_agent: int = PER_AGENT) -> list[dict]:
    """The turns to plan: validation first questions, then dev-set ones, `per_agent` for each agent."""
    rng, network = random.Random(SEED), NetworkStore.load()
    pages = {"job": sorted(network.jobs), "post": sorted(network.posts), "company": sorted(network.companies),
             "profile": sorted(network.members)}
    members = sorted(network.members)
    chosen: dict[str, list[dict]] = {agent: [] for agent in AGENTS}
    for conversation in load_validation_set():
        first = conversation["turns"][0]
        if first["expected_agent"] in chosen:
            context = first["context"]
            chosen[first["expected_agent"]].append({"asked": conversation["id"], "query": first["query"],
                                                    "context_type": context["type"], "context_id": context.get("id"),
                                                    "member_id": first["member_id"]})
    seeds = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng.shuffle(seeds)
    for seed in seeds:
        turns = chosen.get(seed["agent"])
        if seed["noise"] or turns is None or len(turns) >= per_agent:
            continue
        kind = seed["context_type"]
        turns.append({"asked": seed["seed"], "query": seed["query"], "context_type": kind,
                      "context_id": rng.choice(pages[kind]) if kind != "none" else None,
                      "member_id": rng.choice(members) if rng.random() < 0.7 else None})
    return [{"agent": agent, **turn} for agent, turns in chosen.items() for turn in turns[:per_agent]]


def requests(turns: list[dict], structured: bool) -> list[dict]:
    config = load_config(environ={"SWITCHBOARD_PROFILE": "cpu-llm",
                                  "SWITCHBOARD_PIPELINE__STRUCTURED_PLANS": str(structured).lower()})
    pin = yaml.safe_load((ROOT / config.mlflow.pins_dir / "planner.yaml").read_text(encoding="utf-8"))
    prompts = PromptLibrary.load()
    release = Release(router=None, planner=None, generator=None, prompts=prompts, sampling={"planner": pin["sampling"]})
    rows = []
    history = prompts.get("global.history").render(history="(this is the first question)")
    for index, case in enumerate(turns):
        agent = AGENTS[case["agent"]]
        turn = Turn(case["query"], case["context_type"], case["context_id"], case["member_id"])
        grounding = Grounding(agent.name, turn.query, turn.context_type, turn.context_id, turn.member_id)
        request = planner_request(release, REGISTRY, config.pipeline, agent, turn, grounding,
                                  request_id=f"plan-{index:03d}", history=history)
        row = asdict(request)
        row["grounding"] = {k: v for k, v in row["grounding"].items() if k != "results"}
        rows.append({**row, "prompt_version": prompts.get(agent.planner_prompt).ref})
    return rows


def generate(rows: list[dict], outputs: Path) -> dict[str, dict]:
    """The model's outputs, by request id, from the production engine in vLLM's environment; kept in `outputs`
    as they arrive (a reading that fails does not cost the generation: --reuse reads them again)."""
    config = load_config(environ={"SWITCHBOARD_PROFILE": "cpu-llm"})
    outputs.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "requests.jsonl"
        inputs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        run_in_vllm_env(config, "vllm_batch.py", "--config", config.engines.planner.vllm.model_dump_json(),
                        str(inputs), str(outputs), timeout_s=3600)
    return _outputs(outputs)


def _outputs(path: Path) -> dict[str, dict]:
    return {o["request_id"]: o for o in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def read(text: str, deltas: list[str]) -> dict:
    """The three readings of one output."""
    try:
        Plan.model_validate(yaml.safe_load(text))
        plain = True
    except (yaml.YAMLError, ValidationError, TypeError, ValueError):
        plain = False
    parser = StreamingListParser(item_schema=SkillCall, field="calls")
    calls = [call for delta in deltas for call in parser.feed(delta)] + list(parser.close())
    return {"plain": plain, "calls": [c.model_dump() for c in calls], "repairs": list(parser.repairs),
            "source": "planner" if calls else "default"}


def judged(case: dict, calls: list[dict]) -> dict:
    """What the planner stage makes of the read calls: whether they all name the agent's skills, and which of
    them pass only ids the turn has (the rest are refused: `Planning`'s grounding check)."""
    agent = AGENTS[case["agent"]]
    known = known_ids(Turn(case["query"], case["context_type"], case["context_id"], case["member_id"]))
    grounded = [c for c in calls if not REGISTRY.ungrounded(c["skill"], c["params"] or {}, known)]
    return {"skills_ok": all(c["skill"] in agent.skills for c in calls), "grounded": len(grounded),
            "fired": "planner" if grounded else "default"}


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def summarise(entries: list[dict], title: str) -> Table:
    table = Table(title=title)
    for column in ("agent", "outputs", "plain reads", "defensive reads", "agent's skills only", "ids all grounded",
                   "default plan", "median tokens"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    groups = {agent: [e for e in entries if e["agent"] == agent] for agent in AGENTS}
    for agent, group in [*groups.items(), ("all", entries)]:
        n = len(group)
        read_ones = [e for e in group if e["source"] == "planner"]
        table.add_row(agent, str(n), _share(sum(e["plain"] for e in group), n), _share(len(read_ones), n),
                      _share(sum(e["skills_ok"] for e in read_ones), n),
                      _share(sum(e["grounded"] == len(e["calls"]) for e in read_ones), n),
                      _share(sum(e["fired"] == "default" for e in group), n),
                      f"{statistics.median(e['completion_tokens'] for e in group):.0f}" if n else "-")
    return table


def _keep_hand_checks(path: Path, entries: list[dict]) -> None:
    """A person's reading of an output stays with it when the corpus is written again (same turn, same text)."""
    if not path.exists():
        return
    before = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for old, new in zip(before, entries, strict=False):
        if "hand_check" in old and old["query"] == new["query"] and old["deltas"] == new["deltas"]:
            new["hand_check"] = old["hand_check"]


def main() -> None:
    parser = argparse.ArgumentParser(description="Parse rates of a real model's plans")
    parser.add_argument("--structured", action="store_true", help="hold the plan to its JSON schema (xgrammar)")
    parser.add_argument("--per-agent", type=int, default=PER_AGENT)
    parser.add_argument("--corpus", action="store_true", help="write the outputs to tests/data/planner_outputs")
    parser.add_argument("--reuse", action="store_true", help="read the last run's outputs instead of generating")
    args = parser.parse_args()
    turns = cases(args.per_agent)
    rows = requests(turns, args.structured)
    config = load_config(environ={"SWITCHBOARD_PROFILE": "cpu-llm"})
    kept = Path(config.home) / "benchmarks" / f"planner_outputs{'.structured' if args.structured else ''}.jsonl"
    outputs = _outputs(kept) if args.reuse else generate(rows, kept)
    entries = []
    for case, row in zip(turns, rows, strict=True):
        output = outputs[row["request_id"]]
        deltas = [text for _, text in output["deltas"]]
        reading = read("".join(deltas), deltas)
        judgement = judged(case, reading["calls"])
        entries.append({**case, "prompt_version": row["prompt_version"], "structured": args.structured,
                        "deltas": output["deltas"], "completion_tokens": output["completion_tokens"],
                        "finish_reason": output["finish_reason"], **reading, **judgement})
    model = config.engines.planner.vllm.model
    mode = "structured (JSON schema)" if args.structured else "free text"
    Console(width=150).print(summarise(entries, f"{model}: {len(entries)} plans, {mode}, prompts "
                                       f"{sorted({e['prompt_version'] for e in entries})}"))
    if args.corpus:
        CORPUS_DIR.mkdir(parents=True, exist_ok=True)
        versions = "-".join(sorted({e["prompt_version"].rsplit("@", 1)[1] for e in entries}))
        path = CORPUS_DIR / f"{model}.planner-{versions}{'.structured' if args.structured else ''}.jsonl"
        _keep_hand_checks(path, entries)
        path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
