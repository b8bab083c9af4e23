"""`switchboard ask` as a person runs it: in-process pipeline, streamed to the terminal."""

import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _ask(*args, home):
    env = {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_APIS__PORT": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "components.cli", "ask", *args], env=env, capture_output=True,
                          text=True, timeout=180)


def test_ask_streams_route_skills_answer_and_attachments(tmp_path, network):
    result = _ask("Am I a good fit for this job?", "--context", "job:j00002", "--member", "m00001", "--engine", "sim",
                  home=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "route job_assessment" in out and "skill job_view" in out and "skill profile_view" in out
    assert network.jobs["j00002"].title in out and "follow-ups:" in out and "ttft" in out
    assert "job " + network.jobs["j00002"].title in out  # the attachment line


def test_ask_rejects_a_bad_context_with_a_clear_message(tmp_path):
    result = _ask("hi", "--context", "page:1", home=tmp_path)
    assert result.returncode == 2 and "Input should be 'post', 'job', 'company', 'profile' or 'none'" in result.stdout
    result = _ask("hi", "--context", "job", home=tmp_path)
    assert result.returncode == 2 and "use TYPE:ID" in (result.stdout + result.stderr)


def test_ask_refuses_what_the_http_api_refuses(tmp_path, internal_api, monkeypatch):
    """An unknown page or member, or a blank query, is an error naming it, not an answer about nothing."""
    from typer.testing import CliRunner

    from components.cli import app

    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    monkeypatch.setenv("SWITCHBOARD_APIS__BASE_URL", internal_api)  # in-process, on the session's sample APIs

    def ask(*args: str):
        result = CliRunner().invoke(app, ["ask", *args])
        return result.exit_code, " ".join(result.output.split())  # rich wraps long lines

    code, said = ask("Tell me about this company", "--context", "company:c9999")
    assert code == 2 and "unknown_company: no company with id 'c9999'" in said
    assert "route" not in said  # refused before the turn: nothing was asked
    code, said = ask("Which jobs fit me?", "--member", "m99999")
    assert code == 2 and "unknown_profile: no profile with id 'm99999'" in said
    assert ask("   ") == (2, "empty_query: query must contain text")
    assert ask("") == (2, "query: String should have at least 1 character")
