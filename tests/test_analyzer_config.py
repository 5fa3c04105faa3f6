"""The analyzers are a Hydra config group (issue 13.3): typed, overridable, out of the spec hash, in the cache key.

``reaper run``, ``reaper analyze`` and ``reaper rescore`` take the same ``analyzer`` overrides; each
case goes through the real command line (canned backend with reasoning traces, lexical drift so no
embedding model is loaded).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from harness.analyzers.settings import ANALYZER_CLASSES, SETTINGS
from harness.config import AnalyzerConfig

REPO = Path(__file__).resolve().parents[1]
TRACES = ["model=canned", "task=lamp3", "++model.reasoning=true", "++model.reasoning_parser=think_tags",
          "++model.engine.traces=true", "analyzer=lexical"]  # fmt: skip


def reaper(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "REAPER_CACHE": str(tmp / "cache")}
    env.pop("HYDRA_FULL_ERROR", None)
    command = [sys.executable, "-m", "harness.cli.main", *args]
    return subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)


def run(tmp: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    done = reaper(tmp, "run", f"runs_dir={tmp / 'runs'}", *TRACES, *overrides)
    assert done.returncode == 0, done.stderr
    return done


def summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))


def cache_keys(run_dir: Path) -> dict[str, str]:
    entries = json.loads((run_dir / "analysis_cache.json").read_text(encoding="utf-8"))
    return {name: entry["key"] for name, entry in entries.items()}


def test_each_node_holds_its_analyzers_constructor_defaults() -> None:
    """Built from the node's values, every analyzer is the one its constructor builds with no arguments."""
    for name, cls in ANALYZER_CLASSES.items():
        settings = dataclasses.asdict(SETTINGS[name]())
        assert vars(cls(**settings)) == vars(cls()), name
    assert SETTINGS["divergent_thinking"]().drift_share == 1 / 3
    assert "backend" not in {f.name for f in dataclasses.fields(SETTINGS["llm_judge"])}  # not plain data
    assert pickle.loads(pickle.dumps(AnalyzerConfig())) == AnalyzerConfig()  # joblib/submitit workers


def test_plugin_settings_are_a_mapping_beside_the_built_ins() -> None:
    config = AnalyzerConfig(plugins={"my_check": {"k": 2}})
    by_name = config.by_name()
    assert by_name["my_check"] == {"k": 2}
    assert by_name["retrieval_misuse"]["copy_rouge_l"] == 0.9


def test_new_thresholds_reanalyse_the_same_run_directory_and_equal_ones_reuse(tmp_path: Path) -> None:
    run(tmp_path)
    (run_dir,) = (tmp_path / "runs").iterdir()
    first = summary(run_dir)
    assert first["failure_modes_n"]["divergent.long"] > 0  # enough traces for a length norm (default 5)
    keys = cache_keys(run_dir)
    second = run(tmp_path, "analyzer.divergent_thinking.min_run_traces=1000000")
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [run_dir.name]  # not a second run directory
    assert "results reused for format_misalignment, retrieval_misuse" in second.stderr, second.stderr
    changed = summary(run_dir)
    assert changed["failure_modes_n"]["divergent.long"] == 0 and changed["failure_modes"]["divergent.long"] is None
    assert changed["analyzer_settings"]["divergent_thinking"]["min_run_traces"] == 1000000
    new_keys = cache_keys(run_dir)
    assert new_keys["divergent_thinking"] != keys["divergent_thinking"]
    assert new_keys["retrieval_misuse"] == keys["retrieval_misuse"]
    spec = json.loads((run_dir / "spec.json").read_text(encoding="utf-8"))
    assert spec["config"]["analyzer"]["divergent_thinking"]["min_run_traces"] == 1000000
    third = run(tmp_path, "analyzer.divergent_thinking.min_run_traces=1000000")
    assert "results reused for format_misalignment, divergent_thinking, retrieval_misuse" in third.stderr


def test_analyze_and_rescore_take_the_same_overrides_on_top_of_the_runs_own(tmp_path: Path) -> None:
    run(tmp_path, "analyzer.divergent_thinking.min_run_traces=1000000")
    (run_dir,) = (tmp_path / "runs").iterdir()
    again = reaper(tmp_path, "analyze", str(run_dir))  # no override: the run's own settings, all reused
    assert again.returncode == 0, again.stderr
    assert "results reused for format_misalignment, divergent_thinking, retrieval_misuse" in again.stderr
    done = reaper(tmp_path, "analyze", str(tmp_path / "runs"), "analyzer.divergent_thinking.min_run_traces=2")
    assert done.returncode == 0, done.stderr
    settings = summary(run_dir)["analyzer_settings"]["divergent_thinking"]
    assert settings["min_run_traces"] == 2 and settings["similarity"] == "lexical"  # the run's lexical kept
    assert summary(run_dir)["failure_modes_n"]["divergent.long"] > 0
    rescored = reaper(
        tmp_path, "rescore", str(run_dir), "analyzer=conservative", "analyzer.divergent_thinking.similarity=lexical"
    )
    assert rescored.returncode == 0, rescored.stderr
    settings = summary(run_dir)["analyzer_settings"]["divergent_thinking"]
    assert settings["drift_share"] == 0.5 and settings["min_run_traces"] == 5  # the preset, not the run's own


def test_a_misspelt_analyzer_setting_is_one_line_for_analyze_and_rescore(tmp_path: Path) -> None:
    run(tmp_path)
    (run_dir,) = (tmp_path / "runs").iterdir()
    before = (run_dir / "summary.json").read_text(encoding="utf-8")
    for command in ("analyze", "rescore"):
        done = reaper(tmp_path, command, str(run_dir), "analyzer.retrieval_misuse.copy_rouge=0.5")
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1, done.stderr
        assert "analyzer.retrieval_misuse.copy_rouge" in lines[0] and "Traceback" not in done.stderr
        assert (run_dir / "summary.json").read_text(encoding="utf-8") == before  # nothing rewritten


def test_a_plugin_analyzer_is_built_from_analyzer_plugins(tmp_path: Path) -> None:
    """``analyzer.names`` chooses a plugin and ``analyzer.plugins.<name>`` are its keyword arguments."""
    from harness.analyzers.run_analysis import analyze_run
    from harness.registry import ANALYZERS

    @ANALYZERS.register("answer_length_check")
    class AnswerLength:
        name = "answer_length_check"

        def __init__(self, max_words: int = 100) -> None:
            self.max_words = max_words

        def tag_names(self, task):
            return ["length.over"]

        def population(self, tag):
            return "ok"

        def analyze(self, samples, task):
            return {s.id: {"tags": ["length.over"] if len((s.answer or "").split()) > self.max_words else [],
                           "score": 0.0, "evidence": []} for s in samples}  # fmt: skip

    run(tmp_path)
    (run_dir,) = (tmp_path / "runs").iterdir()
    config = AnalyzerConfig(names=["answer_length_check"], plugins={"answer_length_check": {"max_words": 0}})
    entries = analyze_run(run_dir, config.by_name(), config.names)
    assert entries["failure_modes"]["length.over"] == 1.0  # every answer has more than 0 words
    assert entries["analyzer_settings"] == {"answer_length_check": {"max_words": 0}}
    entries = analyze_run(run_dir, AnalyzerConfig(names=["answer_length_check"]).by_name(), ["answer_length_check"])
    assert entries["failure_modes"]["length.over"] == 0.0  # the default, 100 words: canned answers are short


def test_analyzer_names_choose_which_analyzers_a_run_runs(tmp_path: Path) -> None:
    run(tmp_path, "analyzer.names=[format_misalignment]")
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert set(summary(run_dir)["analyzers"]) == {"format_misalignment"}
    assert all(tag.startswith("format.") for tag in summary(run_dir)["failure_modes"])


def test_overrides_may_follow_the_options(tmp_path: Path) -> None:
    run(tmp_path)
    (run_dir,) = (tmp_path / "runs").iterdir()
    done = reaper(tmp_path, "analyze", str(run_dir), "--analyzers", "format_misalignment",
                  "analyzer.format_misalignment.long_ratio=3")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert summary(run_dir)["analyzer_settings"]["format_misalignment"]["long_ratio"] == 3.0
    bad = reaper(tmp_path, "analyze", str(run_dir), "--analyzers", "format_misalignment", "--bogus")
    assert bad.returncode == 2 and "unrecognized arguments: --bogus" in bad.stderr
