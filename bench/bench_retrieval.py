"""Benchmark (not a test): our BM25 retrieval against the official LaMP procedure, side by side.

    python bench/bench_retrieval.py [--questions 2500 --items 190 --words 100 --k 5] [--quick]

Synthetic data shaped like LaMP_3 dev (2,500 questions, ~190 profile reviews of ~100 words drawn
from a Zipf-like vocabulary of English-ish words, fixed seed). Measures, in one process:
(a) the official procedure: a fresh ``BM25Okapi`` per question over ``str.split`` tokens + ``get_top_n``;
(b) ``harness.run.cached_retrieval.retrieve`` cold (empty cache directory);
(c) ``retrieve`` warm (in-process memo cleared, so it reads the disk cache);
checks that every question gets the identical top k, and reports the peak resident memory.
Goals: cold/official <= 1.0, official/warm >= 50x, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.config import RetrieverConfig  # noqa: E402
from harness.registry import get_task  # noqa: E402
from harness.run.cached_retrieval import RETRIEVAL_STATS, clear_memo, retrieve  # noqa: E402
from harness.types import Example  # noqa: E402

PROMPT = "What is the score of the following review on a scale of 1 to 5? just answer with 1, 2, 3, 4, or 5 without further explanation. review: "


def vocabulary(size: int, rng: np.random.Generator) -> np.ndarray:
    """English-ish words built from syllables, a few with punctuation attached (as real reviews)."""
    onsets = ["b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "w", "st", "tr", "ch", "sh", ""]
    vowels = ["a", "e", "i", "o", "u", "ee", "oo", "ai", "ou"]
    codas = ["", "n", "t", "r", "s", "ng", "ll", "ck", "d"]
    words: set[str] = set()
    while len(words) < size:
        n = int(rng.integers(1, 4))
        word = "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(n))
        words.add(word + (rng.choice([",", ".", "!"]) if rng.random() < 0.08 else ""))
    return np.array(sorted(words), dtype=object)


def make_examples(questions: int, items: int, words: int, seed: int = 0) -> list[Example]:
    """LaMP_3-shaped questions: a review to rate and a profile of the user's past reviews."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(20_000, rng)
    zipf = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    p = zipf / zipf.sum()

    def texts(count: int) -> list[str]:
        lengths = rng.integers(max(1, words // 2), words * 3 // 2 + 1, size=count)
        ids = rng.choice(len(vocab), size=int(lengths.sum()), p=p)
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        return [" ".join(vocab[ids[a:b]]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    examples = []
    for q in range(questions):
        n = int(rng.integers(max(1, items // 2), items * 3 // 2 + 1))
        profile = [{"id": f"{q}_{j}", "text": t, "score": str(rng.integers(1, 6))} for j, t in enumerate(texts(n))]
        examples.append(Example(id=str(q), input=PROMPT + texts(1)[0], profile=profile, gold="3"))
    return examples


def official(examples: list[Example], k: int) -> dict[str, list[str]]:
    """The official LaMP procedure, as its prompts code does it."""
    from rank_bm25 import BM25Okapi

    out = {}
    for ex in examples:
        corpus = [item["text"] for item in ex.profile]
        query = ex.input[ex.input.find("review:") + len("review:") :].strip()
        bm25 = BM25Okapi([text.split() for text in corpus])
        out[ex.id] = [item["id"] for item in bm25.get_top_n(query.split(), ex.profile, n=k)]
    return out


class Clock:
    """Wall and CPU time per step: CPU time is the steadier figure on a shared machine."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float, float]:
        """(wall s, cpu s, peak rss MB) since the last lap."""
        wall, cpu = time.perf_counter(), time.process_time()
        out = (wall - self.wall, cpu - self.cpu, rss_mb())
        self.wall, self.cpu = wall, cpu
        return out


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=2500)
    parser.add_argument("--items", type=int, default=190)
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200 questions")
    args = parser.parse_args()
    questions = 200 if args.quick else args.questions

    t = time.perf_counter()
    examples = make_examples(questions, args.items, args.words)
    n_items = sum(len(ex.profile) for ex in examples)
    print(
        f"data: {questions} questions, {n_items} items, built in {time.perf_counter() - t:.1f}s, rss {rss_mb():.0f} MB"
    )

    task = get_task("LaMP_3")
    spec = RetrieverConfig(name="bm25", k=args.k)
    rows = []
    clock = Clock()
    expected = official(examples, args.k)
    rows.append(("official (fresh BM25Okapi + get_top_n)", *clock.lap()))
    with tempfile.TemporaryDirectory() as cache:
        cold = retrieve(task, examples, spec, Path(cache), data_hash="bench")
        rows.append(("retrieve() cold", *clock.lap()))
        clear_memo()
        warm = retrieve(task, examples, spec, Path(cache), data_hash="bench")
        rows.append(("retrieve() warm (disk cache)", *clock.lap()))
    assert RETRIEVAL_STATS == {"computed": 1, "disk_hits": 1, "memo_hits": 0}, RETRIEVAL_STATS

    differ = [q for q in expected if cold[q] != expected[q] or warm[q] != expected[q]]
    print(f"\n{'step':<40} {'wall s':>8} {'cpu s':>8} {'ms/question':>12} {'peak rss MB':>12}")
    for name, wall, cpu, mb in rows:
        print(f"{name:<40} {wall:>8.3f} {cpu:>8.3f} {wall / questions * 1000:>12.3f} {mb:>12.0f}")
    (_, w_off, c_off, _), (_, w_cold, c_cold, _), (_, w_warm, _, _) = rows
    print(f"\nidentical top-{args.k}: {questions - len(differ)}/{questions} questions")
    print(f"cold / official: {w_cold / w_off:.2f} wall, {c_cold / c_off:.2f} cpu  (goal <= 1.0)")
    print(f"official / warm: {w_off / w_warm:.0f}x  (goal >= 50x)")
    print(f"peak memory: {rss_mb():.0f} MB  (goal < 2048 MB)")
    if differ:
        sys.exit(f"rankings differ for {len(differ)} questions, e.g. {differ[:5]}")


if __name__ == "__main__":
    main()
