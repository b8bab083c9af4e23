"""The sample network loaded for serving: records by id, keyword search, and a LanceDB article index."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from pydantic import BaseModel

from components.network import vocabulary as vocab
from components.network.models import Article, Company, Job, Member, Post

if TYPE_CHECKING:  # the records alone (the ingress's page picker) need neither LanceDB nor the embedders
    from components.retrieval import Embedder

__all__ = ["ArticleIndex", "NetworkStore", "default_data_dir", "tokens"]

_WORD = re.compile(r"[a-z0-9+#]+")
_STOP = frozenset("a an and the of in on at for to with is are i me my you your what how who job jobs".split())
_RANKS = frozenset("intern junior associate senior lead principal staff director vp head chief".split())
# The word each seniority puts in a title, lowest first ("Intern," "Junior" ... "VP of"; mid-level adds none)
_LEVELS = tuple(prefix.split(" ")[0].strip(",").lower() for prefix in vocab.SENIORITY_PREFIX.values())
R = TypeVar("R", bound=BaseModel)


def default_data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "network"


def _level(title: str) -> int:
    """How senior a title reads, 0 (intern) to 7 (VP): its seniority word, else mid-level."""
    words = set(title.lower().replace(",", " ").split())
    return next((rank for rank, word in enumerate(_LEVELS) if word and word in words), _LEVELS.index(""))


def tokens(text: str) -> set[str]:
    return {t for t in _WORD.findall(text.lower()) if t not in _STOP}


def _load(path: Path, model: type[R]) -> list[R]:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `python -m components.network.generate`")
    with path.open(encoding="utf-8") as lines:
        return [model.model_validate_json(line) for line in lines if line.strip()]


def _ranked(records: Iterable[R], query: str, text_of: Callable[[R], str], limit: int) -> list[R]:
    wanted = tokens(query)
    if not wanted:
        return list(records)[:limit]
    scored = []
    for position, record in enumerate(records):
        score = len(wanted & tokens(text_of(record)))
        if score:
            scored.append((-score, position, record))
    scored.sort(key=lambda item: item[:2])
    return [record for _, _, record in scored[:limit]]


@dataclass
class NetworkStore:
    members: dict[str, Member]
    companies: dict[str, Company]
    jobs: dict[str, Job]
    posts: dict[str, Post]
    articles: dict[str, Article]
    digest: str

    @classmethod
    def load(cls, data_dir: Path | None = None) -> NetworkStore:
        data_dir = data_dir or default_data_dir()
        digest = hashlib.sha256()
        for name in ("members", "companies", "jobs", "posts", "articles"):
            digest.update((data_dir / f"{name}.jsonl").read_bytes() if (data_dir / f"{name}.jsonl").exists() else b"")
        return cls(
            members={m.id: m for m in _load(data_dir / "members.jsonl", Member)},
            companies={c.id: c for c in _load(data_dir / "companies.jsonl", Company)},
            jobs={j.id: j for j in _load(data_dir / "jobs.jsonl", Job)},
            posts={p.id: p for p in _load(data_dir / "posts.jsonl", Post)},
            articles={a.id: a for a in _load(data_dir / "articles.jsonl", Article)},
            digest=digest.hexdigest()[:12],
        )

    def sample_contexts(self, per_kind: int = 12) -> dict[str, list[dict[str, str]]]:
        """A few pages of each kind, with a label, for pickers and demos."""
        def take(items, label):
            return [{"id": item.id, "label": label(item)} for item in list(items)[:per_kind]]

        return {
            "job": take(self.jobs.values(), lambda j: f"{j.title} · {j.company_name}"),
            "post": take(self.posts.values(), lambda p: f"{p.author_name} on {p.topic}: {p.text[:50]}…"),
            "company": take(self.companies.values(), lambda c: f"{c.name} · {c.industry}"),
            "profile": take(self.members.values(), lambda m: f"{m.name} · {m.headline}"),
        }

    def search_people(self, query: str = "", company: str | None = None, title: str | None = None,
                      location: str | None = None, skill: str | None = None, limit: int = 10,
                      company_id: str | None = None) -> list[Member]:
        def keep(m: Member) -> bool:
            current = m.experience[0]
            return ((company is None or company.lower() in current.company_name.lower())
                    and (company_id is None or current.company_id == company_id)
                    and (title is None or title.lower() in current.title.lower())
                    and (location is None or location.lower() in m.location.lower())
                    and (skill is None or any(skill.lower() == s.lower() for s in m.skills)))

        return _ranked(filter(keep, self.members.values()), query,
                       lambda m: f"{m.name} {m.headline} {' '.join(m.skills)} {m.location}", limit)

    def search_jobs(self, query: str = "", company: str | None = None, location: str | None = None,
                    seniority: str | None = None, remote: str | None = None, limit: int = 10,
                    company_id: str | None = None, for_member: str | None = None) -> list[Job]:
        """`for_member`: that member's current role and skills rank postings too, after the query's words."""
        def keep(j: Job) -> bool:
            return ((company is None or company.lower() in j.company_name.lower())
                    and (company_id is None or j.company_id == company_id)
                    and (location is None or location.lower() in j.location.lower())
                    and (seniority is None or j.seniority == seniority)
                    and (remote is None or j.remote == remote))

        def text_of(j: Job) -> str:
            return f"{j.title} {j.title} {j.company_name} {' '.join(j.requirements)}"

        member = self.members.get(for_member) if for_member else None
        if member is None:
            return _ranked(filter(keep, self.jobs.values()), query, text_of, limit)
        asked, current = tokens(query), member.experience[0].title
        role, skills, level = tokens(current) - _RANKS, tokens(" ".join(member.skills)), _level(current)
        ranked, places = [], Counter()
        for job in filter(keep, self.jobs.values()):
            words, title, job_level = tokens(text_of(job)), tokens(job.title), _level(job.title)
            # The question's words and the member's role in the title, then the question's words elsewhere,
            # then their level and the next one up: "How can I move into management?" from a Data Engineer
            # found Electrical Engineers, whose postings ask for Project Management, and from a Junior
            # Program Manager only Junior Program Managers.
            fit = (len(asked & title) + len(role & title), len(asked & words), -abs(job_level - level - 0.5))
            if fit[0] or fit[1] or skills & words:
                places[fit, job_level] += 1  # the two levels take turns (one like theirs, a step up), in order
                ranked.append(((fit, -places[fit, job_level], len(skills & words)), job))
        ranked.sort(key=lambda item: item[0], reverse=True)  # stable: in the network's order within a key
        return [job for _, job in ranked[:limit]]

    def find_company(self, name: str) -> Company | None:
        wanted = name.strip().lower()
        exact = [c for c in self.companies.values() if c.name.lower() == wanted]
        if exact:
            return exact[0]
        partial = _ranked(self.companies.values(), name, lambda c: c.name, 1)
        return partial[0] if partial else None


# Enough rows that `limit` distinct pieces survive collapsing the editions of each (the sample runs each piece
# in about 24).
_EDITIONS_PER_PIECE = 30


class ArticleIndex:
    """Articles in a LanceDB table with a full-text index and vectors from the project's embedder.

    The table name carries the data digest and the embedder version, so a changed corpus or embedder
    gets a new table instead of silently mixing vectors.
    """

    def __init__(self, store: NetworkStore, home: Path, embedder: Embedder | None = None) -> None:
        # start-up time: LanceDB and the embedder (the model) load only where articles are searched; the
        # records alone (the ingress's page picker, the routing dev set) need neither
        import lancedb
        from lancedb.index import FTS

        from components.retrieval.cache import embed_corpus
        from components.retrieval.registry import default_embedder

        self._embedder = embedder or default_embedder()
        self._articles = store.articles
        name = re.sub(r"[^A-Za-z0-9_]", "_", f"articles_{store.digest}_{self._embedder.version}")
        db = lancedb.connect(str(home / "lancedb"))
        if name in db.list_tables().tables:
            self._table = db.open_table(name)
        else:
            ordered = list(store.articles.values())
            vectors = embed_corpus(self._embedder, [f"{a.title}. {a.text}" for a in ordered])
            rows = [{"id": a.id, "title": a.title, "text": f"{a.title}. {a.text}", "vector": v.tolist()}
                    for a, v in zip(ordered, vectors, strict=True)]
            self._table = db.create_table(name, data=rows, mode="overwrite")
            self._table.create_index("text", config=FTS(), replace=True)

    def search(self, query: str, mode: Literal["hybrid", "fulltext", "vector"] = "hybrid",
               limit: int = 5) -> list[Article]:
        """`hybrid`: the keyword hits, then the nearest vectors to fill `limit`; one edition of each piece.

        Keywords first: with the hashing embedder (the fallback), which counts every word alike, the nearest
        article to "What is MLOps?" was "What to do in the first week after a layoff"; BM25 weighs words by
        rarity and drops stop words. The vectors then find what the keywords miss: a misspelling, a synonym.
        Like a web search's "similar results omitted", a piece that several publications ran is listed
        once: with two dozen editions of each, a search for two hits returned one piece twice.
        """
        # The score columns are selected by name: LanceDB adds them anyway and warns, on every search,
        # that a later release will stop doing so.
        wide = limit * _EDITIONS_PER_PIECE
        ids: list[str] = []
        if mode in ("hybrid", "fulltext"):
            ids += [hit["id"] for hit in self._table.search(query, query_type="fts").select(["id", "_score"])
                    .limit(wide).to_list()]
        if mode == "vector" or (mode == "hybrid" and len(self._pieces(ids)) < limit):
            vector = self._embedder.embed([query])[0]
            nearest = self._table.search(vector).select(["id", "_distance"]).limit(wide).to_list()
            ids += [hit["id"] for hit in nearest if hit["id"] not in ids]
        return self._pieces(ids)[:limit]

    def _pieces(self, ids: list[str]) -> list[Article]:
        """The first edition of each piece among `ids`, in order."""
        seen, kept = set(), []
        for article in (self._articles[i] for i in ids):
            if article.topic not in seen:
                seen.add(article.topic)
                kept.append(article)
        return kept
