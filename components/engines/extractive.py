"""The extractive engine: CPU, no weights, every sentence built from facts in the dossier.

It is the embedded default and the degraded mode when the GPU tier is slow or down. For the plan
task it writes the agent's deterministic plan; for answers it composes per agent: job fit as the
requirements the profile matches and misses, post takeaways as the most central sentences, company
overviews from the company record and its news, career advice from the profile and matching jobs,
general knowledge from the best articles, always with their sources.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from components.engines.base import Engine, EngineEvent, GenerationRequest, Grounding, StreamClock, TextDelta

__all__ = ["ExtractiveEngine", "compose_answer", "split_sentences"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z#\"'])")
_WORD = re.compile(r"[a-z0-9+#]+")
_STOP = frozenset("a an and are as at be by for from has have i in is it of on or our that the this to was we "
                  "were what with you your".split())


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _central(sentences: list[str], k: int) -> list[str]:
    """The k sentences sharing the most words with the others, in their original order."""
    bags = [_words(s) for s in sentences]
    scores = [sum(len(bag & other) / (len(bag | other) or 1) for j, other in enumerate(bags) if j != i)
              for i, bag in enumerate(bags)]
    best = sorted(sorted(range(len(sentences)), key=lambda i: -scores[i])[:k])
    return [sentences[i] for i in best]


def _money(value: Any, currency: str | None) -> str:
    return f"{currency or ''} {value:,}".strip() if isinstance(value, int) else str(value)


def _job_fit(g: Grounding) -> str:
    job, profile = g.data("job_view"), g.data("profile_view")
    if not job and g.context_type == "job":
        return "I could not read this job posting right now, so I cannot assess the fit."
    if not job:
        return _job_matches(g.data("job_search") or [], profile)
    lines = [f"**{job['title']}** at **{job['company']}** ({job['seniority']}, {job['workplace']}, {job['location']})."]
    if job.get("salary_min"):
        lines.append(f"The posted range is {_money(job['salary_min'], job.get('salary_currency'))} to "
                     f"{_money(job['salary_max'], job.get('salary_currency'))} a year.")
    if not profile:
        lines.append("Requirements: " + "; ".join(job["requirements"]) + ".")
        lines.append("Share your profile and I can compare it with each requirement.")
        return "\n\n".join(lines)
    skills = {s.lower() for s in profile.get("skills") or []}
    matched = [r for r in job["requirements"] if any(s in r.lower() for s in skills)]
    missing = [r for r in job["requirements"] if r not in matched]
    lines.append(f"Compared with your profile ({profile['headline']}):")
    if matched:
        lines.append("What you already bring:\n" + "\n".join(f"- {r}" for r in matched))
    if missing:
        lines.append("Where the posting asks for more than your profile shows:\n"
                     + "\n".join(f"- {r}" for r in missing))
    share = len(matched) / max(len(job["requirements"]), 1)
    verdict = ("a strong match" if share >= 0.67 else "a partial match" if share >= 0.34 else
               "a stretch for now, and the gaps are concrete things you can work on")
    lines.append(f"You meet {len(matched)} of {len(job['requirements'])} listed requirements: {verdict}.")
    return "\n\n".join(lines)


def _job_matches(jobs: list[dict], profile: dict | None) -> str:
    """No job beside the question: the postings the search found, so the member can pick one to assess."""
    if not jobs:
        return ("I could not find a job posting to assess. Open a job and ask again, and I will compare its "
                "requirements with your profile.")
    about = f" for someone with your profile ({profile['headline']})" if profile else ""
    lines = [f"There is no job beside this question, so here are open postings that match it{about}:",
             "\n".join(f"- **{j['title']}** at **{j['company']}** ({j.get('seniority')}, {j.get('workplace')}, "
                       f"{j.get('location')})" for j in jobs[:5]),
             "Open one of them and ask again: I will compare each of its requirements with your profile."]
    return "\n\n".join(lines)


def _post_takeaways(g: Grounding) -> str:
    post = g.data("post_view")
    if not post:
        return "I could not read this post right now."
    sentences = split_sentences(post["text"])
    substantive = [s for s in sentences if len(s.split()) >= 6 and not s.startswith("#")] or sentences
    takeaways = _central(substantive, min(3, len(substantive)))
    text = [f"Key takeaways from {post['author']}'s post on {post['topic']}:",
            "\n".join(f"- {s}" for s in takeaways)]
    comments = post.get("comments") or []
    if comments:
        text.append(f"{len(comments)} comments, for example: \"{comments[0]}\"")
    return "\n\n".join(text)


def _company(g: Grounding) -> str:
    company = g.data("company_view") or g.data("company_lookup")
    if not company:
        return "I could not find that company in the network."
    parts = [company["description"]]
    if company.get("products"):
        parts.append("Main products: " + ", ".join(company["products"]) + ".")
    news = company.get("news") or [n["headline"] for n in g.data("news_search") or []]
    news = list(dict.fromkeys(news))  # a story filed more than once is one line, not three of the same
    if news:
        parts.append("Recent news:\n" + "\n".join(f"- {headline}" for headline in news[:3]))
    return "\n\n".join(parts)


# Words that say how senior a role is, not what it is: a junior program manager is no fit for a senior data
# engineer role because both titles hold a rank.
_RANKS = frozenset("junior senior lead principal staff head chief associate intern entry mid director".split())


def _career(g: Grounding) -> str:
    profile, jobs, articles = g.data("profile_view"), g.data("job_search") or [], _distinct(g.data("web_search") or [])
    parts = []
    if profile:
        parts.append(f"Your profile: {profile['headline']}, with skills in "
                     f"{', '.join((profile.get('skills') or [])[:5])}.")
    jobs = jobs[:3]
    if profile and jobs:  # only roles that share what the member does are called a fit
        yours = _words(" ".join((profile.get("titles") or [])[:2] + (profile.get("skills") or []))) - _RANKS
        fitting = [j for j in jobs if (_words(j["title"]) - _RANKS) & yours]
        others = [j for j in jobs if j not in fitting]
    else:
        fitting, others = [], jobs
    for heading, chosen in (("Roles in the network that fit your profile and this direction", fitting),
                            ("Open roles in the network that match your question", others)):
        if chosen:
            parts.append(f"{heading}:\n" + "\n".join(f"- {j['title']} at {j['company']} ({j['location']})"
                                                       for j in chosen))
    if articles:
        parts.append("Worth reading:\n" + "\n".join(f"- {a['title']}: {split_sentences(a['snippet'])[-1]}"
                                                    for a in articles[:2]))
    return "\n\n".join(parts) or "I need your profile or a bit more about your goal to give concrete advice."


def _general(g: Grounding) -> str:
    articles = _distinct(g.data("web_search") or [])
    if not articles:
        return "I could not find a source on that in the article corpus."
    best = articles[0]
    parts = [" ".join(split_sentences(best["snippet"])[:3])]
    parts.append("Sources:\n" + "\n".join(f"- {_cited(a)}" for a in articles[:3]))
    return "\n\n".join(parts)


def _stem(article: dict[str, Any]) -> str:
    """The title less the "(Source, ...)" a publication appends: the piece, whoever ran it."""
    source = article.get("source")
    return article["title"].split(f" ({source}")[0] if source else article["title"]


def _distinct(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One copy of a piece that several publications or editions ran."""
    seen, kept = set(), []
    for article in articles:
        if _stem(article) not in seen:
            seen.add(_stem(article))
            kept.append(article)
    return kept


def _cited(article: dict[str, Any]) -> str:
    """The title, with the source unless the title names it already ("... (The Professional, edition 13)")."""
    title, source = article["title"], article.get("source")
    return title if not source or _stem(article) != title else f"{title} ({source})"


COMPOSERS: dict[str, Callable[[Grounding], str]] = {
    "job_assessment": _job_fit, "post_takeaways": _post_takeaways, "company_understanding": _company,
    "career_advice": _career, "general_knowledge": _general,
}


def compose_answer(grounding: Grounding) -> str:
    composer = COMPOSERS.get(grounding.agent)
    if composer is None:
        return "I can help with jobs, companies, posts and careers on the network, but not with this request."
    return composer(grounding)


def _pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


class ExtractiveEngine(Engine):
    name = "extractive"
    model = "extractive-v1"

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        clock = StreamClock()
        text = request.grounding.default_plan if request.task == "plan" else compose_answer(request.grounding)
        for piece in _pieces(text):
            clock.token()
            yield TextDelta(piece)
        yield clock.finished(request.prompt, text)
