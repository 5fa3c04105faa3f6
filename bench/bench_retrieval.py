"""Benchmark (not a test): our BM25 retrieval against the official LaMP procedure, per task shape.

    python bench/bench_retrieval.py [--shapes LaMP_1,LaMP_3 --questions 500 --k 5] [--quick]

Synthetic data shaped like each LaMP task's dev set (profile sizes, item and query lengths; words
drawn from a Zipf-like vocabulary of English-ish words, fixed seed; see SHAPES). Per shape, in one
process:
(a) the official procedure: a fresh ``BM25Okapi`` per question over ``str.split`` tokens + ``get_top_n``;
(b) ``harness.run.cached_retrieval.retrieve`` cold (empty cache directory), on packed profiles as
    loaded data holds them (``harness.data.packed``: each profile decompressed and parsed in the timing);
(c) ``retrieve`` warm (in-process memo cleared, so it reads the disk cache);
checks that every question gets the identical top k (ties included), and reports the peak resident
memory. Goals per shape: cold/official <= 1.0 (CPU time, the steadier figure on a shared machine),
official/warm >= 50x, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.config import RetrieverConfig  # noqa: E402
from harness.data.packed import PackedProfile  # noqa: E402
from harness.registry import get_task  # noqa: E402
from harness.run.cached_retrieval import RETRIEVAL_STATS, clear_memo, retrieve  # noqa: E402
from harness.types import Example  # noqa: E402

PROMPTS = {
    "LaMP_1": 'For an author who has written the paper with the title "{title}", which reference is related? '
    'Just answer with [1] or [2] without explanation. [1]: "{a}" [2]: "{b}"',
    "LaMP_2": "Which tag does this movie relate to among the following tags? Just answer with the tag name "
    "without further explanation. tags: [sci-fi, comedy] description: {a}",
    "LaMP_3": "What is the score of the following review on a scale of 1 to 5? just answer with 1, 2, 3, 4, or 5 "
    "without further explanation. review: {a}",
    "LaMP_4": "Generate a headline for the following article: {a}",
    "LaMP_5": "Generate a title for the following abstract of a paper: {a}",
    "LaMP_7": "Paraphrase the following tweet without any explanation before or after it: {a}",
}
# task -> (profile items, words per item text, words per query): medians of the LaMP dev sets.
SHAPES = {
    "LaMP_1": (90, 160, 12),  # title + abstract items; the query is two candidate titles
    "LaMP_2": (25, 60, 60),  # movie descriptions
    "LaMP_3": (190, 100, 100),  # reviews
    "LaMP_4": (280, 35, 30),  # HuffPost headline + short description items; profiles up to ~1,700
    "LaMP_5": (80, 180, 170),  # title + abstract items, an abstract as the query
    "LaMP_7": (25, 20, 20),  # tweets
}
FIELDS = {"LaMP_1": ("title", "abstract"), "LaMP_2": ("description",), "LaMP_3": ("text",),
          "LaMP_4": ("title", "text"), "LaMP_5": ("title", "abstract"), "LaMP_7": ("text",)}  # fmt: skip


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


def make_examples(task: str, questions: int, seed: int = 0) -> list[Example]:
    """Questions of one task's shape: an input carrying the query and a profile of past items."""
    items, words, query_words = SHAPES[task]
    rng = np.random.default_rng(seed)
    vocab = vocabulary(20_000, rng)
    zipf = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    p = zipf / zipf.sum()

    def texts(count: int, mean: int) -> list[str]:
        lengths = rng.integers(max(1, mean // 2), mean * 3 // 2 + 1, size=count)
        ids = rng.choice(len(vocab), size=int(lengths.sum()), p=p)
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        return [" ".join(vocab[ids[a:b]]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    fields = FIELDS[task]
    examples = []
    for q in range(questions):
        n = int(rng.integers(max(1, items // 2), items * 3 // 2 + 1))
        title_words = 10 if len(fields) == 2 else 0
        bodies = texts(n, words - title_words)
        titles = texts(n, title_words) if title_words else [""] * n
        profile = []
        for j in range(n):
            item = {"id": f"{q}_{j}", fields[-1]: bodies[j], "score": str(rng.integers(1, 6))}
            if title_words:
                item["title"] = titles[j]
            profile.append(item)
        a, b = texts(2, max(1, query_words // 2)) if task == "LaMP_1" else (texts(1, query_words)[0], "")
        text = PROMPTS[task].format(title=texts(1, 10)[0], a=a, b=b)
        examples.append(Example(id=str(q), input=text, profile=profile, gold="3"))
    return examples


def official_query(task: str, text: str) -> str:
    """The query as the official code cuts it from the input."""
    if task == "LaMP_1":
        quoted = text.split('"')  # the 2nd and 3rd quoted strings
        return f"{quoted[3]} {quoted[5]}"
    marker = {"LaMP_2": "description:", "LaMP_3": "review:", "LaMP_4": "article:"}.get(task, ":")
    return text[text.find(marker) + len(marker) :].strip()


def official(task: str, examples: list[Example], k: int) -> dict[str, list[str]]:
    """The official LaMP procedure, as its prompts code does it."""
    from rank_bm25 import BM25Okapi

    fields = FIELDS[task]
    out = {}
    for ex in examples:
        corpus = [" ".join(item[f] for f in fields) for item in ex.profile]
        bm25 = BM25Okapi([text.split() for text in corpus])
        out[ex.id] = [item["id"] for item in bm25.get_top_n(official_query(task, ex.input).split(), ex.profile, n=k)]
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


def bench_shape(task_name: str, questions: int, k: int) -> tuple[float, int]:
    """Print one shape's table; returns (cold/official CPU ratio, questions whose rankings differ)."""
    t = time.perf_counter()
    examples = make_examples(task_name, questions)
    n_items = sum(len(ex.profile) for ex in examples)
    print(f"\n--- {task_name} shape: {questions} questions, {n_items / questions:.0f} items/question, "
          f"built in {time.perf_counter() - t:.1f}s")  # fmt: skip
    task = get_task(task_name)
    spec = RetrieverConfig(name="bm25", k=k)
    rows = []
    clock = Clock()
    expected = official(task_name, examples, k)
    rows.append(("official (fresh BM25Okapi + get_top_n)", *clock.lap()))
    packed = [replace(ex, profile=PackedProfile(list(ex.profile))) for ex in examples]  # as loading keeps them
    clock.lap()
    before = dict(RETRIEVAL_STATS)
    with tempfile.TemporaryDirectory() as cache:
        cold = retrieve(task, packed, spec, Path(cache), data_hash="bench")
        rows.append(("retrieve() cold", *clock.lap()))
        clear_memo()
        warm = retrieve(task, packed, spec, Path(cache), data_hash="bench")
        rows.append(("retrieve() warm (disk cache)", *clock.lap()))
        clear_memo()
    assert RETRIEVAL_STATS["computed"] - before["computed"] == 1 and RETRIEVAL_STATS["disk_hits"] - before[
        "disk_hits"] == 1, RETRIEVAL_STATS  # fmt: skip
    differ = [q for q in expected if cold[q] != expected[q] or warm[q] != expected[q]]
    print(f"{'step':<40} {'wall s':>8} {'cpu s':>8} {'ms/question':>12} {'peak rss MB':>12}")
    for name, wall, cpu, mb in rows:
        print(f"{name:<40} {wall:>8.3f} {cpu:>8.3f} {cpu / questions * 1000:>12.3f} {mb:>12.0f}")
    (_, w_off, c_off, _), (_, w_cold, c_cold, _), (_, w_warm, _, _) = rows
    print(f"identical top-{k}: {questions - len(differ)}/{questions} questions")
    print(f"cold / official: {c_cold / c_off:.2f} cpu, {w_cold / w_off:.2f} wall  (goal <= 1.0)")
    print(f"official / warm: {w_off / w_warm:.0f}x  (goal >= 50x)")
    return c_cold / c_off, len(differ)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated task names")
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="100 questions per shape")
    args = parser.parse_args()
    questions = 100 if args.quick else args.questions
    results = {shape: bench_shape(shape, questions, args.k) for shape in args.shapes.split(",")}
    print("\nper shape: cold / official CPU time (goal <= 1.0), rankings identical")
    for shape, (ratio, differ) in results.items():
        print(f"  {shape}: {ratio:.2f}  {'identical' if not differ else f'{differ} DIFFER'}")
    print(f"peak memory: {rss_mb():.0f} MB  (goal < 2048 MB)")
    bad = [shape for shape, (_, differ) in results.items() if differ]
    if bad:
        sys.exit(f"rankings differ on {', '.join(bad)}")


if __name__ == "__main__":
    main()
