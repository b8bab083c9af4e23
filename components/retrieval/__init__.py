"""Retrieval: weight-free embedders and embedding-based retrieval over LanceDB."""

from components.retrieval.embedder import Embedder, EmbedderMismatchError, HashingEmbedder, check_version
from components.retrieval.examples import Example, ExampleIndex, load_examples

__all__ = [
    "Embedder", "EmbedderMismatchError", "Example", "ExampleIndex", "HashingEmbedder", "check_version", "load_examples",
]
