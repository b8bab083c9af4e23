"""Switchboard configuration: pydantic models loaded once from infra/switchboard.yaml + env overrides."""

from components.config.loader import ConfigError, load_config, repo_root, validate_config
from components.config.models import (
    ApisConfig,
    DeploymentConfig,
    RetentionConfig,
    RoutingConfig,
    ServeConfig,
    SkillsConfig,
    SwitchboardConfig,
)

__all__ = [
    "ApisConfig", "ConfigError", "DeploymentConfig", "RetentionConfig", "RoutingConfig", "ServeConfig",
    "SkillsConfig", "SwitchboardConfig", "load_config", "repo_root", "validate_config",
]
