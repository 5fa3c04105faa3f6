"""`reaper run` choices: task=NAME for every registered task (no YAML), every LaMP spelling, no schema presets."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def reaper_run(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REAPER_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "harness.cli.main", "run", f"runs_dir={tmp_path / 'runs'}", "analyze=false",
           "model=canned", "task.limit=3", *overrides]  # fmt: skip
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_an_installed_plugin_task_is_selected_by_name_without_any_yaml(tmp_path):
    assert not (REPO / "hydra_conf" / "task").exists()  # no task YAML in this repository at all
    result = reaper_run(tmp_path, "task=recipe_tag", "retriever=bm25", "retriever.k=2")
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("recipe_tag__canned__bm25-k2__direct__")
    summary = json.loads((run / "summary.json").read_text())
    assert summary["run"]["task"] == "recipe_tag"
    spec = json.loads((run / "spec.json").read_text())
    assert spec["config"]["task"]["name"] == "recipe_tag" and spec["data"]["n_questions"] == 3
    assert spec["data"]["source"].endswith("reaper_recipe_task/data/questions.json")


def test_every_lamp_spelling_selects_the_same_cell(tmp_path):
    for choice in ("task=LaMP_4", "task=LaMP-4", "task=lamp4", "task=lamp_4", "task.name=lamp4"):
        result = reaper_run(tmp_path, choice, "retriever=none")
        assert result.returncode == 0, (choice, result.stderr)
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(runs) == 1 and runs[0].startswith("LaMP_4__canned__none__direct__")
    spec = json.loads((tmp_path / "runs" / runs[0] / "spec.json").read_text())
    assert spec["config"]["task"]["name"] == "LaMP_4"


def test_a_schema_is_not_a_preset(tmp_path):
    for group in ("model", "task", "retriever", "method"):
        result = reaper_run(tmp_path, f"{group}={group}_schema")
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"reaper: error: {group}={group}_schema: that is the schema every {group} config "
                                   "is checked against, not a preset; choose one of: ")  # fmt: skip
    assert "canned" in lines[0] or "direct" in lines[0]
    assert not (tmp_path / "runs").exists()
    task_line = reaper_run(tmp_path, "task=task_schema").stderr
    assert "LaMP_1, LaMP_2" in task_line and "recipe_tag" in task_line and "task_schema," not in task_line
