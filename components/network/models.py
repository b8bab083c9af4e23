"""Records of the sample professional network.

These are the shapes the sample internal APIs serve and the generator writes. They are deliberately
close to what a real network's RPC services return (nested experience, salary ranges, comments), so
that skills have real mapping work to do between the API schema and the LLM-friendly one.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "Article",
    "Comment",
    "Company",
    "Education",
    "Experience",
    "Job",
    "Member",
    "NewsItem",
    "Post",
    "SalaryRange",
    "Seniority",
]

Seniority = Literal["intern", "entry", "associate", "mid", "senior", "lead", "director", "executive"]


class Experience(BaseModel):
    title: str
    company_id: str
    company_name: str
    start: date
    end: date | None = Field(None, description="None while the position is current.")
    description: str


class Education(BaseModel):
    school: str
    degree: str
    field: str
    graduation_year: int


class Member(BaseModel):
    id: str
    first_name: str
    last_name: str
    headline: str
    about: str
    location: str
    industry: str
    experience: list[Experience]
    skills: list[str]
    education: list[Education]
    # Contact details exist so trust checks have something real to protect: they are never served
    # by the profile API to anyone but the member themself.
    email: str
    phone: str
    open_to_work: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class NewsItem(BaseModel):
    id: str
    company_id: str
    date: date
    headline: str
    summary: str


class Company(BaseModel):
    id: str
    name: str
    industry: str
    size: str = Field(description="Employee-count band, e.g. '1001-5000'.")
    headquarters: str
    founded: int
    description: str
    products: list[str]
    specialties: list[str]
    website: str
    news: list[NewsItem]


class SalaryRange(BaseModel):
    currency: str
    min: int
    max: int
    period: Literal["year", "hour"]


class Job(BaseModel):
    id: str
    title: str
    company_id: str
    company_name: str
    location: str
    remote: Literal["onsite", "hybrid", "remote"]
    seniority: Seniority
    employment_type: Literal["full_time", "part_time", "contract", "internship"]
    description: str
    requirements: list[str]
    nice_to_have: list[str]
    salary: SalaryRange | None
    posted: date
    applicants: int


class Comment(BaseModel):
    author_id: str
    author_name: str
    text: str
    likes: int


class Post(BaseModel):
    id: str
    author_id: str
    author_name: str
    topic: str
    text: str
    posted: date
    likes: int
    comments: list[Comment]


class Article(BaseModel):
    id: str
    title: str
    source: str
    url: str
    topic: str
    published: date
    text: str
