from pathlib import Path

import pytest

from components.config import ConfigError, load_config, repo_root


def test_shipped_config_is_valid():
    config = load_config(environ={})
    assert config.apis.url == "http://127.0.0.1:8101"
    assert config.home == repo_root() / ".switchboard"


def test_environment_overrides_the_file_with_typed_values(tmp_path: Path):
    config = load_config(environ={"SWITCHBOARD_APIS__PORT": "9001", "SWITCHBOARD_HOME": str(tmp_path),
                                  "SWITCHBOARD_SKILLS__EXTRA_DECLARATIONS": "[a.yaml, b.yaml]"})
    assert config.apis.port == 9001 and config.home == tmp_path
    assert config.skills.extra_declarations == [Path("a.yaml"), Path("b.yaml")]


def test_the_checkout_a_prefect_worker_runs_from_is_not_a_setting(tmp_path: Path):
    """infra/prefect.yaml's pull step reads SWITCHBOARD_REPO: every deployed run failed on it as a key `repo`."""
    assert load_config(environ={"SWITCHBOARD_REPO": str(tmp_path), "SWITCHBOARD_HOME": str(tmp_path)}).home == tmp_path


def test_file_from_switchboard_config(tmp_path: Path):
    path = tmp_path / "prod.yaml"
    path.write_text("apis:\n  base_url: http://apis.internal:80/\n")
    assert load_config(environ={"SWITCHBOARD_CONFIG": str(path)}).apis.url == "http://apis.internal:80"


@pytest.mark.parametrize("environ, message", [
    ({"SWITCHBOARD_APIS__PORT": "abc"}, "apis.port: Input should be a valid integer"),
    ({"SWITCHBOARD_APIS__PORT": "70000"}, "apis.port: Input should be less than or equal to 65535"),
    ({"SWITCHBOARD_ROUTING__MIN_CONFIDENCE": "-1"}, "routing.min_confidence: Input should be greater than"),
    ({"SWITCHBOARD_APIS__PROT": "1"}, "apis.prot: unknown key; allowed here: base_url, data_dir, host, port"),
    ({"SWITCHBOARD_NOPE": "1"},
     "nope: unknown key; allowed here: apis, engines, home, mlflow, pipeline, prefect, promotion, retention, "
     "routing, serve, skills"),
    ({"SWITCHBOARD_RETENTION__KEEP_DAYS": "3"}, "retention.keep_days: Input should be greater than or equal to 8"),
])
def test_bad_values_name_the_key_and_what_is_allowed(environ, message):
    with pytest.raises(ConfigError) as error:
        load_config(environ=environ)
    assert message in str(error.value)


def test_every_bad_key_is_reported_at_once():
    with pytest.raises(ConfigError) as error:
        load_config(environ={"SWITCHBOARD_APIS__PORT": "abc", "SWITCHBOARD_SKILLS__MAX_CONCURRENCY": "0"})
    assert "apis.port" in str(error.value) and "skills.max_concurrency" in str(error.value)


def test_malformed_files_are_rejected(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("apis: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path, environ={})
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(environ={"SWITCHBOARD_CONFIG": str(tmp_path / "missing.yaml")})


def test_every_field_is_described():
    from components.config import SwitchboardConfig

    def walk(model):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            if isinstance(field.annotation, type) and hasattr(field.annotation, "model_fields"):
                walk(field.annotation)

    walk(SwitchboardConfig)
