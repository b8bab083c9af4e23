"""infra/prefect.yaml as `make up` serves it and `prefect deploy --all` reads it."""

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
import yaml

from components.config import repo_root
from flows.deployments import PREFECT_YAML, runner_deployments


def test_each_deployment_is_named_after_what_it_does_and_shares_the_work_pool():
    spec = yaml.safe_load(PREFECT_YAML.read_text())
    entries = spec["deployments"]
    names = [entry["name"] for entry in entries]
    assert len(set(names)) == len(names) == 5  # two were `daily` and two `nightly`
    assert all(entry["work_pool"] == spec["definitions"]["work_pools"]["cpu"] for entry in entries)
    assert all(entry["schedules"] and entry["description"] for entry in entries)
    served = runner_deployments()
    assert [d.name for d in served] == names and all(d.schedules for d in served)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_cluster_path_deploys_to_a_process_work_pool_and_a_worker_runs_a_flow(prefect_api, tmp_path):
    """The README's cluster path as written: `prefect deploy --all` from the repo root to a work pool named
    switchboard-cpu, a worker on that pool, and a run of one deployment through it, with its artifact."""
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "SWITCHBOARD_REPO": str(repo_root()),
           "SWITCHBOARD_HOME": str(tmp_path / "home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    prefect = [sys.executable, "-m", "prefect"]

    def run(*args: str) -> str:
        done = subprocess.run([*prefect, *args], env=env, cwd=repo_root(), capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        return done.stdout + done.stderr

    run("work-pool", "create", "switchboard-cpu", "--type", "process", "--overwrite")
    run("--no-prompt", "deploy", "--all", "--prefect-file", str(PREFECT_YAML))
    started = run("deployment", "run", "retention/delete-expired-conversations", "--param", "dry_run=true")
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", started).group(1)
    worker = run("worker", "start", "--pool", "switchboard-cpu", "--type", "process", "--run-once")

    with httpx.Client(base_url=prefect_api, timeout=10) as api:
        deadline = time.monotonic() + 120
        while (state := api.get(f"/flow_runs/{flow_run_id}").json()["state"]["type"]) not in ("COMPLETED", "FAILED",
                                                                                             "CRASHED"):
            assert time.monotonic() < deadline, f"the run is still {state}"
            time.sleep(1)
        assert state == "COMPLETED", worker[-4000:]
        artifacts = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}).json()
    assert [a["key"] for a in artifacts] == ["retention"] and "dry run" in artifacts[0]["data"].lower()
