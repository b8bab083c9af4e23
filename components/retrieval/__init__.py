"""Retrieval: weight-free embedders and embedding-based retrieval over LanceDB."""

from components.retrieval.embedder import Embedder, EmbedderMismatchError, HashingEmbedder, check_version

__all__ = ["Embedder", "EmbedderMismatchError", "HashingEmbedder", "check_version"]
