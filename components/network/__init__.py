"""The sample professional network: records, the seeded generator, the store and the internal APIs."""

from components.network.models import Article, Company, Job, Member, NewsItem, Post
from components.network.store import ArticleIndex, NetworkStore

__all__ = ["Article", "ArticleIndex", "Company", "Job", "Member", "NetworkStore", "NewsItem", "Post"]
