"""infra/prefect.yaml as `make up` serves it and `prefect deploy --all` reads it."""

import yaml

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
