"""Attachments: the profiles, jobs, companies, posts and articles an answer mentions, as cards."""

from __future__ import annotations

from collections.abc import Iterator

from components.engines import Grounding
from components.pipeline.events import AttachmentData

__all__ = ["attachments_for"]


def _candidates(grounding: Grounding, links: str) -> Iterator[tuple[AttachmentData, list[str | tuple[str, ...]]]]:
    """Each record in the dossier, with the names whose mention in the answer attaches it (a tuple: all of
    its names)."""
    for result in grounding.results:
        if result.status != "done" or not result.data:
            continue
        data, params = result.data, result.params
        if result.skill == "job_view":
            yield (AttachmentData(kind="job", id=params["job_id"], title=f"{data['title']} at {data['company']}",
                                  url=f"{links}/jobs/{params['job_id']}"), [data["title"]])
        elif result.skill == "job_search":
            for job in data:
                yield (AttachmentData(kind="job", id=job["id"], title=f"{job['title']} at {job['company']}",
                                      url=f"{links}/jobs/{job['id']}"), [(job["title"], job["company"])])
        elif result.skill == "profile_view":
            yield (AttachmentData(kind="profile", id=params["member_id"], title=data["name"],
                                  url=f"{links}/profiles/{params['member_id']}"), [data["name"], data["headline"]])
        elif result.skill == "people_search":
            for person in data:
                yield (AttachmentData(kind="profile", id=person["id"], title=person["name"],
                                      url=f"{links}/profiles/{person['id']}"), [person["name"]])
        elif result.skill in ("company_view", "company_lookup"):
            company_id = data.get("id") or params.get("company_id")
            yield (AttachmentData(kind="company", id=company_id, title=data["name"],
                                  url=f"{links}/companies/{company_id}"), [data["name"], data["description"][:60]])
        elif result.skill == "post_view":
            yield (AttachmentData(kind="post", id=params["post_id"], title=f"Post by {data['author']}",
                                  url=f"{links}/posts/{params['post_id']}"), [data["author"]])
        elif result.skill == "web_search":
            for article in data:
                yield AttachmentData(kind="article", id=article["id"], title=article["title"], url=article["url"]), [
                    article["title"]]


def attachments_for(answer: str, grounding: Grounding, links: str = "") -> list[AttachmentData]:
    text = answer.lower()

    def mentioned(name: str | tuple[str, ...]) -> bool:
        return all(part and part.lower() in text for part in (name if isinstance(name, tuple) else (name,)))

    seen: set[tuple[str, str]] = set()
    cards = []
    for card, names in _candidates(grounding, links):
        # a searched job by its title and its company: five postings of one title came with three listed
        if (card.kind, card.id) in seen or not any(map(mentioned, names)):
            continue
        seen.add((card.kind, card.id))
        cards.append(card)
    return cards[:6]
