"""A `reaper run` killed with SIGKILL mid-generation resumes with nothing lost or duplicated,
and leaves no output that looks complete."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def command(tmp: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "harness.cli.main", "run", "model=canned", "task=lamp2", "retriever=bm25",
            "model.batch_size=3", f"runs_dir={tmp / 'runs'}", f"cache_dir={tmp / 'cache'}", "analyze=false", *extra]  # fmt: skip


def stored_lines(tmp: Path) -> list[dict]:
    """Committed rows of the run's store (read straight from SQLite, not through the harness)."""
    files = list((tmp / "cache" / "generations").glob("*.sqlite"))
    if not files:
        return []
    try:
        with sqlite3.connect(files[0], timeout=30) as conn:
            rows = conn.execute("SELECT key, record FROM generations").fetchall()
    except sqlite3.OperationalError:  # the table is created by the first write
        return []
    return [{"key": key, "generation": json.loads(record)} for key, record in rows]


def test_kill_9_mid_run_then_resume(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CI": "1"}
    slow = subprocess.Popen(command(tmp_path, "++model.engine.delay_s=1.5"), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    deadline = time.time() + 120
    while len(stored_lines(tmp_path)) < 6 and time.time() < deadline:  # two batches of three stored
        time.sleep(0.1)
    os.killpg(slow.pid, signal.SIGKILL)
    slow.wait()
    before = stored_lines(tmp_path)
    assert 6 <= len(before) < 15, len(before)
    assert not list((tmp_path / "runs").glob("*/summary.json")) if (tmp_path / "runs").exists() else True

    # the same cell (same generation settings: delay is an engine arg, so keep it) resumes
    done = subprocess.run(command(tmp_path, "++model.engine.delay_s=1.5"), cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    remaining = 15 - len(before)
    assert f"generated {remaining}/15, {15 - remaining} from the store" in done.stderr, done.stderr
    after = stored_lines(tmp_path)
    keys = [row["key"] for row in after]
    assert len(after) == 15 and len(set(keys)) == 15  # nothing lost, nothing duplicated
    samples = [json.loads(x) for x in next((tmp_path / "runs").glob("*/samples.jsonl")).read_text().splitlines()]
    assert len(samples) == 15 and all(s["status"] == "ok" for s in samples)
