"""skew_check as DESIGN.md's contract (a subprocess, as CI would call it) and as the scheduled flow."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

import polars as pl
import pytest
from mlflow import MlflowClient

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_command_line_contract(population, prefect_api, tmp_path):
    shuffled = population.sample(fraction=1.0, shuffle=True, seed=4)
    shuffled[:500].write_ndjson(tmp_path / "reference.jsonl")
    shuffled[500:1000].with_columns(pl.col("response") + "\n\n" + pl.col("response")).write_parquet(
        tmp_path / "current.parquet")
    env = {**os.environ, "SWITCHBOARD_HOME": str(tmp_path / "home"), "PREFECT_API_URL": prefect_api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run([sys.executable, "-m", "flows.skew_check", "--reference", str(tmp_path / "reference.jsonl"),
                           "--current", str(tmp_path / "current.parquet"), "--report", str(tmp_path / "r.json"),
                           "--fail-on-drift"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]  # drift found, as asked to fail on it
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["drift"] is True and report["structural"]["drift"] is True and report["semantic"]["drift"] is False
    assert "response.words" in report["structural"]["drifted"]
    for test in report["structural"]["tests"]:
        assert {"statistic", "p_value", "p_adjusted", "threshold", "drift"} <= set(test)
    assert (tmp_path / "r.png").stat().st_size > 5_000


def test_bad_inputs_exit_2_and_a_failed_check_exits_3(prefect_api, tmp_path, population, monkeypatch):
    from flows.skew_check import main

    def run(*args: str) -> tuple[int, str]:
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):  # not capsys: Prefect's log handler must keep its own stream
            code = main(list(args))
        return code, errors.getvalue()

    monkeypatch.setenv("SWITCHBOARD_HOME", str(tmp_path))
    population[:50].select("query").write_ndjson(tmp_path / "no_response.jsonl")
    code, message = run("--reference", str(tmp_path / "no_response.jsonl"), "--current", str(tmp_path / "x.jsonl"))
    assert code == 2 and "missing column(s) ['response']" in message
    population[:50].with_columns(pl.lit(None, pl.String).alias("query")).write_ndjson(tmp_path / "nulls.jsonl")
    population[:50].write_ndjson(tmp_path / "ok.jsonl")
    code, message = run("--reference", str(tmp_path / "ok.jsonl"), "--current", str(tmp_path / "nulls.jsonl"))
    assert code == 2 and "breaks the 'skew_sample' expectations: expect_column_values_to_not_be_null(query)" in message

    def broken_comparison(*args):
        raise RuntimeError("the embedder went away")

    monkeypatch.setattr("flows.skew_check.compare", broken_comparison)
    code, message = run("--reference", str(tmp_path / "ok.jsonl"), "--current", str(tmp_path / "ok.jsonl"),
                        "--fail-on-drift")
    assert code == 3 and "the embedder went away" in message and "no drift verdict" in message


def test_scheduled_mode_compares_the_validation_set_with_production(prefect_api, flow_home, mlflow_server):
    from flows.skew_check import skew_check

    result = skew_check(days=3650, holdout_size=30, repeat=2)
    assert result["inputs"]["reference"].startswith("validation_set.jsonl@")
    assert result["inputs"]["current"].startswith("production log")
    assert result["expectations"]["current"]["success"]
    holdout = pl.read_ndjson(result["proposed_holdout"])
    assert holdout.height == 30 and {"query", "response", "agent"} <= set(holdout.columns)
    assert all(item["distinct"] == 1 for item in result["nondeterminism"])  # the extractive engines are stable
    run = MlflowClient(mlflow_server).get_run(result["mlflow_run"])
    assert run.data.metrics["drift"] == float(result["drift"])
    assert {a.path for a in MlflowClient(mlflow_server).list_artifacts(run.info.run_id)} >= {"skew_report.json"}
