"""Grids from the command line: M models x R retrievers x T tasks cost M model loads and R x T retrievals,
finished cells are skipped through the generation store, and the joblib and submitit launchers work.

A failing cell never ends a grid (error.json in its run directory, exit 3), failed samples end a run
with exit 4, and the closing counters are summed from the cells' records under every launcher; every
expected number below is counted by hand from the grid's cells and the bundled sample's sizes.
"""

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openai_stub import OpenAIStub

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


CLOSING = re.compile(r"cells: (\d+), model loads: (\d+), retrievals computed: (\d+) \(disk cache hits (\d+), "
                     r"memo hits (\d+)\), failed cells: (\d+), failed samples: (\d+)")  # fmt: skip


def closing(stderr: str) -> tuple[int, ...]:
    """(cells, model loads, computed, disk hits, memo hits, failed cells, failed samples) of the closing line."""
    found = CLOSING.findall(stderr)
    assert len(found) == 1, stderr[-3000:]
    return tuple(map(int, found[0]))


def cell_files(runs: Path) -> dict[str, set[str]]:
    """run directory name -> which of summary.json / error.json / error.log it holds."""
    wanted = {"summary.json", "error.json", "error.log"}
    return {d.name: {p.name for p in d.iterdir()} & wanted for d in sorted(runs.iterdir())}


def by_task(runs: Path) -> dict[str, set[str]]:
    files = cell_files(runs)
    tasks = {name.split("__")[0] for name in files}
    assert len(tasks) == len(files), files  # one cell per task in these grids
    return {name.split("__")[0]: kinds for name, kinds in files.items()}


def by_task_and_model(runs: Path) -> dict[tuple[str, str], set[str]]:
    return {tuple(name.split("__")[:2]): kinds for name, kinds in cell_files(runs).items()}  # type: ignore[misc]


@pytest.fixture
def stub():
    server = OpenAIStub()
    yield server
    server.close()


def served(stub: OpenAIStub, *overrides: str) -> list[str]:
    """Overrides that point the openai backend at the local stub server, with quick retries."""
    return ["model=vllm_server", f"model.api.base_url={stub.base_url}", "model.api.max_retries=1",
            "model.api.backoff_s=0.01", "model.name=${model.path}", *overrides]  # fmt: skip


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


NO_SAMPLE = "task LaMP_6 has no bundled sample"  # the sample has no LaMP_6 (licensed data)


def test_failing_cell_never_ends_the_grid_and_the_rerun_reuses_the_finished_cells(tmp_path):
    grid = ["-m", "model=canned", "task=lamp6,lamp2,lamp3", "retriever=bm25"]
    result = reaper_run(tmp_path, *grid)
    assert result.returncode == 3, result.stderr[-3000:]
    runs = tmp_path / "runs"
    assert by_task(runs) == {"LaMP_6": {"error.json", "error.log"}, "LaMP_2": {"summary.json"},
                             "LaMP_3": {"summary.json"}}  # fmt: skip
    [failed_dir] = runs.glob("LaMP_6__*")
    error = json.loads((failed_dir / "error.json").read_text())
    assert NO_SAMPLE in error["error"] and "\n" not in error["error"]
    assert error["config"]["task"]["name"] == "LaMP_6" and error["config"]["model"]["name"] == "canned"
    assert error["log"] == str((failed_dir / "error.log").resolve())
    assert "Traceback" in Path(error["log"]).read_text() and "Traceback" not in result.stderr
    # 3 cells; LaMP_6 fails before the engine, so one load; bm25 computed for LaMP_2 and LaMP_3 (memo hits
    # depend on the launcher: the default pooled one retrieves once before the cells, which then hit its memo)
    cells, loads, computed, disk, _memo, failed, samples = closing(result.stderr)
    assert (cells, loads, computed, disk, failed, samples) == (3, 1, 2, 0, 1, 0)
    assert f"failed: {failed_dir.name}: {NO_SAMPLE}" in result.stderr
    assert f"(traceback: {error['log']})" in result.stderr
    finished = [int(total) for done, total in re.findall(r"generated (\d+)/(\d+)", result.stderr) if done == total]
    assert sum(finished) == 15 + 15  # both sample tasks have 15 questions, generated once

    again = reaper_run(tmp_path, *grid)
    assert again.returncode == 3, again.stderr[-3000:]
    # the finished cells come from the store: nothing generated, no model load either
    assert set(re.findall(r"generated (\d+)/", again.stderr)) <= {"0"}
    cells, loads, computed, disk, _memo, failed, samples = closing(again.stderr)
    assert (cells, loads, computed, disk, failed, samples) == (3, 0, 0, 2, 1, 0)
    assert by_task(runs)["LaMP_6"] == {"error.json", "error.log"}


def test_rerun_retries_only_the_failed_cells_and_clears_their_error(tmp_path, stub):
    stub.reject_models = {"flaky"}  # the server does not serve it yet: every request of its cells is refused
    # the basic launcher runs the cells one by one (the default one would also try the refused model's
    # requests in one pooled pass first), so each count below follows from the four cells alone
    grid = ["-m", "hydra/launcher=basic", *served(stub, "model.path=good,flaky"), "task=lamp2,lamp3", "retriever=none"]
    result = reaper_run(tmp_path, *grid)
    assert result.returncode == 3, result.stderr[-3000:]
    files = cell_files(tmp_path / "runs")
    kinds = {name.split("__")[1] + "/" + name.split("__")[0]: k for name, k in files.items()}
    assert kinds == {"good/LaMP_2": {"summary.json"}, "good/LaMP_3": {"summary.json"},
                     "flaky/LaMP_2": {"error.json", "error.log"}, "flaky/LaMP_3": {"error.json", "error.log"}}  # fmt: skip
    # the backend client is made once per model (the refused one too); retriever=none computes nothing
    assert closing(result.stderr) == (4, 2, 0, 0, 0, 2, 0)
    assert stub.requests == {"good": 30, "flaky": 30}  # 15 + 15 questions each; 404 is not retried
    assert result.stderr.count("rejected every request") == 2 + 2  # as each cell fails, and in the closing list

    stub.reject_models = set()
    stub.requests.clear()
    again = reaper_run(tmp_path, *grid)
    assert again.returncode == 0, again.stderr[-3000:]
    assert stub.requests == {"flaky": 30}  # only the failed cells asked the server again
    assert all(k == {"summary.json"} for k in cell_files(tmp_path / "runs").values())  # error.json cleared
    assert closing(again.stderr) == (4, 1, 0, 0, 0, 0, 0)  # the good model's cells never load it


def test_failed_samples_exit_4_say_how_many_and_the_rerun_retries_them(tmp_path, stub):
    questions = json.loads((REPO / "tasks" / "data" / "LaMP_2" / "questions.json").read_text())
    tails = [q["input"][-60:] for q in questions]
    assert len(set(tails)) == len(tails) == 15
    stub.fail_texts = set(tails[:2])  # two questions get HTTP 500 on every attempt
    cell = [*served(stub, "model.path=m"), "task=lamp2", "retriever=none"]
    result = reaper_run(tmp_path, *cell)
    assert result.returncode == 4, result.stderr[-3000:]
    [summary] = summaries(tmp_path / "runs")
    assert summary["counts"] == {"ok": 13, "unscorable": 0, "failed": 2}
    assert stub.requests == {"m": 13 + 2 * 2}  # the two failing ones: first attempt + one retry
    assert closing(result.stderr) == (1, 1, 0, 0, 0, 0, 2)
    assert "2 samples failed in 1 cell" in result.stderr and "rerunning the same command retries them" in result.stderr

    stub.fail_texts = set()
    stub.requests.clear()
    again = reaper_run(tmp_path, *cell)
    assert again.returncode == 0, again.stderr[-3000:]
    assert stub.requests == {"m": 2}  # only the failed samples were asked again
    [summary] = summaries(tmp_path / "runs")
    assert summary["counts"] == {"ok": 15, "unscorable": 0, "failed": 0}
    assert "samples failed" not in again.stderr


def test_joblib_counters_are_summed_from_the_cells(tmp_path):
    # one model per task (model.path follows the task), so every scheduling of the cells over the two
    # worker processes costs one load and one bm25 computation per cell that gets past its data
    grid = ["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "model=canned", "model.path=${task.name}",
            "task=lamp6,lamp2,lamp3,lamp7", "retriever=bm25"]  # fmt: skip
    result = reaper_run(tmp_path, *grid)
    assert result.returncode == 3, result.stderr[-3000:]
    assert closing(result.stderr) == (4, 3, 3, 0, 0, 1, 0)
    assert by_task(tmp_path / "runs") == {"LaMP_6": {"error.json", "error.log"}, "LaMP_2": {"summary.json"},
                                          "LaMP_3": {"summary.json"}, "LaMP_7": {"summary.json"}}  # fmt: skip
    again = reaper_run(tmp_path, *grid)
    assert closing(again.stderr) == (4, 0, 0, 3, 0, 1, 0)


@pytest.mark.slow
def test_one_job_per_model_two_concurrent_jobs_share_one_store_and_table_merges_them(tmp_path):
    """The SLURM flow of the README on one machine: reaper_local is reaper_slurm's grouping over submitit_local."""
    # two model configs on the same weights (one store file), two temperatures: one job each, run at once
    grid = ["-m", "hydra/launcher=reaper_local", "model=canned", "model.path=shared",
            "model.generation.temperature=0.0,0.5", "model.name=t${model.generation.temperature}",
            "task=lamp6,lamp2,lamp3", "retriever=bm25"]  # fmt: skip
    result = reaper_run(tmp_path, *grid, timeout=600)
    assert result.returncode == 3, result.stderr[-3000:]
    records = [json.loads(p.read_text()) for p in sorted((tmp_path / "sweep").glob("*/reaper_cell.json"))]
    by_process: dict[str, list[str]] = {}
    for record in records:
        by_process.setdefault(record["process"], []).append(Path(record["run_dir"]).name.split("__")[1])
    jobs = sorted((sorted(set(models)), len(models)) for models in by_process.values())
    assert jobs == [(["t0.0"], 3), (["t0.5"], 3)]  # two jobs, each running all three cells of its model
    cells, loads, computed, disk, memo, failed, samples = closing(result.stderr)
    assert (cells, loads, failed, samples) == (6, 2, 2, 0)  # one engine start per job
    # 4 cells get past their data and look their retrieval up once each; the two jobs race on the shared
    # disk cache, so LaMP_2 and LaMP_3 are each computed once or twice
    assert computed + disk + memo == 4 and 2 <= computed <= 4
    [store] = (tmp_path / "cache" / "generations").glob("*.sqlite")
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT COUNT(*) FROM generations").fetchone() == (2 * (15 + 15),)
    assert by_task_and_model(tmp_path / "runs") == {
        (t, m): ({"error.json", "error.log"} if t == "LaMP_6" else {"summary.json"})
        for t in ("LaMP_6", "LaMP_2", "LaMP_3") for m in ("t0.0", "t0.5")}  # fmt: skip

    table = subprocess.run([sys.executable, "-m", "harness.cli.main", "table", str(tmp_path / "runs"), "--layout",
                            "lrm-vs-llm", "--format", "csv"], cwd=REPO, capture_output=True, text=True)  # fmt: skip
    assert table.returncode == 0, table.stderr
    rows = {(r["task"], r["metric"]): r for r in csv.DictReader(io.StringIO(table.stdout))}
    golds = json.loads((REPO / "tasks" / "data" / "LaMP_2" / "outputs.json").read_text())["golds"]
    comedy = sum(g["output"] == "comedy" for g in golds) / len(golds)  # the canned reply is "comedy"
    for model in ("t0.0", "t0.5"):
        assert float(rows[("LaMP_2", "accuracy")][f"general / {model} / bm25 k=1"]) == pytest.approx(comedy)
        assert float(rows[("LaMP_3", "n")][f"general / {model} / bm25 k=1"]) == 15

    again = reaper_run(tmp_path, *grid, timeout=600)
    cells, loads, computed, disk, memo, failed, samples = closing(again.stderr)
    assert (cells, loads, computed, failed) == (6, 0, 0, 2)  # everything from the shared store and caches


def test_every_cell_is_checked_before_any_engine_starts_and_a_grid_with_no_good_cell_launches_nothing(tmp_path):
    # hydra/launcher=basic runs the cells one by one: without the sweeper's preflight, LaMP_6's mistake
    # (no file given, no bundled sample) would show only after LaMP_2's engine had loaded and run
    result = reaper_run(tmp_path, "-m", "model=canned", "task=lamp2,lamp6", "hydra/launcher=basic")
    assert result.returncode == 3, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    [checked] = [i for i, line in enumerate(lines) if line.startswith("[reaper] preflight: cell 1 ")]
    assert "task=lamp6" in lines[checked] and NO_SAMPLE in lines[checked]
    [loading] = [i for i, line in enumerate(lines) if line.startswith("[reaper] loading canned")]
    assert checked < loading
    assert {k[0]: v for k, v in by_task_and_model(tmp_path / "runs").items()} == {
        "LaMP_2": {"summary.json"}, "LaMP_6": {"error.json", "error.log"}}  # fmt: skip

    none_good = reaper_run(tmp_path / "again", "-m", "model=canned", "task=lamp6", "retriever=bm25,none")
    assert none_good.returncode == 2, none_good.stderr[-3000:]
    errors = [line for line in none_good.stderr.splitlines() if line.startswith("reaper: error:")]
    assert errors == ["reaper: error: every cell of the grid failed its preflight (2 of 2; lines above)"]
    assert none_good.stderr.count("[reaper] preflight: cell ") == 2 and "Traceback" not in none_good.stderr
    assert not (tmp_path / "again" / "runs").exists() and "loading" not in none_good.stderr
