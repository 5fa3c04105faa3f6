"""`make bench`: every benchmark in turn, each printing its own figures and goals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    ("retrieval at LaMP scale vs the official procedure", ["bench_retrieval.py"]),
    ("loading a LaMP-dev-sized questions file", ["bench_loading.py"]),
    ("peak memory of a LaMP_4-size run vs its questions file", ["bench_memory.py"]),
    ("resuming from a large generation store", ["bench_store.py"]),
    ("harness overhead and reruns", ["bench_pipeline.py"]),
    ("a LaMP_3-size run with reasoning traces and analyzers", ["bench_traces.py"]),
    ("vLLM batched vs one at a time", ["bench_vllm_batching.py"]),
    ("grid cost on the embedded model", ["bench_grid.py"]),
    ("one pooled batch per model vs cell by cell", ["bench_pooling.py"]),
    ("failure-mode analyzers on the labelled set", ["bench_analyzers.py"]),
    ("analyzer throughput, cold and warm embedding cache", ["bench_analyzer_speed.py"]),
    ("the price of each method", ["bench_methods.py"]),
]


def main() -> int:
    failed = []
    for title, args in BENCHES:
        print(f"\n=== {title} ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], cwd=HERE.parent).returncode != 0:
            failed.append(title)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
