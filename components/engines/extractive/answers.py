"""The extractive answers per agent, every sentence built from facts in the dossier."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from components.engines.base import Grounding
from components.engines.extractive.jobs import job_fit
from components.engines.extractive.text import central, on_topic, relevant, role, split_sentences, words

__all__ = ["COMPOSERS", "compose_answer"]


# The author speaking of themselves ("I see this every week in my work"), of "this" post's point ("At Acme
# we learned this the hard way.", "Our team is testing this right now."), or announcing what follows
# ("After 15 years in finance, a few lessons.").
_ASIDE = re.compile(r"\b(?:I|[Mm]e|[Mm]y)\b|\b[Tt]his(?:\s+(?:is|was|the|right|every|taught)\b|[.!?])"
                    r"|\b(?:a few|some) (?:lessons|thoughts|notes)\b")
# A career question about a step beyond the job one has: "How can I move into management?" was answered with
# the member's own title at three other companies. Not "move to Berlin" nor "learn next": there it is an answer.
_MOVING = re.compile(r"\b(?:move (?:into|up|on)|next (?:step|move|role|level|job)|career (?:move|change)|become|"
                     r"transition|pivot|switch|grow|advance|progress|promot|managem|senior|lead)",
                     re.IGNORECASE)
_ABOUT_COMMENTS = frozenset("comment comments commenters reactions replies responses disagree agree react".split())


def _post_takeaways(g: Grounding) -> str:
    post = g.data("post_view")
    if not post and g.context_type != "post":  # "main idea of this post?" asked on no page at all
        return "There is no post beside this question. Ask it beside a post and I will sum up its takeaways."
    if not post:
        return g.unavailable if g.unanswered("post_view") else "I could not find this post on the network."
    sentences = split_sentences(post["text"])
    substantive = [s for s in sentences if len(s.split()) >= 6 and not s.startswith("#")] or sentences
    # The lessons before the author's asides; an aside's "this" shares words with the next aside, not the
    # lessons, so by centrality alone "Something I keep coming back to this week." was a takeaway.
    lessons = [s for s in substantive if not _ASIDE.search(s)]
    takeaways = central(lessons, min(3, len(lessons)))
    if len(takeaways) < 2:
        asides = [s for s in substantive if s not in lessons]
        takeaways = [s for s in substantive if s in takeaways or s in central(asides, 2 - len(takeaways))]
    text = [f"Key takeaways from {post['author']}'s post on {post['topic']}:",
            "\n".join(f"- {s}" for s in takeaways)]
    comments = post.get("comments") or []
    if comments and words(g.query) & _ABOUT_COMMENTS:  # asked about the reactions: what each says, once
        said = Counter(comments)
        text.append(f"What the {len(comments)} comment{'s' if len(comments) > 1 else ''} say:\n" + "\n".join(
            f"- \"{c}\"" + (f" ({n} people)" if n > 1 else "") for c, n in list(said.items())[:5]))
    elif comments:
        text.append(f"{len(comments)} comments, for example: \"{comments[0]}\"")
    elif words(g.query) & _ABOUT_COMMENTS:
        text.append("No one has commented on it yet.")
    articles = _read(g)  # the member asked what articles say
    if articles:
        text.append("Articles on this:\n" + "\n".join(
            f"- {_cited(a)}: {' '.join(relevant(a['snippet'], g.query, 1, _stem(a)))}" for a in articles[:2]))
    return "\n\n".join(text)


# The page records that name a company: beside a job or a profile, "this company" is read from them
_NAMING_A_COMPANY = ("job_view", "profile_view")
# "What's the headquarters of this company?" asked on no page names no company to find
_THIS_COMPANY = re.compile(r"\b(?:this|that|the|their|its)\s+(?:company|employer|firm|organi[sz]ation|business)\b",
                           re.IGNORECASE)


def _company(g: Grounding) -> str:
    company = g.data("company_view") or g.data("company_lookup")
    if not company and g.context_type == "none" and _THIS_COMPANY.search(g.query):
        return ("There is no company beside this question. Ask it beside a company's page, or name the company, "
                "and I will tell you about it.")
    if not company:  # "not found" only when every lookup answered so: a failed one may have held it
        if g.unanswered("company_view", "company_lookup", *_NAMING_A_COMPANY):
            return g.unavailable
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
    # a search by the question's words also finds other companies' roles and people: only this one's count
    if jobs and company.get("name"):
        jobs = [j for j in jobs if j.get("company") == name]
    if people and company.get("name"):
        people = [p for p in people if p.get("headline", "").endswith(f" at {name}")]
    if jobs is not None:
        parts.append(f"Open roles at {name}:\n" + "\n".join(
            f"- {j['title']} ({_where(j)})" for j in jobs[:5])
            if jobs else f"I found no open roles at {name} in the network.")
    if people is not None:
        parts.append(f"People at {name} on the network:\n" + "\n".join(
            f"- {p['name']}, {p['headline']}" for p in people[:5])
            if people else f"I found no one at {name} in the network.")
    return "\n\n".join(parts)


def _where(job: dict) -> str:
    """"Lyon, hybrid"; a remote role's location already says "Remote"."""
    return job["location"] if job["location"].lower() == job["workplace"] else f"{job['location']}, {job['workplace']}"


def _career(g: Grounding) -> str:
    profile, jobs, articles = g.data("profile_view"), g.data("job_search") or [], _read(g)
    parts = []
    if profile:
        parts.append(f"Your profile: {profile['headline']}, with skills in "
                     f"{', '.join((profile.get('skills') or [])[:5])}.")
    titles = (profile.get("titles") or []) if profile else []
    if titles and _MOVING.search(g.query):  # a step is to another job: theirs at another company is none
        jobs = [j for j in jobs if j["title"].lower() != titles[0].lower()]
    jobs = jobs[:3]
    if profile and jobs:  # only roles that share what the member does are called a fit
        yours = role(" ".join(titles[:2] + (profile.get("skills") or [])))
        # most of the role's words: a Data Engineer is no Electrical Engineer
        fitting = [j for j in jobs if len(role(j["title"]) & yours) * 3 >= len(role(j["title"])) * 2]
        others = [j for j in jobs if j not in fitting]
    else:
        fitting, others = [], jobs
    for heading, chosen in (("Roles in the network that fit your profile and this direction", fitting),
                            ("Open roles in the network that match your question", others)):
        if chosen:
            parts.append(f"{heading}:\n" + "\n".join(f"- {j['title']} at {j['company']} ({j['location']})"
                                                       for j in chosen))
    if articles:
        parts.append("Worth reading:\n" + "\n".join(
            f"- {a['title']}: {' '.join(relevant(a['snippet'], g.query, 1, _stem(a)))}" for a in articles[:2]))
    searched_everything = not g.unanswered("job_search", "web_search")
    if profile and len(parts) == 1 and searched_everything:  # "How do I rebuild my confidence after being fired?"
        parts.append("I found no guide or opening in the network on that question. Tell me the role, field or "
                     "level you have in mind, and I can look for openings and reading on it.")
    if not parts and g.unanswered("profile_view", "job_search", "web_search"):
        return g.unavailable
    return "\n\n".join(parts) or "I need your profile or a bit more about your goal to give concrete advice."


def _general(g: Grounding) -> str:
    articles = _read(g)
    if not articles:
        if g.unanswered("web_search"):
            return g.unavailable
        return "I could not find a source on that in the article corpus."
    parts = [" ".join(relevant(articles[0]["snippet"], g.query, 2, _stem(articles[0]))),
             f"Source:\n- {_cited(articles[0])}"]  # what the answer quotes; the rest is reading, not a source
    if articles[1:]:
        parts.append("Further reading:\n" + "\n".join(f"- {_cited(a)}" for a in articles[1:3]))
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


def _read(g: Grounding) -> list[dict[str, Any]]:
    """The pieces the search found on the question's subject, each once, in the search's order.

    A search fills its limit with the nearest it has: "What do Instructional Designers do all day?" was
    answered from a layoff guide, and "How do I write a good cover letter?" cited a remote-work piece for
    its "Write things down". So a piece shares at least half as many of the question's subject words as
    the piece sharing most, a word of its title counting twice.
    """
    pieces = _distinct(g.data("web_search") or [])
    if not pieces or on_topic("", g.query) is None:  # a question with no subject words ("tips?") takes any
        return pieces
    # a word in the title counts twice: it says what the piece is about, not what it mentions
    score = [on_topic(f"{a['title']} {a['snippet']}", g.query) + on_topic(a["title"], g.query) for a in pieces]
    most = max(score)
    return [a for a, n in zip(pieces, score, strict=True) if n and n * 2 >= most]


def _cited(article: dict[str, Any]) -> str:
    """The title, with the source unless the title names it already ("... (The Professional, edition 13)")."""
    title, source = article["title"], article.get("source")
    return title if not source or _stem(article) != title else f"{title} ({source})"


COMPOSERS: dict[str, Callable[[Grounding], str]] = {
    "job_assessment": job_fit, "post_takeaways": _post_takeaways, "company_understanding": _company,
    "career_advice": _career, "general_knowledge": _general,
}


def compose_answer(grounding: Grounding) -> str:
    composer = COMPOSERS.get(grounding.agent)
    if composer is None:
        return "I can help with jobs, companies, posts and careers on the network, but not with this request."
    return composer(grounding)
