"""Package exports load on first use, so loading the config does not import the heavy libraries."""

import subprocess
import sys

import pytest

import components.engines
import components.pipeline
import components.promotion


@pytest.mark.parametrize("package", [components.engines, components.pipeline, components.promotion])
def test_every_export_resolves_to_its_modules_object(package):
    import importlib

    for name, module in package._EXPORTS.items():
        assert getattr(package, name) is getattr(importlib.import_module(module), name)
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        package.nope  # noqa: B018 - the lookup is the test


def test_loading_the_config_imports_no_model_or_storage_library():
    probe = ("import sys; from components.config import load_config; load_config(); "
             "print(sorted(m for m in ('lancedb', 'sklearn', 'mlflow', 'polars', 'ray') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"  # every `switchboard` command and service start paid 8 s for them
