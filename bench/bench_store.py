"""Benchmark (not a test): what one process pays to resume from a large generation store.

    python bench/bench_store.py [--stored 25000 --trace-words 1000 --lookups 200]

Fills a store with ``--stored`` generations carrying ~``--trace-words``-word reasoning traces, then,
in fresh processes, looks up a run's ``--lookups`` keys: (a) the SQLite store
(``GenerationStore.get_many``), (b) what the earlier JSON-lines store did (every line parsed into
an in-memory index). Prints time and peak RSS of each. Goal: (a) independent of ``--stored``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.run.generation_store import GenerationStore  # noqa: E402
from harness.types import Generation  # noqa: E402

PROBE = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from harness.types import Generation
start = time.perf_counter()
keys = {keys!r}
if {mode!r} == "sqlite":
    from harness.run.generation_store import GenerationStore
    found = GenerationStore({path!r}).get_many(keys)
else:  # the earlier store: parse every line into an index, then look up
    index = {{}}
    with open({path!r}, "rb") as handle:
        for line in handle:
            record = json.loads(line)
            index[record["key"]] = Generation.from_dict(record["generation"])
    found = {{k: index[k] for k in keys if k in index}}
print(len(found), time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def fill(folder: Path, stored: int, words: int) -> tuple[Path, Path]:
    """The same generations in a SQLite store and in a JSON-lines file of the earlier format."""
    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(3000)]
    db, legacy = folder / "m.sqlite", folder / "old.jsonl"
    store = GenerationStore(db)
    with legacy.open("w", encoding="utf-8") as handle:
        for start in range(0, stored, 500):
            batch = []
            for i in range(start, min(stored, start + 500)):
                trace = " ".join(rng.choices(vocab, k=words))
                gen = Generation(id=str(i), raw_text=f"<think>{trace}</think>3", reasoning=trace, answer="3")
                batch.append((f"key{i}", gen))
                handle.write(json.dumps({"v": 1, "key": f"key{i}", "generation": gen.to_dict()}) + "\n")
            store.put_many(batch)
    store.close()
    return db, legacy


def probe(mode: str, path: Path, keys: list[str]) -> tuple[int, float, float]:
    code = PROBE.format(repo=str(REPO), mode=mode, path=str(path), keys=keys)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stored", type=int, default=25_000)
    parser.add_argument("--trace-words", type=int, default=1000)
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        db, legacy = fill(Path(tmp), args.stored, args.trace_words)
        print(f"store: {args.stored} generations, {db.stat().st_size / 1e6:.0f} MB (filled in "
              f"{time.perf_counter() - t:.1f}s)")  # fmt: skip
        keys = [f"key{i}" for i in random.Random(1).sample(range(args.stored), args.lookups)]
        baseline = probe("sqlite", db, [])
        print(f"{'lookup of ' + str(args.lookups) + ' keys':<36} {'found':>6} {'wall s':>8} {'peak rss MB':>12}")
        for name, mode, path in (("SQLite store", "sqlite", db), ("earlier JSON-lines store", "jsonl", legacy)):
            found, wall, rss = probe(mode, path, keys)
            print(f"{name:<36} {found:>6} {wall:>8.3f} {rss:>12.0f}")
        print(f"(a process that only imports the harness and opens the store: {baseline[1]:.3f}s, "
              f"{baseline[2]:.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
