"""Analyzer throughput: the rule analyzers on synthetic ~1,000-word traces, cold then warm.

Usage: ``python bench/bench_analyzer_speed.py [N]`` (default 2,000 traces). Cold runs with an empty
embedding cache; warm reruns the same traces (as ``reaper rescore``/``analyze`` again would) and
must encode nothing. Goal: cold <= 5 minutes on 2 cores.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from harness.analyzers import RULE_BASED  # noqa: E402
from harness.analyzers.common import Context, attach_context  # noqa: E402
from harness.analyzers.run_analysis import build_analyzers  # noqa: E402
from harness.registry import get_task  # noqa: E402
from harness.types import Sample  # noqa: E402

_NOUNS = [
    "motor",
    "jar",
    "lid",
    "blade",
    "price",
    "noise",
    "handle",
    "cord",
    "button",
    "base",
    "seal",
    "speed",
    "colour",
    "weight",
]
_ADJ = ["sturdy", "loud", "quiet", "cheap", "flimsy", "solid", "smooth", "heavy", "light", "sharp", "dull", "bright"]


def traces(n: int, words: int = 1000, seed: int = 0) -> list[Sample]:
    """N LaMP_3-style samples with a distinct ~``words``-word trace each (distinct sentences, as real traces)."""
    rng = random.Random(seed)
    items = [{"id": str(i), "text": f"The {rng.choice(_NOUNS)} is {rng.choice(_ADJ)}.", "score": "4"} for i in range(5)]
    out = []
    for k in range(n):
        body: list[str] = []
        while sum(len(s.split()) for s in body) < words:
            body.append(f"The {rng.choice(_NOUNS)} seems {rng.choice(_ADJ)} in review {k} point {len(body)}.")
            body.append(f"Travellers visiting harbour {k} watched gondolas drift past cathedral {len(body)}.")
        s = Sample(id=f"s{k}", task="LaMP_3", prompt="p", retrieved_ids=[i["id"] for i in items], gold="4",
                   reasoning=" ".join(body), answer="4", strict_pred="4", lenient_pred="4")  # fmt: skip
        out.append(attach_context(s, Context(input=f"review: the {rng.choice(_NOUNS)} broke", retrieved_items=items)))
    return out


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 2000
    samples, task = traces(n), get_task("LaMP_3")
    with tempfile.TemporaryDirectory() as cache:
        for label in ("cold", "warm"):
            analyzers = build_analyzers(list(RULE_BASED))
            analyzers["divergent_thinking"]._cached = None
            from harness.embeddings import CachedEmbedder

            analyzers["divergent_thinking"]._cached = CachedEmbedder(cache=Path(cache))
            start = time.perf_counter()
            for analyzer in analyzers.values():
                analyzer.analyze(samples, task)
            seconds = time.perf_counter() - start
            encoded = analyzers["divergent_thinking"]._cached.encoded
            print(f"{label}: {n} traces of ~1,000 words in {seconds:.1f} s; sentences embedded: {encoded}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
