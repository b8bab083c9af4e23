from pathlib import Path

import pytest

from components.agents import AGENTS
from components.prompts import PromptError, PromptLibrary


def test_every_agent_has_a_planner_and_a_generator_prompt_and_globals_exist():
    library = PromptLibrary.load()
    for agent in AGENTS.values():
        assert library.get(agent.planner_prompt).variables == {"identity", "skills", "context", "member", "query"}
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
