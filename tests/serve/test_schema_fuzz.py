"""Schemathesis over the Serve app's own OpenAPI schema: no generated request may get a 5xx."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_no_generated_request_gets_a_server_error(serve_app):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [str(schemathesis), "run", f"{serve_app[0]}/openapi.json", "--checks", "not_a_server_error",
         "--phases", "examples,coverage,fuzzing", "--max-examples", "15", "--request-timeout", "30",
         "--suppress-health-check", "all", "--no-color"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", result.stdout)
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert tested and int(tested.group(1)) >= 6, result.stdout[-2000:]  # every operation of the schema
    assert generated and int(generated.group(1)) >= 100 and generated.group(1) == generated.group(2)
