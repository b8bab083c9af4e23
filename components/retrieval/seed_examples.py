"""Seeds data/examples/examples.jsonl: answers in the house style for typical questions per agent.

The seed answers are composed from real records of the sample network by the extractive composer,
so every fact in them is true of the network; curators edit or replace them, and the build_examples
flow adds production turns that earned a thumbs-up and a high evaluation score.

    python -m components.retrieval.seed_examples
"""

from __future__ import annotations

import json
import random

from components.engines import Grounding
from components.engines.extractive import compose_answer
from components.engines.extractive.text import mentions
from components.network.api import article_hit, profile_of
from components.network.store import NetworkStore
from components.retrieval.examples import EXAMPLES_FILE
from components.skills import SkillResult, default_registry

QUERIES = {
    "job_assessment": ["Am I a good fit for this job?", "What am I missing for this role?",
                       "Should I apply to this position?", "How well does my experience match this job?",
                       "What does this job pay and do I qualify?"],
    "post_takeaways": ["What are the key takeaways from this post?", "Summarize this post for me",
                       "What is the author's main point?", "Give me the gist of this post",
                       "What should I remember from this post?"],
    "company_understanding": ["What does this company do?", "Tell me about this company",
                              "What's new at this company?", "How big is this company and what does it sell?",
                              "Give me a quick brief on this employer"],
    "career_advice": ["What should my next career move be?", "Which roles suit my background?",
                      "How do I grow into a senior role?", "What should I learn next?",
                      "Help me plan my job search"],
    "general_knowledge": ["How do I write a resume that gets noticed?", "How do I prepare for a behavioural interview?",
                          "How should I negotiate a job offer?", "What should I do after a layoff?",
                          "How do salary ranges in job postings work?"],
}
_ARTICLE_TOPIC = {"resume": "resume", "behavioural": "interviews", "negotiate": "negotiation", "layoff": "layoffs",
                  "salary": "salary"}


def _result(skill: str, data: object) -> SkillResult:
    spec = default_registry().get(skill)
    return SkillResult(skill=skill, params={}, status="done", data=spec.map_response(data), latency_ms=1.0)


def _grounding(agent: str, query: str, store: NetworkStore, rng: random.Random) -> Grounding:
    member = rng.choice(list(store.members.values()))
    profile = _result("profile_view", profile_of(member).model_dump(mode="json"))
    if agent == "job_assessment":
        related = [j for j in store.jobs.values()  # a skill as words of a requirement: "R" is not in "experience"
                   if sum(any(mentions(r, s) for s in member.skills) for r in j.requirements) >= 2]
        job = rng.choice(related or list(store.jobs.values()))
        return Grounding(agent, query, "job", job.id, member.id,
                         (_result("job_view", job.model_dump(mode="json")), profile))
    if agent == "post_takeaways":
        post = rng.choice(list(store.posts.values()))
        return Grounding(agent, query, "post", post.id, member.id,
                         (_result("post_view", post.model_dump(mode="json")),))
    if agent == "company_understanding":
        company = rng.choice(list(store.companies.values()))
        return Grounding(agent, query, "company", company.id, member.id,
                         (_result("company_view", company.model_dump(mode="json")),))
    if agent == "career_advice":
        jobs = [j for j in store.jobs.values() if j.company_name and member.industry in
                store.companies[j.company_id].industry][:3]
        job_rows = [{"id": j.id, "title": j.title, "company_name": j.company_name, "location": j.location,
                     "remote": j.remote, "seniority": j.seniority} for j in jobs]
        return Grounding(agent, query, "profile", member.id, member.id, (profile, _result("job_search", job_rows)))
    topic = next(t for word, t in _ARTICLE_TOPIC.items() if word in query.lower())
    articles = [a for a in store.articles.values() if a.topic == topic]
    hits = [article_hit(a).model_dump(mode="json") for a in rng.sample(articles, 3)]
    return Grounding(agent, query, "none", None, member.id, (_result("web_search", hits),))


def seed(rng_seed: int = 11) -> list[dict]:
    rng, store, rows = random.Random(rng_seed), NetworkStore.load(), []
    for agent, queries in QUERIES.items():
        for n in range(20):
            query = queries[n % len(queries)]
            grounding = _grounding(agent, query, store, rng)
            rows.append({"id": f"ex-{agent}-{n:02d}", "agent": agent, "query": query,
                         "answer": compose_answer(grounding), "source": "curated-seed"})
    return rows


if __name__ == "__main__":
    rows = seed()
    EXAMPLES_FILE.parent.mkdir(parents=True, exist_ok=True)
    EXAMPLES_FILE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} examples to {EXAMPLES_FILE}")
