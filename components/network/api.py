"""The sample internal APIs: HTTP services over the sample network.

They stand in for a company's internal RPC services (people, profiles, jobs, companies, posts,
articles/web search, news). Their schemas are the API's own, not the LLM's: skills map between the two.
Unknown ids answer 404; bad parameters answer FastAPI's 422 with the field that is wrong.

    uvicorn --factory components.network.api:build_default_api --port 8101
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel

from components.config import load_config
from components.network.models import Article, Company, Job, Member, NewsItem, Post, Seniority
from components.network.store import ArticleIndex, NetworkStore, tokens

__all__ = ["article_hit", "build_api", "build_default_api", "profile_of"]

Limit = Annotated[int, Query(ge=1, le=50, description="Maximum number of results.")]
Text = Annotated[str, Query(min_length=1, max_length=500)]
OptionalText = Annotated[str | None, Query(min_length=1, max_length=200)]


class PersonSummary(BaseModel):
    id: str
    name: str
    headline: str
    location: str


class Profile(BaseModel):
    """A member's public profile: contact details are never part of it."""

    id: str
    name: str
    headline: str
    about: str
    location: str
    industry: str
    experience: list[dict]
    skills: list[str]
    education: list[dict]
    open_to_work: bool


class JobSummary(BaseModel):
    id: str
    title: str
    company_name: str
    location: str
    remote: str
    seniority: str
    posted: date


class ArticleHit(BaseModel):
    id: str
    title: str
    source: str
    url: str
    published: date
    snippet: str


def _summary(m: Member) -> PersonSummary:
    return PersonSummary(id=m.id, name=m.name, headline=m.headline, location=m.location)


def profile_of(m: Member) -> Profile:
    """A member as the profile API answers (the seed examples quote the same shape)."""
    return Profile(id=m.id, name=m.name, headline=m.headline, about=m.about, location=m.location,
                   industry=m.industry, experience=[e.model_dump(mode="json") for e in m.experience],
                   skills=m.skills, education=[e.model_dump(mode="json") for e in m.education],
                   open_to_work=m.open_to_work)


_SNIPPET_CHARS = 280


def _snippet(text: str) -> str:
    """The article's opening, cut at a word with an ellipsis as search results are, not in the middle of one."""
    if len(text) <= _SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, _SNIPPET_CHARS)
    return text[:cut if cut > 0 else _SNIPPET_CHARS].rstrip(" ,;:") + "…"


def article_hit(a: Article) -> ArticleHit:
    """An article as the web-search API lists it."""
    return ArticleHit(id=a.id, title=a.title, source=a.source, url=a.url, published=a.published,
                      snippet=_snippet(a.text))


def _get(table: dict, key: str, kind: str):
    if key not in table:
        raise HTTPException(status_code=404, detail=f"no {kind} with id '{key}'")
    return table[key]


def build_api(store: NetworkStore, articles: ArticleIndex) -> FastAPI:
    """Returns the FastAPI app serving `store`; `articles` answers the web-search endpoint."""
    app = FastAPI(title="Switchboard sample internal APIs", version="1.0",
                  description="People, profiles, jobs, companies, posts, articles and news of the sample network.")

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "members": len(store.members), "jobs": len(store.jobs), "data": store.digest}

    @app.get("/people/search", response_model=list[PersonSummary])
    def search_people(q: Annotated[str, Query(max_length=500)] = "", company: OptionalText = None,
                      title: OptionalText = None, location: OptionalText = None, skill: OptionalText = None,
                      company_id: OptionalText = None, limit: Limit = 10) -> list[PersonSummary]:
        if not any((q.strip(), company, title, location, skill, company_id)):
            raise HTTPException(status_code=422,
                                detail="give at least one of q, company, title, location, skill, company_id")
        return [_summary(m) for m in store.search_people(q, company, title, location, skill, limit, company_id)]

    @app.get("/profiles/{member_id}", response_model=Profile)
    def view_profile(member_id: str) -> Profile:
        return profile_of(_get(store.members, member_id, "member"))

    @app.get("/jobs/search", response_model=list[JobSummary])
    def search_jobs(q: Annotated[str, Query(max_length=500)] = "", company: OptionalText = None,
                    location: OptionalText = None, seniority: Seniority | None = None,
                    remote: Literal["onsite", "hybrid", "remote"] | None = None, company_id: OptionalText = None,
                    for_member: OptionalText = None, limit: Limit = 10) -> list[JobSummary]:
        if for_member is not None and for_member not in store.members:
            raise HTTPException(status_code=404, detail=f"no member with id '{for_member}'")
        jobs = store.search_jobs(q, company, location, seniority, remote, limit, company_id, for_member)
        return [JobSummary.model_validate(j.model_dump()) for j in jobs]

    @app.get("/jobs/{job_id}", response_model=Job)
    def view_job(job_id: str) -> Job:
        return _get(store.jobs, job_id, "job")

    @app.get("/companies/lookup", response_model=Company)
    def lookup_company(name: Text) -> Company:
        company = store.find_company(name)
        if company is None:
            raise HTTPException(status_code=404, detail=f"no company matches '{name}'")
        return company

    @app.get("/companies/{company_id}", response_model=Company)
    def view_company(company_id: str) -> Company:
        return _get(store.companies, company_id, "company")

    @app.get("/posts/{post_id}", response_model=Post)
    def view_post(post_id: str) -> Post:
        return _get(store.posts, post_id, "post")

    @app.get("/articles/search", response_model=list[ArticleHit])
    def search_articles(q: Text, mode: Literal["hybrid", "fulltext", "vector"] = "hybrid",
                        limit: Limit = 5) -> list[ArticleHit]:
        """hybrid: keyword (BM25) hits first, then the nearest vectors for what keywords miss (a misspelling).
        A piece that several publications ran is listed once."""
        return [article_hit(a) for a in articles.search(q, mode, limit)]

    @app.get("/news", response_model=list[NewsItem])
    def news(company_id: OptionalText = None, q: Annotated[str, Query(max_length=200)] = "",
             limit: Limit = 10) -> list[NewsItem]:
        if company_id is not None:
            items = list(_get(store.companies, company_id, "company").news)
        else:
            items = sorted((n for c in store.companies.values() for n in c.news), key=lambda n: n.date,
                           reverse=True)
        if q.strip():
            wanted = tokens(q)
            items = [n for n in items if wanted & tokens(n.headline)]
        return items[:limit]

    return app


def build_default_api() -> FastAPI:
    """The app with the embedded defaults from the configuration (used by `make up` and tests)."""

    config = load_config()
    store = NetworkStore.load(config.apis.data_dir)
    return build_api(store, ArticleIndex(store, Path(config.home)))
