"""The sample internal APIs (the skills' backends) as a deployment of their own."""

from __future__ import annotations

from pathlib import Path

from ray import serve

from components.config import SwitchboardConfig
from components.network import ArticleIndex, NetworkStore
from components.network.api import build_api

__all__ = ["InternalApisDeployment"]


@serve.deployment(name="internal_apis")
@serve.ingress()
class InternalApisDeployment:
    def __init__(self, config: dict) -> None:
        settings = SwitchboardConfig.model_validate(config)
        self.store = NetworkStore.load(settings.apis.data_dir)
        self.articles = ArticleIndex(self.store, Path(settings.home))

    def __serve_build_asgi_app__(self):
        return build_api(self.store, self.articles)
