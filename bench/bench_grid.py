"""Grid cost on the embedded model: a 2 x 3 x 2 grid must cost 2 model loads and 3 x 2 retrievals.

Models: smollm2 (vLLM) and smollm2_hf (transformers), retrievers none / bm25 / dense, tasks
LaMP_2 and LaMP_3 (4 questions each). Runs `reaper run -m …` as a user would, in a fresh cache,
and prints the counters the run reports, the wall time, and the rerun's counters and time.

    python bench/bench_grid.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GRID = [
    "-m",
    "model=smollm2,smollm2_hf",
    "retriever=none,bm25,dense",
    "task=lamp2,lamp3",
    "task.limit=4",
    "analyze=false",
]


def run(tmp: Path) -> tuple[float, str]:
    env = {**os.environ, "REAPER_CACHE": str(tmp / "cache"), "HF_HUB_OFFLINE": "1"}
    embedded = Path(os.environ.get("REAPER_CACHE", Path.home() / ".cache" / "reaper")) / "models"
    if embedded.exists() and not (tmp / "cache" / "models").exists():  # reuse the prepared model, not the caches
        (tmp / "cache").mkdir(parents=True, exist_ok=True)
        (tmp / "cache" / "models").symlink_to(embedded)
    cmd = [
        sys.executable,
        "-m",
        "harness.cli.main",
        "run",
        *GRID,
        f"runs_dir={tmp / 'runs'}",
        f"hydra.sweep.dir={tmp / 'sweep'}",
    ]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stderr[-3000:])
    line = re.search(r"cells: .*", done.stderr)
    return time.perf_counter() - start, line.group(0) if line else "(no counters line)"


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        first, counters = run(tmp)
        print(
            f"grid 2 models x 3 retrievers x 2 tasks: {first:.1f}s; {counters} (goal: 2 loads, 4 computed: none needs none)"
        )
        again, counters = run(tmp)
        print(f"rerun of the finished grid: {again:.1f}s ({100 * again / first:.1f}%); {counters}")


if __name__ == "__main__":
    main()
