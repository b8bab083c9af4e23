"""Retrieval: embedders (the registry's model, the hashing fallback) and embedding-based retrieval over LanceDB.

Exports load on first use: the network store needs the embedder without paying for LanceDB's import.
"""

from components.lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["Embedder", "EmbedderMismatchError", "HashingEmbedder", "check_version"],
                    "components.retrieval.embedder"),
    **dict.fromkeys(["Example", "ExampleIndex", "load_examples"], "components.retrieval.examples"),
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
