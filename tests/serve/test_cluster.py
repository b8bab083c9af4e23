"""Where an offline evaluation generates: in the flow's process unless the configuration says the serving
cluster, and a clear error when there is no cluster to ask."""

from __future__ import annotations

import pytest

from components.config import load_config
from serve.cluster import ServingUnavailable, cluster_address, serving_engines


def test_by_default_the_evaluation_generates_in_the_flows_process(tmp_path):
    with serving_engines(load_config(environ={"SWITCHBOARD_HOME": str(tmp_path)})) as engine_for:
        assert engine_for is None


def test_the_configured_address_wins_and_no_running_stack_is_a_clear_error(tmp_path):
    config = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_PROMOTION__GENERATE_ON": "serve"})
    with pytest.raises(ServingUnavailable, match="no Ray cluster runs for .*start the stack \\(make up\\) or set "
                                                 "serve.ray_address"):
        cluster_address(config)
    named = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_SERVE__RAY_ADDRESS": "head:6379"})
    assert cluster_address(named) == "head:6379"


def test_make_ups_node_address_is_found_under_the_homes_ray_directory(tmp_path):
    from serve.app import ray_dir

    (folder := ray_dir(tmp_path)).mkdir(parents=True)
    (folder / "ray_current_cluster").write_text("127.0.0.1:6390")  # what `ray start --temp-dir` writes
    assert cluster_address(load_config(environ={"SWITCHBOARD_HOME": str(tmp_path)})) == "127.0.0.1:6390"


def test_an_unknown_place_to_generate_is_refused_at_load():
    with pytest.raises(Exception, match="generate_on"):
        load_config(environ={"SWITCHBOARD_PROMOTION__GENERATE_ON": "gpu"})
