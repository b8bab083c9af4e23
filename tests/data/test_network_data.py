"""Expectations on the shipped sample network, and that the generator still makes exactly it."""

import hashlib

import pytest

from components.network.generate import generate, write_network
from components.network.store import default_data_dir


def test_sizes_and_unique_ids(network):
    assert len(network.members) >= 1000 and len(network.jobs) >= 1000 and len(network.posts) >= 1000
    assert len(network.companies) >= 200 and len(network.articles) >= 500
    assert len({m.email for m in network.members.values()}) == len(network.members)


def test_references_resolve(network):
    for job in network.jobs.values():
        assert network.companies[job.company_id].name == job.company_name
    for post in network.posts.values():
        assert post.author_id in network.members
        assert all(c.author_id in network.members for c in post.comments)
    for member in network.members.values():
        assert all(e.company_id in network.companies for e in member.experience)


def test_records_are_plausible(network):
    for job in network.jobs.values():
        assert job.requirements
        if job.salary:
            assert 0 < job.salary.min < job.salary.max
    for member in network.members.values():
        starts = [e.start for e in member.experience]
        assert starts == sorted(starts, reverse=True), member.id
        assert member.experience[0].end is None


def test_records_vary(network):
    assert len({j.title for j in network.jobs.values()}) > 100
    assert len({m.location for m in network.members.values()}) > 20
    assert len({c.industry for c in network.companies.values()}) >= 7
    assert len({p.text for p in network.posts.values()}) > 0.9 * len(network.posts)
    for company in network.companies.values():  # no story filed twice ("appoints new CTO" three times)
        assert len({n.headline for n in company.news}) == len(company.news), company.id


@pytest.mark.slow
def test_generator_reproduces_the_committed_files(tmp_path):
    digests = write_network(generate(), tmp_path)
    for name, digest in digests.items():
        committed = (default_data_dir() / f"{name}.jsonl").read_bytes()
        assert hashlib.sha256(committed).hexdigest() == digest, f"data/network/{name}.jsonl is stale"
