"""Peak memory of a LaMP_4-size run against the size of its questions file (goal: at most 1.5x).

Writes a synthetic LaMP_4-shaped dev file (default 1,900 questions, profiles of 40-500 items of
~90 words with a title, ~350 MB) and its outputs, then runs one cell as a user would —
`reaper run model=canned task=lamp4 retriever=bm25` on it, analyzers off — in a fresh process, and
reports that process's peak RSS (ru_maxrss of the child) next to the file size.

    python bench/bench_memory.py [--questions 1900]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VOCAB = [f"w{i}" for i in range(5000)]


def write_data(folder: Path, questions: int, seed: int = 0) -> Path:
    """LaMP_4-shaped questions.json and outputs.json; returns the questions path."""
    rng = random.Random(seed)
    path = folder / "questions.json"
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for q in range(questions):
            profile = [{"id": f"{q}_{i}", "text": " ".join(rng.choices(VOCAB, k=90)),
                        "title": " ".join(rng.choices(VOCAB, k=9))} for i in range(rng.randint(40, 500))]  # fmt: skip
            article = " ".join(rng.choices(VOCAB, k=300))
            item = {
                "id": str(q),
                "input": f"Generate a headline for the following article: {article}",
                "profile": profile,
            }
            out.write(("," if q else "") + json.dumps(item))
        out.write("]")
    golds = [{"id": str(q), "output": " ".join(rng.choices(VOCAB, k=9))} for q in range(questions)]
    (folder / "outputs.json").write_text(json.dumps({"task": "LaMP_4", "golds": golds}), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=1900)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        questions = write_data(folder, args.questions)
        size = questions.stat().st_size
        env = {**os.environ, "REAPER_CACHE": str(folder / "cache"), "HF_HUB_OFFLINE": "1"}
        cmd = [sys.executable, "-m", "harness.cli.main", "run", "model=canned", "task=lamp4", "retriever=bm25",
               f"task.questions={questions}", f"task.outputs={folder / 'outputs.json'}", "analyze=false",
               f"runs_dir={folder / 'runs'}"]  # fmt: skip
        start = time.perf_counter()
        result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if result.returncode != 0:
            print(result.stderr[-2000:])
            return 1
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    ratio = peak / size
    print(f"LaMP_4-size run: {args.questions} questions, file {size / 1e6:.0f} MB, peak RSS {peak / 1e6:.0f} MB "
          f"= {ratio:.2f}x the file (goal <= 1.5x), wall {wall:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
