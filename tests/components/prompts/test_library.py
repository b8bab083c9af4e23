from dataclasses import replace
from pathlib import Path

import pytest

from components.agents import AGENTS
from components.prompts import PromptError, PromptLibrary


def test_every_agent_has_a_planner_and_a_generator_prompt_and_globals_exist():
    library = PromptLibrary.load()
    for agent in AGENTS.values():
        planner = library.get(agent.planner_prompt)
        assert planner.variables == {"identity", "skills", "context", "member", "query", "history"}
        assert planner.optional == {"history"}
        assert {"dossier", "examples", "history", "query"} <= library.get(agent.generator_prompt).variables
    for name in ("global.identity", "global.jailbreak_defence", "global.history"):
        assert library.get(name).version >= 1


def test_render_is_strict():
    prompt = PromptLibrary.load().get("global.history")
    assert "Member: hi" in prompt.render(history="Member: hi")
    with pytest.raises(PromptError, match="missing variables \\['history'\\]"):
        prompt.render()
    with pytest.raises(PromptError, match="unused \\['extra'\\]"):
        prompt.render(history="x", extra="y")


def test_malformed_sources_are_rejected_with_the_file(tmp_path: Path):
    (tmp_path / "a.b.yaml").write_text("name: a.b\nversion: 0\nrole: x\ncommit_message: m\ntemplate: t\n")
    with pytest.raises(PromptError, match="a.b.yaml: not a valid prompt source"):
        PromptLibrary.load(tmp_path)
    (tmp_path / "a.b.yaml").write_text("name: c.d\nversion: 1\nrole: x\ncommit_message: m\ntemplate: t\n")
    with pytest.raises(PromptError, match="file name must be the prompt name"):
        PromptLibrary.load(tmp_path)
    with pytest.raises(PromptError, match="no prompt sources"):
        PromptLibrary.load(tmp_path / "empty")


def test_an_optional_variable_may_be_left_out_by_a_registered_version_but_nothing_else():
    library = PromptLibrary.load()
    source = library.get("job_assessment.planner")
    values = dict(identity="I", skills="- s", context="none", member="anonymous", query="q?", history="H")
    before = replace(source, version=1, template=source.template.replace("{{history}}", ""),
                     variables=source.variables - {"history"})
    assert library.accepts(before) and "H" not in before.render(**values)  # passed, not used: fine
    assert "H" in source.render(**values)
    with pytest.raises(PromptError, match="missing variables \\['history'\\]"):
        source.render(**{k: v for k, v in values.items() if k != "history"})
    without_query = replace(source, template=source.template.replace("{{query}}", ""),
                            variables=source.variables - {"query"})
    assert not library.accepts(without_query)  # required: the question is not optional
    extra = replace(source, template=source.template + "{{mood}}", variables=source.variables | {"mood"})
    assert not library.accepts(extra)  # the code passes no such variable


def test_a_source_whose_optional_variable_is_not_in_its_template_is_rejected(tmp_path: Path):
    (tmp_path / "a.b.yaml").write_text("name: a.b\nversion: 1\nrole: x\ncommit_message: m\n"
                                       "optional_variables: [history]\ntemplate: '{{query}}'\n")
    with pytest.raises(PromptError, match="optional variables \\['history'\\] are not in the template"):
        PromptLibrary.load(tmp_path)
