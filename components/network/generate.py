"""Deterministic generator of the sample professional network.

`python -m components.network.generate` rewrites data/network/*.jsonl. The output is committed, and a
test regenerates it and compares digests, so the data and the code that made it cannot drift apart.
Everything derives from one seeded `random.Random`; dates are relative to a fixed anchor day so the
output does not change with the calendar.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel

from components.network import vocabulary as vocab
from components.network.models import (
    Article,
    Comment,
    Company,
    Education,
    Experience,
    Job,
    Member,
    NewsItem,
    Post,
    SalaryRange,
)
from components.network.titles import title_at

__all__ = ["ANCHOR_DAY", "DEFAULT_SEED", "NetworkSize", "generate", "write_network"]

DEFAULT_SEED = 20261101
ANCHOR_DAY = date(2026, 11, 1)
SENIORITIES = ("intern", "entry", "associate", "mid", "senior", "lead", "director", "executive")
_BASE_SALARY = {"intern": 35_000, "entry": 60_000, "associate": 75_000, "mid": 95_000, "senior": 130_000,
                "lead": 155_000, "director": 185_000, "executive": 240_000}


@dataclass(frozen=True)
class NetworkSize:
    companies: int = 240
    members: int = 1800
    jobs: int = 1500
    posts: int = 2000
    articles: int = 600


@dataclass
class Network:
    companies: list[Company]
    members: list[Member]
    jobs: list[Job]
    posts: list[Post]
    articles: list[Article]

    def tables(self) -> dict[str, list[BaseModel]]:
        return {"companies": self.companies, "members": self.members, "jobs": self.jobs,
                "posts": self.posts, "articles": self.articles}


def _days_ago(rng: random.Random, low: int, high: int) -> date:
    return ANCHOR_DAY - timedelta(days=rng.randint(low, high))


def _years(since: date) -> int:
    """Whole years from `since` to the anchor day."""
    return (ANCHOR_DAY - since).days * 4 // 1461


def _a(phrase: str) -> str:
    """The phrase after its indefinite article: "an Associate Data Analyst", "a Data Engineer"."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"


def _companies(rng: random.Random, n: int) -> list[Company]:
    names: set[str] = set()
    companies = []
    industries = list(vocab.INDUSTRIES)
    while len(companies) < n:
        industry = industries[len(companies) % len(industries)]
        spec = vocab.INDUSTRIES[industry]
        name = f"{rng.choice(spec['name_parts'])}{rng.choice(vocab.NAME_NOUNS)} {rng.choice(spec['suffixes'])}"
        if name in names:
            continue
        names.add(name)
        cid = f"c{len(companies) + 1:04d}"
        products = rng.sample(spec["products"], k=min(3, len(spec["products"])))
        hq = rng.choice(vocab.CITIES)
        size = rng.choice(vocab.SIZES)
        founded = rng.randint(1950, 2022)
        description = (
            f"{name} is {_a(industry.lower())} company headquartered in {hq}, founded in {founded}. "
            f"It builds {products[0]} and {products[1]} for customers in {rng.randint(3, 60)} countries, "
            f"with {size} employees."
        )
        companies.append(Company(
            id=cid, name=name, industry=industry, size=size, headquarters=hq, founded=founded,
            description=description, products=products,
            specialties=rng.sample(sorted({s for skills in spec["roles"].values() for s in skills}), k=4),
            website=f"https://www.{name.split()[0].lower()}.example", news=[],
        ))
    for company in companies:
        company.news = []
        for i in range(rng.randint(1, 4)):
            company.news.append(_news(rng, company, companies, i, {n.headline for n in company.news}))
        company.news.sort(key=lambda item: item.date, reverse=True)
    return companies


def _news(rng: random.Random, company: Company, companies: list[Company], i: int, taken: set[str]) -> NewsItem:
    """A story the company has not run yet: a template that would repeat one gives way to the next."""
    templates = vocab.NEWS_TEMPLATES
    first = templates.index(rng.choice(templates))
    values = dict(company=company.name, amount=f"${rng.randint(5, 400)} million", product=rng.choice(company.products),
                  city=rng.choice(vocab.CITIES).split(",")[0], other=rng.choice(companies).name, pct=rng.randint(3, 45))
    candidates = (templates[(first + step) % len(templates)].format(**values) for step in range(len(templates)))
    headline = next(h for h in candidates if h not in taken)
    summary = (f"{headline}. The company said the move supports its strategy in {company.industry.lower()} "
               f"and its {company.size}-person team based in {company.headquarters}.")
    return NewsItem(id=f"{company.id}-n{i + 1}", company_id=company.id, date=_days_ago(rng, 1, 120),
                    headline=headline, summary=summary)


def _members(rng: random.Random, n: int, companies: list[Company]) -> list[Member]:
    members = []
    by_industry: dict[str, list[Company]] = {}
    for company in companies:
        by_industry.setdefault(company.industry, []).append(company)
    for i in range(n):
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        industry = rng.choice(list(vocab.INDUSTRIES))
        spec = vocab.INDUSTRIES[industry]
        role = rng.choice(list(spec["roles"]))
        level = rng.choices(range(len(SENIORITIES)), weights=(2, 8, 10, 14, 12, 6, 3, 1))[0]
        experience = []
        start = ANCHOR_DAY - timedelta(days=rng.randint(200, 900))
        end: date | None = None
        for step in range(rng.randint(1, 4)):
            company = rng.choice(by_industry[industry])
            seniority = SENIORITIES[max(0, level - step)]
            experience.append(Experience(
                title=title_at(role, seniority), company_id=company.id, company_name=company.name,
                start=start, end=end,
                description=(f"{rng.choice(('Led', 'Built', 'Owned', 'Improved', 'Shipped'))} "
                             f"{rng.choice(company.products)} work; "
                             f"{rng.choice(spec['roles'][role])} and {rng.choice(spec['roles'][role])} daily."),
            ))
            end = start - timedelta(days=rng.randint(10, 90))
            start = end - timedelta(days=rng.randint(300, 1400))
        role_skills = spec["roles"][role]
        skills = rng.sample(role_skills, k=min(len(role_skills), rng.randint(3, 6)))
        if rng.random() < 0.4:
            skills.append(rng.choice(("Public Speaking", "Mentoring", "Spanish", "German", "Negotiation")))
        current = experience[0]
        location = rng.choice(vocab.CITIES)
        years = (ANCHOR_DAY - experience[-1].start).days // 365
        members.append(Member(
            id=f"m{i + 1:05d}", first_name=first, last_name=last,
            headline=f"{current.title} at {current.company_name}",
            about=(f"{role} with {max(years, 1)} year{'s' if years > 1 else ''} in {industry.lower()}. I care about "
                   f"{skills[0]} and {skills[-1]}, and I am {'open to new roles' if level < 5 else 'hiring'}."),
            location=location, industry=industry, experience=experience, skills=skills,
            education=[Education(school=rng.choice(vocab.SCHOOLS), degree=rng.choice(vocab.DEGREES),
                                 field=rng.choice(("Computer Science", "Economics", "Biology", "Design",
                                                   "Electrical Engineering", "Business", "Education",
                                                   "Statistics", "Marketing", "Nursing")),
                                 graduation_year=experience[-1].start.year - rng.randint(0, 2))],
            email=f"{first.lower()}.{last.lower()}{i}@mail.example",
            phone=f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            open_to_work=rng.random() < 0.3,
        ))
    return members


def _jobs(rng: random.Random, n: int, companies: list[Company]) -> list[Job]:
    jobs = []
    for i in range(n):
        company = rng.choice(companies)
        spec = vocab.INDUSTRIES[company.industry]
        role = rng.choice(list(spec["roles"]))
        seniority = rng.choices(SENIORITIES, weights=(3, 10, 10, 14, 14, 6, 3, 1))[0]
        skills = spec["roles"][role]
        required = rng.sample(skills, k=min(len(skills), rng.randint(3, 5)))
        nice = [s for s in skills if s not in required][:2]
        years = {"intern": 0, "entry": 0, "associate": 1, "mid": 3, "senior": 5, "lead": 7, "director": 10,
                 "executive": 12}[seniority]
        requirements = [f"{s} experience" for s in required]
        if years:
            requirements.insert(0, f"{years}+ years of experience as {_a(role)}")
        remote = rng.choice(("onsite", "hybrid", "remote"))
        base = _BASE_SALARY[seniority] * rng.uniform(0.85, 1.25)
        salary = None if rng.random() < 0.15 else SalaryRange(
            currency="USD", min=int(round(base * 0.9, -3)), max=int(round(base * 1.2, -3)), period="year")
        title = title_at(role, seniority)
        jobs.append(Job(
            id=f"j{i + 1:05d}", title=title, company_id=company.id, company_name=company.name,
            location=company.headquarters if remote != "remote" else "Remote", remote=remote,
            seniority=seniority,
            employment_type="internship" if seniority == "intern" else rng.choices(
                ("full_time", "part_time", "contract"), weights=(8, 1, 1))[0],
            description=(f"{company.name} is hiring {_a(title)} to work on its {rng.choice(company.products)}. "
                         f"You will collaborate with {rng.choice(('product', 'engineering', 'operations', 'sales'))} "
                         f"teams and join {_a(role.lower())} group of {rng.randint(3, 40)} people."),
            requirements=requirements, nice_to_have=nice, salary=salary, posted=_days_ago(rng, 0, 60),
            applicants=rng.randint(0, 900),
        ))
    return jobs


def _posts(rng: random.Random, n: int, members: list[Member]) -> list[Post]:
    posts = []
    for i in range(n):
        author = rng.choice(members)
        topic = rng.choice(vocab.INDUSTRIES[author.industry]["topics"])
        bank = vocab.TOPIC_SENTENCES[topic]
        sentences = rng.sample(bank, k=rng.randint(2, min(4, len(bank))))
        current = author.experience[0]
        # years the profile shows: "9 years as a Junior Compliance Officer" was drawn at random
        in_role = _years(current.start)
        in_field = _years(min(e.start for e in author.experience))
        sentences.insert(rng.randint(0, len(sentences)), rng.choice((
            f"At {current.company_name} we learned this the hard way.",
            (f"This is what {in_role} years as {_a(current.title)} taught me." if in_role > 1
             else f"This is what my first year as {_a(current.title)} taught me."),
            f"Our team at {current.company_name} is testing this right now.",
            f"I see this every week in my work as {_a(current.title)}.",
        )))
        closer = rng.choice(("What would you add?", "Agree or disagree?", f"#{topic} #{author.industry.lower()}",
                             "Curious how others handle this.", "", f"#{topic}"))
        opener = rng.choice((f"After {in_field} years in {author.industry.lower()}, a few lessons." if in_field > 1
                             else f"A few lessons from my first year in {author.industry.lower()}.",
                             "Something I keep coming back to this week.",
                             f"Notes from our {rng.choice(('team offsite', 'quarterly review', 'conference talk'))}.",
                             "Unpopular opinion, maybe."))
        comments = []
        for _ in range(rng.randint(0, 5)):
            commenter = rng.choice(members)
            comments.append(Comment(author_id=commenter.id, author_name=commenter.name,
                                    text=rng.choice(vocab.COMMENT_BANK), likes=rng.randint(0, 80)))
        posts.append(Post(
            id=f"p{i + 1:05d}", author_id=author.id, author_name=author.name, topic=topic,
            text=" ".join(part for part in (opener, *sentences, closer) if part), posted=_days_ago(rng, 0, 90),
            likes=rng.randint(0, 5000),
            comments=comments,
        ))
    return posts


def _articles(rng: random.Random, n: int, companies: list[Company]) -> list[Article]:
    articles = []
    topics = list(vocab.ARTICLE_TOPICS)
    for i in range(n):
        topic = topics[i % len(topics)]
        title, body = vocab.ARTICLE_TOPICS[topic]
        company = rng.choice(companies)
        angle = rng.choice((
            # No company's name, nor a word a question would ask about: "Should I stay at Thrivelight Bio?"
            # quoted the framing line "We spoke with hiring managers at Vitawave Bio", and "How can I move
            # into management?" quoted one about hiring managers.
            f"We spoke with {company.industry.lower()} employers in {company.headquarters}.",
            (f"A recent survey of {rng.randint(200, 5000)} professionals in {company.industry.lower()} "
            f"informed this guide."),
            f"Recruiters in {rng.choice(vocab.CITIES)} shared what they see most often.",
        ))
        source = rng.choice(vocab.ARTICLE_SOURCES)
        edition = f"{title} ({source}, edition {i // len(topics) + 1})"
        articles.append(Article(
            id=f"a{i + 1:05d}", title=edition, source=source,
            url=f"https://{source.lower().replace(' ', '')}.example/{topic}/{i + 1}", topic=topic,
            published=_days_ago(rng, 0, 700), text=f"{angle} {body}",
        ))
    return articles


def generate(seed: int = DEFAULT_SEED, size: NetworkSize = NetworkSize()) -> Network:
    rng = random.Random(seed)
    companies = _companies(rng, size.companies)
    members = _members(rng, size.members, companies)
    return Network(companies=companies, members=members, jobs=_jobs(rng, size.jobs, companies),
                   posts=_posts(rng, size.posts, members), articles=_articles(rng, size.articles, companies))


def _jsonl(records: Iterable[BaseModel]) -> str:
    return "".join(json.dumps(r.model_dump(mode="json"), ensure_ascii=False, sort_keys=True) + "\n"
                   for r in records)


def write_network(network: Network, directory: Path) -> dict[str, str]:
    """Writes one JSONL file per table and returns their sha256 digests."""
    directory.mkdir(parents=True, exist_ok=True)
    digests = {}
    for name, records in network.tables().items():
        text = _jsonl(records)
        (directory / f"{name}.jsonl").write_text(text, encoding="utf-8")
        digests[name] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "data" / "network")
    args = parser.parse_args()
    for name, digest in write_network(generate(args.seed), args.out).items():
        print(f"{name:10s} {digest[:16]}")


if __name__ == "__main__":
    _main()
