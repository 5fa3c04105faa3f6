"""The run directory's format: versions, plugin packages, what the spec hash covers, folders for rescore/analyze."""

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

from harness.config import AnalyzerConfig, GenerationConfig, ModelConfig, RunConfig, ScoringConfig
from harness.run.pipeline import spec_dict, spec_hash

REPO = Path(__file__).resolve().parent.parent


def reaper(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REAPER_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "harness.cli.main", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def run(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    return reaper(tmp_path, "run", f"runs_dir={tmp_path / 'runs'}", "model=canned", "task.limit=4", *overrides)


def hash_before_this_change(cfg: RunConfig) -> str:
    """The formula every existing run directory was named with: all of spec_dict, analyze and bootstrap included.

    ``analyzer`` (the analyzers' settings) did not exist in the config then.
    """
    data = {k: v for k, v in spec_dict(cfg).items() if k != "analyzer"}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]


def test_spec_hash_ignores_analyze_bootstrap_and_seed_and_keeps_the_old_hash_of_default_runs():
    cfg = RunConfig(model=ModelConfig(name="m", backend="canned", path="p"))
    assert spec_hash(cfg) == hash_before_this_change(cfg)  # existing default runs keep their directory
    assert spec_hash(replace(cfg, analyze=False)) == spec_hash(cfg)
    assert spec_hash(replace(cfg, bootstrap=50)) == spec_hash(cfg)
    strict = AnalyzerConfig(names=["format_misalignment"], plugins={"mine": {"k": 1}})
    assert spec_hash(replace(cfg, analyzer=strict)) == spec_hash(cfg)
    assert hash_before_this_change(replace(cfg, analyze=False)) != spec_hash(cfg)  # what changed: these runs
    assert spec_hash(replace(cfg, scoring=ScoringConfig(official=True))) != spec_hash(cfg)
    other_sampling = replace(cfg.model, generation=GenerationConfig(temperature=0.6))
    assert spec_hash(replace(cfg, model=other_sampling)) != spec_hash(cfg)
    assert spec_hash(replace(cfg, runs_dir="elsewhere", use_cache=False)) == spec_hash(cfg)


def test_one_cell_keeps_one_run_directory_when_only_analysis_settings_change(tmp_path):
    for extra in (["analyze=false"], ["analyze=true", "bootstrap=200"]):
        result = run(tmp_path, "task=lamp2", "retriever=none", *extra)
        assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    spec = json.loads((run_dir / "spec.json").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert spec["config"]["bootstrap"] == 200  # the last run's settings
    assert run_dir.name.endswith("__" + spec["spec_hash"])
    assert "failure_modes" in summary  # the second run analysed it


def test_spec_and_summary_record_the_format_version_and_every_plugin_package(tmp_path):
    result = run(tmp_path, "task=recipe_tag", "retriever=bm25", "method=direct")
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    spec = json.loads((run_dir / "spec.json").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert spec["format_version"] == 1 and summary["format_version"] == 1
    reaper_version = version("reaper")
    assert spec["plugins"] == {
        "task": {"name": "recipe_tag", "package": "reaper-recipe-task", "version": "0.1.0"},
        "retriever": {"name": "bm25", "package": "reaper", "version": reaper_version},
        "backend": {"name": "canned", "package": "reaper", "version": reaper_version},
        "method": {"name": "direct", "package": "reaper", "version": reaper_version},
    }
    assert summary["analyzers"] == {
        name: {"package": "reaper", "version": reaper_version}
        for name in ("format_misalignment", "divergent_thinking", "retrieval_misuse")
    }


def test_rescore_and_analyze_take_a_folder_of_runs(tmp_path):
    result = run(tmp_path, "-m", "task=lamp2,lamp3", "retriever=bm25", "analyze=false",
                 f"hydra.sweep.dir={tmp_path / 'sweep'}")  # fmt: skip
    assert result.returncode == 0, result.stderr
    runs = sorted((tmp_path / "runs").iterdir())
    assert [r.name.split("__")[0] for r in runs] == ["LaMP_2", "LaMP_3"]
    before = {r.name: json.loads((r / "summary.json").read_text())["metrics"] for r in runs}
    for r in runs:
        (r / "summary.json").unlink()
        (r / "samples.jsonl").unlink()
    rescored = reaper(tmp_path, "rescore", str(tmp_path / "runs"))
    assert rescored.returncode == 0, rescored.stderr
    lines = [json.loads(line) for line in rescored.stdout.splitlines()]
    assert [line["run"] for line in lines] == [r.name for r in runs]
    for line in lines:
        metrics = before[line["run"]]
        assert {k: v for k, v in line.items() if k != "run"} == {
            k: v["value"] for k, v in metrics.items() if "@" not in k
        }
    for r in runs:
        summary = json.loads((r / "summary.json").read_text())
        assert summary["metrics"] == before[r.name] and "failure_modes" in summary
        assert len((r / "samples.jsonl").read_text().splitlines()) == 4
    analyzed = reaper(tmp_path, "analyze", str(tmp_path / "runs"))
    assert analyzed.returncode == 0, analyzed.stderr
    assert sorted(json.loads(analyzed.stdout)["failure_modes"]) == [r.name for r in runs]


def test_rescore_of_a_folder_without_runs_is_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    result = reaper(tmp_path, "rescore", str(tmp_path / "empty"))
    assert result.returncode == 2
    assert result.stderr == (
        f"reaper: error: {tmp_path / 'empty'}: neither a run directory nor a folder of runs (no spec.json in it)\n"
    )
