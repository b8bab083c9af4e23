from pathlib import Path

import pytest

from components.skills import SkillRegistry, SkillSpec, UnknownSkillError, default_registry, load_declarations

FAKE = {
    "name": "salary_insights",
    "description": "Median pay for a title.",
    "when_to_use": "Pay questions.",
    "input": {"title": {"type": "string", "description": "Job title.", "required": True}},
    "output": {"median": "Median pay."},
    "call": {"path": "/salaries/{title}"},
}


def test_builtins_are_registered_like_any_other():
    registry = default_registry()
    assert len(registry) >= 7
    assert {"job_view", "profile_view", "web_search", "company_lookup"} <= set(registry.names())


def test_register_and_unregister_a_fake_skill():
    registry = default_registry()
    registry.register(SkillSpec.model_validate(FAKE))
    assert registry.get("salary_insights").call.path == "/salaries/{title}"
    registry.unregister("salary_insights")
    with pytest.raises(UnknownSkillError):
        registry.get("salary_insights")


def test_unknown_name_error_lists_what_exists():
    with pytest.raises(UnknownSkillError) as error:
        default_registry().get("jobs_view")
    assert "unknown skill 'jobs_view'" in str(error.value)
    assert "job_view" in str(error.value)


def test_double_registration_is_refused_unless_replacing():
    registry = SkillRegistry([SkillSpec.model_validate(FAKE)])
    with pytest.raises(ValueError, match="already registered"):
        registry.register(SkillSpec.model_validate(FAKE))
    registry.register(SkillSpec.model_validate({**FAKE, "description": "v2"}), replace=True)
    assert registry.get("salary_insights").description == "v2"


@pytest.mark.parametrize("change, message", [
    ({"call": {"path": "/salaries/{job}"}}, "placeholders ['job']"),
    ({"request_map": {"nope": "x"}}, "request_map names parameters not in input"),
    ({"response_map": {"nope": "x"}}, "response_map names fields not in output"),
    ({"name": "Bad Name"}, "String should match pattern"),
])
def test_inconsistent_declarations_are_rejected(change, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        SkillSpec.model_validate({**FAKE, **change})


def test_declaration_file_errors_name_file_skill_and_field(tmp_path: Path):
    path = tmp_path / "skills.yaml"
    path.write_text("- name: broken\n  description: x\n  when_to_use: y\n  input: {}\n  output: {}\n"
                    "  call: {path: /x, timeout_s: -1}\n")
    with pytest.raises(ValueError, match=r"skills.yaml: skill broken: call.timeout_s"):
        load_declarations(path)
    path.write_text("name: not-a-list\n")
    with pytest.raises(ValueError, match="expected a list"):
        load_declarations(path)


def test_extra_declarations_from_config_paths(tmp_path: Path):
    import yaml

    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump([FAKE]))
    assert "salary_insights" in default_registry([path])
