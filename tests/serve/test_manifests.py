"""infra/serve.yaml and infra/rayservice.yaml import real builders with arguments the config accepts."""

from pathlib import Path

import pytest
import yaml

from components.config import ConfigError
from serve.app import build_app, build_internal_apis_app, resolve_config

INFRA = Path(__file__).resolve().parents[2] / "infra"
BUILDERS = {"serve.app:build_app": build_app, "serve.app:build_internal_apis_app": build_internal_apis_app}


def _applications(path: Path) -> list[dict]:
    document = yaml.safe_load(path.read_text())
    if document.get("kind") == "RayService":
        document = yaml.safe_load(document["spec"]["serveConfigV2"])
    return document["applications"]


@pytest.mark.parametrize("manifest", ["serve.yaml", "rayservice.yaml"])
def test_every_application_builds_from_its_manifest(manifest):
    for application in _applications(INFRA / manifest):
        builder = BUILDERS[application["import_path"]]
        assert builder(application.get("args") or {}) is not None


def test_only_the_generator_asks_for_a_gpu_on_the_cluster():
    args = _applications(INFRA / "rayservice.yaml")[0]["args"]
    config = resolve_config(args)
    gpus = {name: getattr(config.serve, name).num_gpus for name in ("ingress", "agent", "router", "generator")}
    assert gpus == {"ingress": 0, "agent": 0, "router": 0, "generator": 1}
    assert config.serve.generator.resources == {"gpu_node": 0.01} and config.engines.generator.kind == "vllm"


def test_a_bad_argument_in_a_manifest_fails_with_the_key():
    with pytest.raises(ConfigError, match="serve.generator.num_gpu: unknown key"):
        resolve_config({"serve": {"generator": {"num_gpu": 1}}})


def test_ray_state_stays_under_the_socket_path_limit(tmp_path):
    from serve.app import _MAX_RAY_DIR, ray_dir

    assert ray_dir(Path("/srv/sb")) == Path("/srv/sb/ray")
    deep = tmp_path / ("a-very-long-directory-name-" * 4) / "home"
    chosen = ray_dir(deep)
    assert len(str(chosen)) <= _MAX_RAY_DIR and (deep / "ray-dir").read_text().strip() == str(chosen)
    assert ray_dir(deep) == chosen  # stable for the same home


def test_the_default_applications_fit_a_two_core_machine():
    """`serve run infra/serve.yaml` gives Ray this machine's CPUs; every default replica must fit in 2."""
    applications = _applications(INFRA / "serve.yaml")
    config = resolve_config(applications[1]["args"])
    reserved = sum(getattr(config.serve, name).options()["ray_actor_options"]["num_cpus"]
                   for name in ("ingress", "agent", "router", "generator", "internal_apis"))
    assert reserved <= 2


def test_both_manifests_carry_the_serve_latency_settings():
    from serve.tuning import REPLICA_TUNING, SERVE_TUNING

    for application in _applications(INFRA / "serve.yaml"):  # HAProxy is the controller's: exported, not per app
        assert application["runtime_env"]["env_vars"] == REPLICA_TUNING, application["name"]
    cluster = yaml.safe_load((INFRA / "rayservice.yaml").read_text())["spec"]["rayClusterConfig"]
    groups = [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]
    for group in groups:
        env = {item["name"]: item.get("value") for item in group["template"]["spec"]["containers"][0]["env"]}
        assert {name: env.get(name) for name in SERVE_TUNING} == SERVE_TUNING, group.get("groupName", "head")


def test_the_network_policy_covers_every_ray_pod_and_opens_haproxys_pages_only_to_monitoring():
    from ray.serve._private.constants import RAY_SERVE_HAPROXY_METRICS_PORT, RAY_SERVE_HAPROXY_STATS_PORT

    policy = yaml.safe_load((INFRA / "networkpolicy.yaml").read_text())
    selected = policy["spec"]["podSelector"]["matchLabels"]
    service = yaml.safe_load((INFRA / "rayservice.yaml").read_text())["spec"]
    cluster = service["rayClusterConfig"]
    for group in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]:
        labels = group["template"].get("metadata", {}).get("labels", {})
        assert selected.items() <= labels.items(), group.get("groupName", "head")

    rules = policy["spec"]["ingress"]
    assert {"from": [{"podSelector": {"matchLabels": selected}}]} in rules  # Ray's own traffic, every port
    open_to_all = {port["port"] for rule in rules if "from" not in rule for port in rule["ports"]}
    assert open_to_all == {yaml.safe_load(service["serveConfigV2"])["http_options"]["port"]}
    pages = {RAY_SERVE_HAPROXY_STATS_PORT, RAY_SERVE_HAPROXY_METRICS_PORT}  # Ray's defaults, as on the cluster
    for rule in rules:
        ports = {port["port"] for port in rule.get("ports", [])}
        if ports & pages:
            assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name":
                                                                            "monitoring"}}}]
            assert pages <= ports


def test_prometheus_scrapes_rays_metrics_port_on_every_pod_the_policy_lets_it_reach():
    monitor = yaml.safe_load((INFRA / "podmonitor.yaml").read_text())
    policy = yaml.safe_load((INFRA / "networkpolicy.yaml").read_text())
    assert monitor["spec"]["selector"] == policy["spec"]["podSelector"]
    [endpoint] = monitor["spec"]["podMetricsEndpoints"]
    cluster = yaml.safe_load((INFRA / "rayservice.yaml").read_text())["spec"]["rayClusterConfig"]
    for group in [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]:
        port = group["rayStartParams"]["metrics-export-port"]
        named = {item["name"]: item["containerPort"] for item in group["template"]["spec"]["containers"][0]["ports"]}
        assert named[endpoint["port"]] == int(port), group.get("groupName", "head")
        monitoring = [rule for rule in policy["spec"]["ingress"]
                      if rule.get("from") == [{"namespaceSelector": {"matchLabels": {
                          "kubernetes.io/metadata.name": "monitoring"}}}]]
        assert any(int(port) in {p["port"] for p in rule["ports"]} for rule in monitoring)
