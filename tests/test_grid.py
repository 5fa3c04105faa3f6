"""Grids from the command line: M models x R retrievers x T tasks cost M model loads and R x T retrievals,
finished cells are skipped through the generation store, and the joblib and submitit launchers work."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def reaper_run(tmp_path: Path, *overrides: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "REAPER_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1", "CI": "1"}
    cmd = [sys.executable, "-m", "harness.cli.main", "run", f"runs_dir={tmp_path / 'runs'}", "analyze=false",
           f"hydra.sweep.dir={tmp_path / 'sweep'}", *overrides]  # fmt: skip
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def counters(stderr: str) -> dict[str, int]:
    match = re.search(r"cells: (\d+), model loads: (\d+), retrievals computed: (\d+)", stderr)
    assert match, stderr
    return dict(zip(("cells", "loads", "retrievals"), map(int, match.groups()), strict=True))


def summaries(runs: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(runs.glob("*/summary.json"))]


def test_grid_loads_each_model_once_and_retrieves_once_per_task_and_retriever(tmp_path):
    grid = ["-m", "model=canned", "model.path=a,b", "model.name=m", "retriever=none,bm25,random", "task=lamp2,lamp3"]
    result = reaper_run(tmp_path, *grid)
    assert result.returncode == 0, result.stderr
    # R x T = 3 x 2, of which "none" needs no computation: 4 retrievals for both models together
    assert counters(result.stderr) == {"cells": 12, "loads": 2, "retrievals": 4}
    assert len(summaries(tmp_path / "runs")) == 12
    again = reaper_run(tmp_path, *grid)
    assert again.returncode == 0, again.stderr
    assert counters(again.stderr)["retrievals"] == 0  # the disk cache answers
    assert not re.search(r"generated [1-9]", again.stderr)  # every cell was finished: nothing generated


def test_unknown_model_and_misspelt_key_fail_at_composition(tmp_path):
    result = reaper_run(tmp_path, "model=no_such_model")
    assert result.returncode != 0 and "Could not find 'model/no_such_model'" in result.stderr
    result = reaper_run(tmp_path, "model=canned", "retriever.kk=3")
    assert result.returncode != 0 and "kk" in result.stderr
    assert "Traceback" not in result.stderr


def test_model_path_that_does_not_exist_is_one_line_exit_2(tmp_path):
    result = reaper_run(tmp_path, "model=smollm2_hf", "model.path=./no/such/model", "task=lamp2")
    assert result.returncode == 2, result.stderr
    assert "no/such/model" in result.stderr and "Traceback" not in result.stderr
    assert not list((tmp_path / "runs").glob("*/summary.json")) if (tmp_path / "runs").exists() else True


def test_joblib_launcher_runs_cells_in_parallel_processes(tmp_path):
    result = reaper_run(tmp_path, "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "model=canned",
                        "task=lamp2,lamp3", "retriever=bm25")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(s["run"]["task"] for s in summaries(tmp_path / "runs")) == ["LaMP_2", "LaMP_3"]


@pytest.mark.slow
def test_submitit_local_launcher(tmp_path):
    result = reaper_run(tmp_path, "-m", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5",
                        "model=canned", "task=lamp2,lamp7", "retriever=none", timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(s["run"]["task"] for s in summaries(tmp_path / "runs")) == ["LaMP_2", "LaMP_7"]
