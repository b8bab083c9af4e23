"""Package exports imported on first use (PEP 562).

A package's `__init__` that imports everything it exports makes its lightest module as heavy as its
heaviest: loading the config's pydantic models imported LanceDB, scikit-learn and MLflow through
`components.pipeline` and `components.promotion`, so every `switchboard` command (and each service
`up` starts) spent 8 s before doing anything.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Returns the `__getattr__` and `__dir__` of `package`, which exports each name from its module."""

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
