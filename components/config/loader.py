"""Loads and validates the configuration once, at start.

Sources, later wins: model defaults < the YAML file (`$SWITCHBOARD_CONFIG`, default
infra/switchboard.yaml) < a profile (`$SWITCHBOARD_PROFILE=cpu-llm` reads infra/profiles/cpu-llm.yaml)
< environment variables `SWITCHBOARD_<SECTION>__<KEY>` (e.g.
`SWITCHBOARD_APIS__PORT=9000`; `SWITCHBOARD_HOME` sets `home`). Values from the environment are
parsed as YAML scalars so `8101`, `true` and `[a, b]` mean what they look like.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from components.config.models import SwitchboardConfig

_PREFIX = "SWITCHBOARD_"
# Variables of the SWITCHBOARD_ family that are not settings: the config file's path, and the checkout a
# Prefect worker runs the flows from (infra/prefect.yaml's pull step), which failed every deployed run as
# an unknown key `repo`.
_NOT_SETTINGS = {"SWITCHBOARD_CONFIG", "SWITCHBOARD_REPO", "SWITCHBOARD_PROFILE"}


class ConfigError(ValueError):
    """A configuration value is missing, malformed or not allowed; the message names the key."""


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(_PREFIX) or name in _NOT_SETTINGS:
            continue
        path = name[len(_PREFIX):].lower().split("__")
        try:
            value = yaml.safe_load(raw) if raw.strip() else raw
        except yaml.YAMLError:
            value = raw
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{name}: conflicts with another SWITCHBOARD_ variable for '{part}'")
        node[path[-1]] = value
    return overrides


def merge_config(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """`top` over `base`, mapping by mapping (used for env overrides and Serve application args)."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _allowed_keys(section: tuple[Any, ...]) -> list[str]:
    model: Any = SwitchboardConfig
    for part in section:
        annotation = model.model_fields[str(part)].annotation if part in model.model_fields else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return sorted(model.model_fields)


def _describe(error: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(root)"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key; allowed here: {', '.join(_allowed_keys(error['loc'][:-1]))}"
    allowed = ""
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        allowed = f"; allowed: {ctx['expected']}"
    return f"{key}: {error['msg']} (got {error.get('input')!r}){allowed}"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, got {type(loaded).__name__}")
    return loaded or {}


def profiles() -> list[str]:
    """The profiles infra/profiles holds (SWITCHBOARD_PROFILE picks one)."""
    return sorted(p.stem for p in (repo_root() / "infra" / "profiles").glob("*.yaml"))


def _profile(name: str) -> dict[str, Any]:
    path = repo_root() / "infra" / "profiles" / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(f"SWITCHBOARD_PROFILE={name}: no such profile; profiles: {', '.join(profiles())}")
    profile = _read_yaml(path)
    if "home" in profile and not Path(profile["home"]).is_absolute():  # beside the default home, wherever run
        profile["home"] = str(repo_root() / profile["home"])
    return profile


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> SwitchboardConfig:
    """Returns the validated configuration or raises ConfigError listing every bad key."""
    environ = os.environ if environ is None else environ
    if path is None:
        path = environ.get("SWITCHBOARD_CONFIG") or repo_root() / "infra" / "switchboard.yaml"
    path = Path(path)
    data: dict[str, Any] = {}
    if path.exists():
        data = _read_yaml(path)
    elif "SWITCHBOARD_CONFIG" in environ:
        raise ConfigError(f"SWITCHBOARD_CONFIG points at {path}, which does not exist")
    if environ.get("SWITCHBOARD_PROFILE"):
        data = merge_config(data, _profile(environ["SWITCHBOARD_PROFILE"]))
    data = merge_config(data, _env_overrides(environ))
    if "home" not in data:
        data["home"] = repo_root() / ".switchboard"
    return validate_config(data, str(path))


def validate_config(data: Mapping[str, Any], source: str = "configuration") -> SwitchboardConfig:
    """Validates a configuration mapping; ConfigError lists every bad key with what is allowed."""
    try:
        return SwitchboardConfig.model_validate(data)
    except ValidationError as exc:
        problems = "\n  ".join(_describe(e) for e in exc.errors())
        raise ConfigError(f"invalid configuration ({source}):\n  {problems}") from None
