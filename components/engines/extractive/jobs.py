"""Job fit from a posting and a profile: each requirement met or not, and where the profile shows it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from components.engines.base import Grounding
from components.engines.extractive.text import mentions, role

__all__ = ["job_fit"]


def _money(value: Any, currency: str | None) -> str:
    return f"{currency or ''} {value:,}".strip() if isinstance(value, int) else str(value)


def job_fit(g: Grounding) -> str:
    job, profile = g.data("job_view"), g.data("profile_view")
    if not job and g.context_type == "job":
        if g.unanswered("job_view"):
            return g.unavailable
        return "I could not read this job posting right now, so I cannot assess the fit."
    if not job:
        if not g.data("job_search") and g.unanswered("job_search"):
            return g.unavailable
        return _job_matches(g.data("job_search") or [], profile)
    lines = [f"**{job['title']}** at **{job['company']}** ({job['seniority']}, {job['workplace']}, {job['location']})."]
    if job.get("salary_min"):
        lines.append(f"The posted range is {_money(job['salary_min'], job.get('salary_currency'))} to "
                     f"{_money(job['salary_max'], job.get('salary_currency'))} a year.")
    if not profile:
        lines.append("Requirements: " + "; ".join(job["requirements"]) + ".")
        if not g.unanswered("profile_view"):  # a profile that could not be read is not one to share
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
    """The other postings a search beside the job found (the member asked for similar ones, or who is hiring)."""
    others = [j for j in g.data("job_search") or [] if (j["title"], j["company"]) != (job["title"], job["company"])]
    if not others:
        return []
    listed = "\n".join(f"- {j['title']} at {j['company']} ({j['location']})" for j in others[:5])
    return [f"Other open roles that match your question:\n{listed}"]


_YEARS_AS = re.compile(r"^\s*(\d+)\+?\s*years? of experience as an? (.+?)\s*$", re.IGNORECASE)


def _years_in(title: str, profile: dict) -> float | None:
    """Years the profile's dated roles spent as `title`, at any rank; None when it has no dated roles."""
    roles = [e for e in profile.get("experience") or [] if isinstance(e, dict) and e.get("start")]
    if not roles:
        return None
    days = 0
    for entry in roles:
        if entry.get("title") and role(entry["title"]) == role(title):
            try:
                start = date.fromisoformat(str(entry["start"])[:10])
                end = date.fromisoformat(str(entry["end"])[:10]) if entry.get("end") else date.today()
            except ValueError:  # a malformed date says nothing about how long
                continue
            days += max((end - start).days, 0)
    return days / 365.25


def _assess(requirement: str, profile: dict) -> tuple[bool, str | None]:
    """Whether the profile shows `requirement`, and where it shows it when that is not obvious."""
    years = _YEARS_AS.match(requirement)
    if years:
        needed, title = int(years.group(1)), years.group(2)
        held = _years_in(title, profile)
        if held is None:  # no dates: a title held is all the profile shows
            titles = [t for t in profile.get("titles") or [] if role(t) == role(title)]
            return False, ("your profile does not say for how long" if titles else None)
        whole = int(held)
        if held >= needed:
            return True, f"you have {whole} years as one"
        return False, (f"your profile shows {whole} year{'s' if whole != 1 else ''} as one" if whole
                       else "none of your roles so far" if held == 0 else "under a year so far")
    subject = re.sub(r"\s+experience$", "", requirement.strip(), flags=re.IGNORECASE)
    if any(mentions(subject, skill.strip()) for skill in profile.get("skills") or [] if skill.strip()):
        return True, None
    for entry in profile.get("experience") or []:
        if isinstance(entry, dict) and mentions(str(entry.get("description") or ""), subject):
            where = entry.get("company_name") or entry.get("company")
            return True, f"your work at {where} mentions it" if where else "your experience mentions it"
    return False, None


def _change_of_field(requirements: list[str], profile: dict) -> str | None:
    """A sentence when the posting asks for years in a line of work the member has never held."""
    titles = [t for t in profile.get("titles") or [] if t]
    for requirement in requirements:
        years = _YEARS_AS.match(requirement)
        if years and titles and not any(role(t) == role(years.group(2)) for t in titles):
            return (f"This would be a change of field: the posting wants years as "
                    f"{'an' if years.group(2)[:1].lower() in 'aeiou' else 'a'} {years.group(2)}, "
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
