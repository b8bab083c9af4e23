"""Response examples retrieved by embedding (EBR) and injected into the generation prompt.

The table `examples` in LanceDB holds every example with its vector and the embedder version that
made it. Each rebuild writes a new table version (LanceDB versions tables), so serving can pin one
and switch atomically. A query embedded by a different embedder version is refused loudly: vectors
from two embedders are not comparable, and silent nonsense retrieval is the worst failure here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import lancedb
import numpy as np

from components.retrieval.cache import embed_corpus
from components.retrieval.embedder import Embedder, EmbedderMismatchError, check_version
from components.retrieval.registry import default_embedder, embedder_for_version

__all__ = ["EXAMPLES_FILE", "Example", "ExampleIndex", "load_examples"]

EXAMPLES_FILE = Path(__file__).resolve().parents[2] / "data" / "examples" / "examples.jsonl"
TABLE = "examples"


@dataclass(frozen=True)
class Example:
    id: str
    agent: str
    query: str
    answer: str
    source: str = "curated"


def _query_text(agent: str, query: str) -> str:
    """What is embedded, for the stored examples and the queries alike."""
    return f"{agent}: {query}"


def load_examples(path: Path = EXAMPLES_FILE) -> list[Example]:
    with path.open(encoding="utf-8") as lines:
        return [Example(**json.loads(line)) for line in lines if line.strip()]


class ExampleIndex:
    """Nearest examples for an agent and a query.

    LanceDB is the versioned store. A table small enough (`memory_rows`, the usual size of a curated
    example set) is also held in memory at open and searched with one matrix product: a LanceDB query
    costs milliseconds of planning even on a hundred rows, and retrieval sits on the path to the first
    token. The vectors are unit length, so the ranking is LanceDB's L2 ranking. Larger tables are
    queried in LanceDB.
    """

    def __init__(self, table: lancedb.table.Table, embedder: Embedder | None, version: int,
                 memory_rows: int = 50_000) -> None:
        """`embedder`: None reads the table with the embedder that wrote it (components/retrieval/registry.py)."""
        stored = table.search().select(["embedder"]).limit(1).to_list()
        if embedder is None:
            embedder = embedder_for_version(stored[0]["embedder"]) if stored else default_embedder()
        elif stored:
            check_version(stored[0]["embedder"], embedder.version, f"examples table v{version}")
        self._table, self._embedder, self.version = table, embedder, version
        self._memory: dict[str, tuple[list[Example], np.ndarray]] | None = None
        if table.count_rows() <= memory_rows:
            rows = table.to_arrow().to_pylist()
            by_agent: dict[str, list[dict]] = {}
            for row in rows:
                by_agent.setdefault(row["agent"], []).append(row)
            self._memory = {
                agent: ([Example(r["id"], r["agent"], r["query"], r["answer"], r["source"]) for r in group],
                        np.asarray([r["vector"] for r in group], dtype=np.float32))
                for agent, group in by_agent.items()}

    @property
    def inline(self) -> bool:
        """Search is cheap enough to run on an event loop: the table is in memory and the embedder local."""
        return self._memory is not None and self._embedder.local

    def embed_queries(self, query: str, agents: Sequence[str]) -> dict[str, np.ndarray]:
        """The query's vector for each of `agents`, from one embedder call, for `search(..., vector=...)`.

        A turn whose route is still on its way computes them while it waits, so that once the agent is
        known, retrieval costs a matrix product.
        """
        return dict(zip(agents, self._embedder.embed([_query_text(agent, query) for agent in agents]), strict=True))

    @property
    def embedder_version(self) -> str:
        return self._embedder.version

    @classmethod
    def build(cls, examples: list[Example], embedder: Embedder, home: Path) -> ExampleIndex:
        """Writes a new version of the examples table and returns the index on it."""
        if not examples:
            raise ValueError("no examples to index")
        vectors = embed_corpus(embedder, [_query_text(e.agent, e.query) for e in examples])
        rows = [{"id": e.id, "agent": e.agent, "query": e.query, "answer": e.answer, "source": e.source,
                 "embedder": embedder.version, "vector": v.tolist()} for e, v in zip(examples, vectors, strict=True)]
        db = lancedb.connect(str(home / "lancedb"))
        table = db.create_table(TABLE, data=rows, mode="overwrite")
        return cls(table, embedder, table.version)

    @classmethod
    def open(cls, home: Path, embedder: Embedder | None = None, version: int | None = None) -> ExampleIndex:
        """The table's `version` (default the newest), queried with `embedder`, refused when the table was built by
        another; without one, with the embedder that built it (a home keeps serving its table until a rebuild)."""
        db = lancedb.connect(str(home / "lancedb"))
        if TABLE not in db.list_tables().tables:
            raise FileNotFoundError(f"no examples table under {home}/lancedb: build it first")
        table = db.open_table(TABLE)
        if version is not None:
            table.checkout(version)
        return cls(table, embedder, table.version)

    @staticmethod
    def latest_version(home: Path) -> int | None:
        """The newest version of the examples table under `home`, or None when there is none."""
        db = lancedb.connect(str(home / "lancedb"))
        if TABLE not in db.list_tables().tables:
            return None
        return db.open_table(TABLE).version

    def search(self, agent: str, query: str, k: int = 3, embedder_version: str | None = None,
               vector: np.ndarray | None = None) -> list[Example]:
        """`vector`: the query's, from `embed_queries`, when it was computed ahead."""
        if embedder_version is not None and embedder_version != self._embedder.version:
            raise EmbedderMismatchError(f"query embedded with '{embedder_version}' but the examples table "
                                        f"uses '{self._embedder.version}'")
        if vector is None:
            vector = self._embedder.embed([_query_text(agent, query)])[0]
        if self._memory is not None:
            examples, vectors = self._memory.get(agent, ([], np.zeros((0, vector.shape[0]), np.float32)))
            best = np.argsort(-(vectors @ vector), kind="stable")[:k]
            return [examples[i] for i in best]
        hits = (self._table.search(vector).where(f"agent = '{agent}'", prefilter=True)
                .select(["id", "agent", "query", "answer", "source", "_distance"]).limit(k).to_list())
        return [Example(h["id"], h["agent"], h["query"], h["answer"], h["source"]) for h in hits]
