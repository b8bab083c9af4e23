from collections import Counter

import numpy as np
import pytest

from components.agents import AGENTS
from components.retrieval import EmbedderMismatchError, ExampleIndex, HashingEmbedder, load_examples
from components.retrieval.embedder import Embedder


def test_at_least_twenty_examples_per_agent():
    counts = Counter(e.agent for e in load_examples())
    assert set(counts) == set(AGENTS) and min(counts.values()) >= 20


def test_search_returns_the_agents_nearest_examples(tmp_path):
    index = ExampleIndex.build(load_examples(), HashingEmbedder(), tmp_path)
    hits = index.search("job_assessment", "am I qualified for this job", k=3)
    assert len(hits) == 3 and all(h.agent == "job_assessment" for h in hits)
    best = index.search("general_knowledge", "negotiate a job offer", k=1)[0]
    assert best.query == "How should I negotiate a job offer?"


def test_every_build_is_a_new_table_version_and_open_can_pin_one(tmp_path):
    first = ExampleIndex.build(load_examples()[:10], HashingEmbedder(), tmp_path)
    second = ExampleIndex.build(load_examples(), HashingEmbedder(), tmp_path)
    assert second.version > first.version
    assert ExampleIndex.open(tmp_path, HashingEmbedder()).version == second.version
    pinned = ExampleIndex.open(tmp_path, HashingEmbedder(), version=first.version)
    assert pinned.search("job_assessment", "fit", k=50) and len(pinned.search("job_assessment", "fit", k=50)) <= 10


class _OtherEmbedder(Embedder):
    version = "other-v1"
    dim = 384

    def embed(self, texts):
        return np.zeros((len(texts), 384), dtype=np.float32)


def test_a_table_from_another_embedder_is_refused_loudly(tmp_path):
    ExampleIndex.build(load_examples(), HashingEmbedder(), tmp_path)
    expected = "was embedded with 'hashing-v1-w128-c256' but the query embedder is 'other-v1'"
    with pytest.raises(EmbedderMismatchError, match=expected):
        ExampleIndex.open(tmp_path, _OtherEmbedder())
    index = ExampleIndex.open(tmp_path, HashingEmbedder())
    with pytest.raises(EmbedderMismatchError):
        index.search("job_assessment", "fit", embedder_version="other-v1")


def test_missing_table_says_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="build it first"):
        ExampleIndex.open(tmp_path, HashingEmbedder())


def test_in_memory_search_ranks_like_lancedb(tmp_path):
    examples = load_examples()
    ExampleIndex.build(examples, HashingEmbedder(), tmp_path)
    in_memory = ExampleIndex.open(tmp_path, HashingEmbedder())
    in_lancedb = ExampleIndex(in_memory._table, HashingEmbedder(), in_memory.version, memory_rows=0)
    assert in_memory._memory is not None and in_lancedb._memory is None
    for agent, query in [("job_assessment", "do I qualify"), ("general_knowledge", "salary negotiation tips"),
                         ("post_takeaways", "what is this post about"), ("career_advice", "next step for me")]:
        expected = [e.id for e in in_lancedb.search(agent, query, k=5)]
        assert [e.id for e in in_memory.search(agent, query, k=5)] == expected
    assert in_memory.search("no_such_agent", "x") == []


def test_vectors_embedded_ahead_retrieve_what_search_would(tmp_path):
    index = ExampleIndex.build(load_examples(), HashingEmbedder(), tmp_path)
    query = "what should I ask about the salary"
    ahead = index.embed_queries(query, list(AGENTS))
    assert set(ahead) == set(AGENTS)
    for agent in AGENTS:
        assert [e.id for e in index.search(agent, query, k=4, vector=ahead[agent])] == \
            [e.id for e in index.search(agent, query, k=4)]


def test_only_an_in_memory_table_with_a_local_embedder_searches_inline(tmp_path):
    from components.retrieval.embedder import OpenAIEmbedder

    index = ExampleIndex.build(load_examples(), HashingEmbedder(), tmp_path)
    in_lancedb = ExampleIndex(index._table, HashingEmbedder(), index.version, memory_rows=0)
    assert index.inline and not in_lancedb.inline
    assert HashingEmbedder.local and not OpenAIEmbedder.local  # an HTTP call never runs on the event loop
