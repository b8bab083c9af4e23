"""The sample professional network: records, the seeded generator, the store and the internal APIs."""

from components.lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["Article", "Company", "Job", "Member", "NewsItem", "Post"], "components.network.models"),
    **dict.fromkeys(["ArticleIndex", "NetworkStore"], "components.network.store"),  # LanceDB: only when asked for
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
