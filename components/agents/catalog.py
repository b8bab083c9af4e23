"""The five agents of DESIGN.md (a contract: these names), and the router's out_of_scope."""

from __future__ import annotations

import re

from components.agents.spec import PAGE_RECORDS, Agent, Turn
from components.engines import Grounding
from components.names import AGENT_NAMES, OUT_OF_SCOPE
from components.network.titles import next_title
from components.skills import SkillCall, SkillResult

__all__ = ["AGENTS", "ANYWHERE_FOLLOWUPS", "OUT_OF_SCOPE", "UnknownAgentError", "get_agent"]


def _call(skill: str, **params: object) -> SkillCall:
    return SkillCall(skill=skill, params={k: v for k, v in params.items() if v is not None})


def _context(turn: Turn, kind: str) -> str | None:
    return turn.context_id if turn.context_type == kind else None


def _profile(turn: Turn) -> list[SkillCall]:
    member = _context(turn, "profile") or turn.member_id
    return [_call("profile_view", member_id=member)] if member else []


# --- default plans: used when the planner cannot plan or its plan cannot be read ------------------

# What a question asks about beyond the page itself, in its own words: the follow-up chips ask these
# ("Who works at Acme?", "Find similar Data Engineer jobs") and a plan that ignored them answered another question.
_JOB_WORDS = frozenset("job jobs hiring hire hires role roles opening openings position positions vacancies".split())
_PEOPLE_WORDS = frozenset("who people employees employee staff colleagues".split())
_OTHER_WORDS = frozenset("similar other others more alternatives else".split())
_HIRING_WORDS = frozenset("hiring hire hires openings vacancies".split())
_READING_WORDS = frozenset("article articles guide guides read reading sources".split())
# A question about how to go about it wants reading even when it names jobs: "how should I plan my job search".
_ADVICE_WORDS = frozenset("how should why plan tips advice prepare".split())
_MOVE_WORDS = frozenset("next move moves switch change become land target transition pivot direction apply relocate "
                        "opportunities where".split())


def _asks(turn: Turn, *wanted: frozenset[str]) -> bool:
    words = set(re.findall(r"[a-z]+", turn.query.lower()))
    return all(words & group for group in wanted)


def _general_plan(turn: Turn) -> list[SkillCall]:
    return [_call("web_search", query=turn.query, limit=3)]


def _job_plan(turn: Turn) -> list[SkillCall]:
    job = _context(turn, "job")
    if not job:
        return [_call("job_search", keywords=turn.query, for_member=turn.member_id, limit=5)] + _profile(turn)
    others = _asks(turn, _OTHER_WORDS, _JOB_WORDS) or _asks(turn, _HIRING_WORDS)  # "similar jobs", "who's hiring"
    similar = [_call("job_search", keywords=turn.query, limit=5)] if others else []
    return [_call("job_view", job_id=job)] + similar + _profile(turn)


def _post_plan(turn: Turn) -> list[SkillCall]:
    post = _context(turn, "post")
    if not post:
        return [_call("web_search", query=turn.query, limit=3)]
    reading = [_call("web_search", query=turn.query, limit=3)] if _asks(turn, _READING_WORDS) else []
    return [_call("post_view", post_id=post)] + reading


def _company_plan(turn: Turn) -> list[SkillCall]:
    company = _context(turn, "company")
    # Beside a job or a profile, "this company" is the job's or the member's current one: it was looked up
    # by the question's words ("Is this company a startup?") and not found. The page's record names it;
    # the lookup still goes first, for a question that names another company ("What does Acme do?").
    # `_company_of_page` then asks about whichever it is.
    if not company and turn.context_type in _NAMING_A_COMPANY and turn.context_id:
        skill, param = _NAMING_A_COMPANY[turn.context_type]
        return [_call("company_lookup", company_name=turn.query), _call(skill, **{param: turn.context_id})]
    return _company_calls(turn, company)


def _company_calls(turn: Turn, company: str | None) -> list[SkillCall]:
    # beside the company its id says which; elsewhere the question names it ("Who works at Acme?")
    by = {"company_id": company} if company else {"keywords": turn.query}
    calls = ([_call("company_view", company_id=company), _call("news_search", company_id=company, limit=3)]
             if company else [_call("company_lookup", company_name=turn.query)])
    if _asks(turn, _JOB_WORDS):
        calls.append(_call("job_search", **by, limit=5))
    if _asks(turn, _PEOPLE_WORDS):
        calls.append(_call("people_search", **by, limit=5))
    return calls


# Pages whose record names a company: a job's, or the one a member works at now
_NAMING_A_COMPANY = {kind: PAGE_RECORDS[kind] for kind in ("job", "profile")}


def _company_of_page(turn: Turn, results: list[SkillResult]) -> list[SkillCall]:
    """The company calls for the company the question named, or else the one a job page is at or a
    profile page's member works at now."""
    if _context(turn, "company") or turn.context_type not in _NAMING_A_COMPANY:
        return []

    def found(skill: str) -> dict | None:
        return next((r.data for r in results if r.skill == skill and r.status == "done" and isinstance(r.data, dict)),
                    None)

    named, page = found("company_lookup"), found(_NAMING_A_COMPANY[turn.context_type][0])
    if named is not None:
        company = named.get("id")
    elif page is None:
        return []
    elif turn.context_type == "job":
        company = page.get("company_id")
    else:
        current = [e for e in page.get("experience") or [] if isinstance(e, dict) and e.get("end") is None]
        company = current[0].get("company_id") if current else None
    return _company_calls(turn, company) if isinstance(company, str) and company else []


def _career_plan(turn: Turn) -> list[SkillCall]:
    member = _context(turn, "profile") or turn.member_id
    # Open roles answer a question about roles or where to go next, not "How do I ask for a promotion?":
    # there they were a list of the member's own job at other companies, above the reading that answered
    # it. Reading answers the rest; "Which senior Data Engineer roles are open?" quoted a cover letter guide.
    # more than the answer lists: it leaves out the member's own title when the question is about a move
    roles = ([_call("job_search", keywords=turn.query, for_member=member, limit=6)]
             if _asks(turn, _JOB_WORDS | _MOVE_WORDS) else [])
    listing = _asks(turn, _JOB_WORDS) and not _asks(turn, _ADVICE_WORDS)  # "which roles are open?" lists only
    reading = [] if listing else [_call("web_search", query=turn.query, limit=2)]
    return _profile(turn) + roles + reading


# --- follow-up suggestions, from what the dossier holds --------------------------------------------

# Chips the router takes in scope from every page (a test checks it): what a decline, or an answer with
# nothing to go on, offers. "Which jobs match my profile?" was declined beside a post or a company, and
# "Which companies are hiring in my field?" beside a job: a dead end after a dead end.
ANYWHERE_FOLLOWUPS = ("What should my next career move be?", "What does a product manager do?",
                      "How do I prepare for an interview?")


def _general_followups(turn: Turn, g: Grounding) -> list[str]:
    return ["How do I prepare for a behavioural interview?", "What should a strong resume include?",
            "How do I negotiate a job offer?"]


def _job_followups(turn: Turn, g: Grounding) -> list[str]:
    job = g.data("job_view") or {}
    suggestions = []
    if job:
        suggestions += [f"What does {job['company']} do?", f"Find similar {job['title']} jobs"]
        missing = [r for r in job.get("requirements", []) if "years" not in r]
        if missing:
            suggestions.append(f"How can I build {missing[-1].replace(' experience', '')} experience?")
    return suggestions or list(ANYWHERE_FOLLOWUPS)


def _post_followups(turn: Turn, g: Grounding) -> list[str]:
    post = g.data("post_view") or {}
    if not post:  # "Summarize the latest posts on this topic" led back to the same "no post" answer
        return list(ANYWHERE_FOLLOWUPS)
    # each answerable from what the plan reads: no API lists a member's other posts
    return [f"What do articles say about {post['topic']}?", f"How can I apply these {post['topic']} lessons in my job?",
            *(["What do the comments disagree about?"] if post.get("comments") else [])]


def _company_followups(turn: Turn, g: Grounding) -> list[str]:
    company = g.data("company_view") or g.data("company_lookup") or {}
    if not company:
        return list(ANYWHERE_FOLLOWUPS)
    return [f"Which jobs is {company['name']} hiring for?", f"Who works at {company['name']}?",
            f"What is the latest news about {company['name']}?"]


_RANK = re.compile(r"^(?:(?:intern|junior|associate|senior|lead|principal|staff),?\s+|(?:director|vp|head) of\s+)",
                   re.IGNORECASE)


def _step_up(current: str) -> str:
    """The next title up: the network's ladder when it made this title, else the next rank word."""
    above = next_title(current)
    if above is not None:
        return above
    field = _RANK.sub("", current)  # "Data Engineer" was "Engineer": the first word went, rank or not
    rank = current[:len(current) - len(field)].strip(" ,").lower()
    step = "senior " if rank in ("", "intern", "junior", "associate") else "lead " if rank == "senior" else ""
    return f"{step}{field}"


def _career_followups(turn: Turn, g: Grounding) -> list[str]:
    profile = g.data("profile_view") or {}
    suggestions = ["What skills should I learn next?", "How do I ask for a promotion?"]
    if profile.get("titles"):
        # "Which lead Store Operations Lead roles" and "senior Data Engineer Intern roles" named no posting
        suggestions.insert(0, f"Which {_step_up(profile['titles'][0])} roles are open?")
    return suggestions


AGENTS: dict[str, Agent] = {a.name: a for a in (
    Agent("general_knowledge", "Professional knowledge: resumes, interviews, negotiation, workplace, trends.",
          ("web_search", "news_search"), _general_plan, _general_followups),
    Agent("job_assessment", "Whether the member fits a job, what it pays and requires.",
          ("job_view", "job_search", "profile_view", "company_view"), _job_plan, _job_followups),
    Agent("post_takeaways", "The key points of a post and the reactions to it.",
          ("post_view", "profile_view", "web_search"), _post_plan, _post_followups),
    Agent("company_understanding", "What a company does, its size, products and news.",
          ("company_view", "company_lookup", "news_search", "job_search", "people_search", "job_view", "profile_view"),
          _company_plan, _company_followups, then=_company_of_page),
    Agent("career_advice", "The member's next career steps, grounded in their profile.",
          ("profile_view", "job_search", "web_search", "people_search"), _career_plan, _career_followups),
)}


if tuple(AGENTS) != AGENT_NAMES:  # the catalog is the names' behaviour: one of each, in their order
    raise RuntimeError(f"the agents' catalog {tuple(AGENTS)} does not match components.names {AGENT_NAMES}")


class UnknownAgentError(KeyError):
    """An agent name the catalog does not hold; the message lists those it does."""

    def __str__(self) -> str:
        return str(self.args[0])


def get_agent(name: str) -> Agent:
    if name not in AGENTS:
        raise UnknownAgentError(f"unknown agent '{name}'; agents: {', '.join(AGENTS)}")
    return AGENTS[name]
