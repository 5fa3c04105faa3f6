"""A reasoning trace is written once per run directory (generations.jsonl) and once in the store;
samples.jsonl gets it back by id, and run directories of the older layout still read."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from harness.run.run_files import read_samples
from harness.types import Generation

REPO = Path(__file__).resolve().parent.parent
THINK = "The user rated similar kitchen gadgets with a three most of the time, so I lean towards three here."


def run(tmp: Path, *extra: str) -> Path:
    env = {"REAPER_CACHE": str(tmp / "cache"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "harness.cli.main", "run", "model=canned", "task=lamp3", "retriever=bm25",
           "model.reasoning=true", "model.reasoning_parser=think_tags", f"++model.engine.think='{THINK}'",
           f"runs_dir={tmp / 'runs'}", *extra]  # fmt: skip
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp / "runs").iterdir()
    return run_dir


def test_each_trace_is_written_once_in_the_run_directory_and_once_in_the_store(tmp_path):
    run_dir = run(tmp_path)
    n = len((run_dir / "inputs.jsonl").read_text().splitlines())
    # spec.json holds the canned engine's setting (the text it replies with), not a trace
    in_run = sum(p.read_text().count(THINK) for p in run_dir.iterdir() if p.name != "spec.json")
    assert in_run == n  # one copy per question across inputs, generations, samples and summary
    (store,) = (tmp_path / "cache" / "generations").glob("*.sqlite")
    records = [r for (r,) in sqlite3.connect(store).execute("SELECT record FROM generations")]
    assert sum(r.count(THINK) for r in records) == len(records) == n
    rows = read_samples(run_dir)
    assert all(r["reasoning"] == THINK and r["raw_output"] == f"<think>{THINK}</think>comedy" for r in rows)


def test_analysis_and_rescore_read_the_trace_back(tmp_path):
    run_dir = run(tmp_path)
    rows = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert not any("reasoning" in r or "raw_output" in r for r in rows)
    # the trace tags apply (a trace was read): divergent_thinking judges every sample
    assert all("divergent.switches" not in r["tags"]["divergent_thinking"]["na_tags"] for r in rows)
    result = subprocess.run([sys.executable, "-m", "harness.cli.main", "rescore", str(run_dir)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert all(r["reasoning"] == THINK for r in read_samples(run_dir))


def test_a_run_directory_of_the_older_layout_keeps_its_traces(tmp_path):
    row = {
        "id": "1",
        "task": "LaMP_3",
        "prompt": "p",
        "retrieved_ids": [],
        "gold": "3",
        "raw_output": "x",
        "reasoning": "r",
    }
    (tmp_path / "samples.jsonl").write_text(json.dumps(row) + "\n")
    assert read_samples(tmp_path) == [row]


def test_generation_records_round_trip_with_spans():
    long = "w " * 40
    gen = Generation(id="1", raw_text=f"<think>{long}</think>{long}x", reasoning=long, answer=f"{long}x")
    record = gen.to_record()
    assert record["reasoning"] is None and record["reasoning_span"] == [7, 7 + len(long)]
    assert Generation.from_dict(json.loads(json.dumps(record))) == gen
    short = Generation(id="2", raw_text="<think>hm</think>3", reasoning="hm", answer="3")
    assert short.to_record() == short.to_dict()  # short texts are written out
    outside = Generation(id="3", raw_text="answer only " * 5, reasoning="a trace the backend returned apart " * 2)
    assert outside.to_record()["reasoning"] == outside.reasoning  # not a part of raw_text: kept as text
