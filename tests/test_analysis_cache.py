"""A rerun of a finished cell does no analysis whose inputs have not changed (issue 15, item 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.analyzers import RULE_BASED
from harness.analyzers.run_analysis import analyze_run
from harness.registry import ANALYZERS
from harness.run.pipeline import score_run

REPO = Path(__file__).resolve().parent.parent
LEXICAL = {"divergent_thinking": {"similarity": "lexical"}}


def _run(tmp: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "harness.cli.main", "run", "model=canned", "task=lamp3", "retriever=bm25",
           f"runs_dir={tmp / 'runs'}", f"cache_dir={tmp / 'cache'}", "analyze=true", "++model.reasoning=true",
           "++model.reasoning_parser=think_tags", "++model.engine.traces=true"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "REAPER_CACHE": str(tmp / "cache"), "PYTHONPATH": str(REPO)}
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done


def _tags(run_dir: Path) -> list[dict]:
    return [json.loads(line)["tags"] for line in (run_dir / "samples.jsonl").read_text().splitlines()]


def test_second_reaper_run_of_a_finished_cell_runs_no_analyzer(tmp_path: Path) -> None:
    first = _run(tmp_path)
    assert "results reused" not in first.stderr
    run_dir = next((tmp_path / "runs").glob("LaMP_3__*"))
    tags = _tags(run_dir)
    assert all(set(RULE_BASED) <= set(t) for t in tags) and any(t["divergent_thinking"]["tags"] for t in tags)
    second = _run(tmp_path)
    assert f"results reused for {', '.join(RULE_BASED)}" in second.stderr, second.stderr
    assert "Loading weights" not in second.stderr  # the drift model is not even loaded
    assert _tags(run_dir) == tags  # the reused verdicts are written back unchanged


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Count analyze() calls per analyzer by wrapping the registered classes."""
    calls: Counter = Counter()
    for name in RULE_BASED:
        cls = ANALYZERS.get(name)
        original = cls.analyze

        def wrapped(self, samples, task, _original=original, _name=name):
            calls[_name] += 1
            return _original(self, samples, task)

        monkeypatch.setattr(cls, "analyze", wrapped)
    return calls


def _finished_run(tmp: Path) -> Path:
    """A scored LaMP_2 run directory with traces, built from its rows (no model)."""
    run_dir = tmp / "run"
    run_dir.mkdir()
    spec = {"config": {"task": {"name": "LaMP_2"}, "method": {"name": "direct"}, "model": {"name": "m"},
                       "retriever": {"name": "bm25", "k": 1}}, "model_is_reasoning": True}  # fmt: skip
    (run_dir / "spec.json").write_text(json.dumps(spec))
    items = [{"id": "a", "description": "A heist crew robs a casino.", "tag": "action"}]
    inputs = [{"id": f"q{i}", "prompt": "p", "retrieved_ids": ["a"], "gold": "action", "input": "a car chase",
               "retrieved_items": items} for i in range(3)]  # fmt: skip
    gens = [{"id": f"q{i}", "raw_text": "action", "answer": "action",
             "reasoning": f"Maybe comedy. No, I'll go with action, as for the casino heist. Trace {i}."}
            for i in range(3)]  # fmt: skip
    (run_dir / "inputs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in inputs))
    (run_dir / "generations.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gens))
    score_run(run_dir, resamples=10)
    return run_dir


def test_only_the_analyzers_whose_inputs_or_settings_changed_run_again(tmp_path: Path, counted: Counter) -> None:
    run_dir = _finished_run(tmp_path)
    analyze_run(run_dir, LEXICAL)
    assert counted == Counter(RULE_BASED)
    first = _tags(run_dir)
    score_run(run_dir, resamples=10)  # a rescore rebuilds samples.jsonl without tags
    analyze_run(run_dir, LEXICAL)
    assert counted == Counter(RULE_BASED) and _tags(run_dir) == first  # nothing ran, same verdicts
    analyze_run(run_dir, {**LEXICAL, "retrieval_misuse": {"min_shared_words": 3}})  # one threshold changed
    assert counted["retrieval_misuse"] == 2 and counted["format_misalignment"] == 1
    gens = (run_dir / "generations.jsonl").read_text().replace("Trace 1.", "Trace one.")
    (run_dir / "generations.jsonl").write_text(gens)  # one trace changed: every analyzer reads it
    score_run(run_dir, resamples=10)
    analyze_run(run_dir, {**LEXICAL, "retrieval_misuse": {"min_shared_words": 3}})
    assert counted == Counter({"format_misalignment": 2, "divergent_thinking": 2, "retrieval_misuse": 3})


def test_an_unreadable_cache_is_recomputed(tmp_path: Path, counted: Counter) -> None:
    run_dir = _finished_run(tmp_path)
    (run_dir / "analysis_cache.json").write_text("{not json")
    analyze_run(run_dir, LEXICAL)
    assert counted == Counter(RULE_BASED)
    assert set(json.loads((run_dir / "analysis_cache.json").read_text())) == set(RULE_BASED)
