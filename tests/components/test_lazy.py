"""Package exports load on first use, so loading the config does not import the heavy libraries."""

import ast
import subprocess
import sys

import pytest

import components.engines
import components.network
import components.pipeline
import components.promotion
import components.versions
import serve.deployments

PACKAGES = [components.engines, components.network, components.pipeline, components.promotion, components.versions,
            serve.deployments]


def _imported_after(statement: str) -> list[str]:
    """The heavy libraries a fresh interpreter has loaded after running `statement`."""
    probe = (f"import sys; {statement}; "
             "print(sorted(m for m in ('lancedb', 'sklearn', 'mlflow', 'polars', 'ray') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip())


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_export_resolves_to_its_modules_object(package):
    import importlib

    for name, module in package._EXPORTS.items():
        assert getattr(package, name) is getattr(importlib.import_module(module), name)
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        package.nope  # noqa: B018 - the lookup is the test


def test_loading_the_config_imports_no_model_or_storage_library():
    # every `switchboard` command and service start paid 8 s for them
    assert _imported_after("from components.config import load_config; load_config()") == []


@pytest.mark.parametrize(("deployment", "allowed"), [
    ("router", {"ray", "sklearn"}), ("generator", {"ray"}), ("ingress", {"ray"}), ("internal_apis", {"ray"})])
def test_a_replica_imports_only_what_its_deployment_needs(deployment, allowed):
    """A replica imports its deployment's module: the router's, the generator's and the ingress's replicas
    started seconds later on a small machine while they loaded the agent's LanceDB, polars and scikit-learn."""
    loaded = _imported_after(f"import serve.deployments.{deployment}")
    assert set(loaded) <= allowed, f"serve.deployments.{deployment} imports {sorted(set(loaded) - allowed)}"
