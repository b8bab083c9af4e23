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
from datetime import date
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
        return "\n\n".join(lines + _similar_roles(job, g))
    assessed = [(r, *_assess(r, profile)) for r in job["requirements"]]
    matched = [(r, note) for r, met, note in assessed if met]
    missing = [(r, note) for r, met, note in assessed if not met]
    lines.append(f"Compared with your profile ({profile['headline']}):")
    for heading, items in (("What you already bring", matched),
                           ("Where the posting asks for more than your profile shows", missing)):
        if items:
            lines.append(f"{heading}:\n" + "\n".join(f"- {r}" + (f" ({note})" if note else "") for r, note in items))
    change = _change_of_field(job["requirements"], profile)
    if change:
        lines.append(change)
    share = len(matched) / max(len(job["requirements"]), 1)
    verdict = ("a strong match" if share >= 0.67 else "a partial match" if share >= 0.34 else
               "a stretch for now, and the gaps are concrete things you can work on")
    lines.append(f"You meet {len(matched)} of {len(job['requirements'])} listed requirements: {verdict}.")
    return "\n\n".join(lines + _similar_roles(job, g))


def _similar_roles(job: dict, g: Grounding) -> list[str]:
    """The other postings a search beside the job found (the member asked for similar ones)."""
    others = [j for j in g.data("job_search") or [] if (j["title"], j["company"]) != (job["title"], job["company"])]
    if not others:
        return []
    return ["Similar open roles:\n" + "\n".join(f"- {j['title']} at {j['company']} ({j['location']})"
                                                 for j in others[:5])]


_YEARS_AS = re.compile(r"^\s*(\d+)\+?\s*years? of experience as an? (.+?)\s*$", re.IGNORECASE)


def _role(title: str) -> frozenset[str]:
    """What a title says the work is, rank aside: "Senior Machine Learning Engineer" is a machine learning engineer."""
    return frozenset(_words(title) - _RANKS)


def _years_in(role: str, profile: dict) -> float | None:
    """Years the profile's dated roles spent as `role`, at any rank; None when it has no dated roles."""
    roles = [e for e in profile.get("experience") or [] if isinstance(e, dict) and e.get("start")]
    if not roles:
        return None
    days = 0
    for entry in roles:
        if entry.get("title") and _role(entry["title"]) == _role(role):
            try:
                start = date.fromisoformat(str(entry["start"])[:10])
                end = date.fromisoformat(str(entry["end"])[:10]) if entry.get("end") else date.today()
            except ValueError:  # a malformed date says nothing about how long
                continue
            days += max((end - start).days, 0)
    return days / 365.25


def _mentions(text: str, phrase: str) -> bool:
    """`phrase` as words of `text`: the skill "R" is not in "experience", nor "Go" in "Google"."""
    return re.search(rf"(?<![\w+#]){re.escape(phrase)}(?![\w+#])", text, re.IGNORECASE) is not None


def _assess(requirement: str, profile: dict) -> tuple[bool, str | None]:
    """Whether the profile shows `requirement`, and where it shows it when that is not obvious."""
    years = _YEARS_AS.match(requirement)
    if years:
        needed, role = int(years.group(1)), years.group(2)
        held = _years_in(role, profile)
        if held is None:  # no dates: a title held is all the profile shows
            titles = [t for t in profile.get("titles") or [] if _role(t) == _role(role)]
            return False, ("your profile does not say for how long" if titles else None)
        whole = int(held)
        if held >= needed:
            return True, f"you have {whole} years as one"
        return False, (f"your profile shows {whole} year{'s' if whole != 1 else ''} as one" if whole
                       else "none of your roles so far" if held == 0 else "under a year so far")
    subject = re.sub(r"\s+experience$", "", requirement.strip(), flags=re.IGNORECASE)
    if any(_mentions(subject, skill.strip()) for skill in profile.get("skills") or [] if skill.strip()):
        return True, None
    for entry in profile.get("experience") or []:
        if isinstance(entry, dict) and _mentions(str(entry.get("description") or ""), subject):
            where = entry.get("company_name") or entry.get("company")
            return True, f"your work at {where} mentions it" if where else "your experience mentions it"
    return False, None


def _change_of_field(requirements: list[str], profile: dict) -> str | None:
    """A sentence when the posting asks for years in a line of work the member has never held."""
    titles = [t for t in profile.get("titles") or [] if t]
    for requirement in requirements:
        years = _YEARS_AS.match(requirement)
        if years and titles and not any(_role(t) == _role(years.group(2)) for t in titles):
            return (f"This would be a change of field: the posting wants years as a {years.group(2)}, "
                    f"and your most recent role is {titles[0]}.")
    return None


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
    articles = _distinct(g.data("web_search") or [])  # the member asked what articles say
    if articles:
        text.append("Articles on this:\n" + "\n".join(
            f"- {_cited(a)}: {' '.join(_relevant(a['snippet'], g.query, 1))}" for a in articles[:2]))
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
    name = company.get("name") or "this company"
    jobs, people = g.data("job_search"), g.data("people_search")  # asked for: say so when they are empty
    if jobs is not None:
        parts.append(f"Open roles at {name}:\n" + "\n".join(
            f"- {j['title']} ({j['location']}, {j['workplace']})" for j in jobs[:5])
            if jobs else f"I found no open roles at {name} in the network.")
    if people is not None:
        parts.append(f"People at {name} on the network:\n" + "\n".join(
            f"- {p['name']}, {p['headline']}" for p in people[:5])
            if people else f"I found no one at {name} in the network.")
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
        parts.append("Worth reading:\n" + "\n".join(f"- {a['title']}: {' '.join(_relevant(a['snippet'], g.query, 1))}"
                                                    for a in articles[:2]))
    return "\n\n".join(parts) or "I need your profile or a bit more about your goal to give concrete advice."


def _general(g: Grounding) -> str:
    articles = _distinct(g.data("web_search") or [])
    if not articles:
        return "I could not find a source on that in the article corpus."
    parts = [" ".join(_relevant(articles[0]["snippet"], g.query, 2))]
    parts.append("Sources:\n" + "\n".join(f"- {_cited(a)}" for a in articles[:3]))
    return "\n\n".join(parts)


def _relevant(snippet: str, query: str, k: int) -> list[str]:
    """The k whole sentences of an article's opening that share most words with the question, in order.

    A snippet may stop mid-word at its length: such a last sentence is left out while a whole one remains
    (one cut at a word, with an ellipsis, stays). Among sentences sharing as much with the question, the one
    sharing most with the rest of the opening wins: a framing line ("Recruiters in Toronto shared what
    they see most often.") shares little.
    """
    sentences = split_sentences(snippet)
    whole = [s for s in sentences if s.endswith((".", "!", "?", '"', "'", "…"))] or [f"{snippet.rstrip()}…"]
    asked = _words(query)
    bags = [_words(s) for s in whole]
    score = [(len(bag & asked), sum(len(bag & other) for j, other in enumerate(bags) if j != i))
             for i, bag in enumerate(bags)]
    chosen = sorted(sorted(range(len(whole)), key=lambda i: score[i], reverse=True)[:k])
    return [whole[i] for i in chosen]


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
