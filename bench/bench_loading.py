"""Loading a LaMP-dev-sized questions file: peak memory and time, ours (streaming) vs json.load.

Writes a synthetic LaMP_3-shaped file (default 2,500 questions x 190 items x 100 words, ~300 MB),
then loads it in fresh processes: `harness.data.load.read_questions` (hash + UTF-8 check + ijson
stream into Example records) and plain `json.load`. Peak RSS is ru_maxrss of each process.

    python bench/bench_loading.py [--questions 2500 --items 190 --words 100]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROBE = """
import resource, sys, time, json
sys.path.insert(0, {repo!r})
start = time.perf_counter()
if {mode!r} == "ours":
    from harness.data.load import read_questions
    from harness.registry import get_task
    examples, _ = read_questions({path!r}, get_task("LaMP_3"))
    n = len(examples)
else:
    with open({path!r}, encoding="utf-8") as f:
        n = len(json.load(f))
print(n, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def write_file(path: Path, questions: int, items: int, words: int) -> None:
    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(5000)]
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for q in range(questions):
            profile = [{"id": f"{q}-{i}", "text": " ".join(rng.choices(vocab, k=words)), "score": str(rng.randint(1, 5))}
                       for i in range(items)]  # fmt: skip
            row = {"id": str(q), "input": "What is the score of the following review on a scale of 1 to 5? just answer "
                   "with 1, 2, 3, 4, or 5 without further explanation. review: " + " ".join(rng.choices(vocab, k=words)),
                   "profile": profile}  # fmt: skip
            handle.write(("," if q else "") + json.dumps(row))
        handle.write("]")


def probe(mode: str, path: Path) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(repo=str(REPO), mode=mode, path=str(path))],
                         capture_output=True, text=True, check=True)  # fmt: skip
    n, seconds, peak = out.stdout.split()
    return int(n), float(seconds), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2500)
    parser.add_argument("--items", type=int, default=190)
    parser.add_argument("--words", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dev_questions.json"
        write_file(path, args.questions, args.items, args.words)
        size = path.stat().st_size / 2**20
        print(f"file: {size:.0f} MB ({args.questions} questions x {args.items} items x {args.words} words)")
        for mode in ("ours", "json.load"):
            n, seconds, peak = probe(mode, path)
            print(f"{mode:>9}: {n} questions in {seconds:.1f}s, peak RSS {peak:.0f} MB ({peak / size:.2f}x the file)")


if __name__ == "__main__":
    main()
