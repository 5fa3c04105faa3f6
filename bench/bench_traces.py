"""Benchmark (not a test): a LaMP_3-size run with realistic reasoning traces and the analyzers on.

    python bench/bench_traces.py [--questions 2500 --items 140 --trace-words 1000 --rerun-questions 200]

Writes a synthetic LaMP_3-shaped questions file (the bench's own data, nothing downloaded), then
runs one cell stage by stage as ``run_cell`` does, with the canned backend giving every request
its own seeded trace of ~``--trace-words`` words (``engine.traces``), and the rule-based analyzers.
Prints per-stage wall time, samples/s and the process's peak RSS beside the questions file size.

Then the rerun figure (issue 15, item 4): ``reaper run`` of a cell with traces and the analyzers on,
twice, each in a fresh process on fresh caches' terms (the second finds the store and the analysis
cache of the first). Goal: the rerun takes at most 5% of the first run's wall time.
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
sys.path.insert(0, str(REPO))


def write_questions(folder: Path, questions: int, items: int) -> tuple[Path, Path]:
    """LaMP_3-shaped questions and golds: ~100-word reviews, ``items`` per profile on average."""
    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(5000)] + ["the", "good", "bad", "great", "and"] * 40
    prompt = ("What is the score of the following review on a scale of 1 to 5? just answer with 1, 2, 3, 4, "
              "or 5 without further explanation. review: ")  # fmt: skip

    def review() -> str:
        return " ".join(rng.choices(vocab, k=rng.randint(50, 150)))

    q_path, o_path = folder / "dev_questions.json", folder / "dev_outputs.json"
    with q_path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for q in range(questions):
            profile = [{"id": f"{q}_{j}", "text": review(), "score": str(rng.randint(1, 5))}
                       for j in range(rng.randint(items // 2, items * 3 // 2))]  # fmt: skip
            handle.write(
                ("," if q else "") + json.dumps({"id": str(q), "input": prompt + review(), "profile": profile})
            )
        handle.write("]")
    golds = [{"id": str(q), "output": str(rng.randint(1, 5))} for q in range(questions)]
    o_path.write_text(json.dumps({"task": "LaMP_3", "golds": golds}), encoding="utf-8")
    return q_path, o_path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=2500)
    parser.add_argument("--items", type=int, default=140)
    parser.add_argument("--trace-words", type=int, default=1000)
    parser.add_argument("--rerun-questions", type=int, default=200, help="questions of the rerun figure (0: skip)")
    parser.add_argument("--skip-stages", action="store_true", help="only the rerun figure")
    args = parser.parse_args()
    if args.rerun_questions:
        rerun_figure(args.rerun_questions, args.items, args.trace_words)
    if args.skip_stages:
        return
    from harness.analyzers.run_analysis import analyze_run
    from harness.backends.pool import get_backend
    from harness.config import ModelConfig, RetrieverConfig, RunConfig, TaskConfig
    from harness.data.load import load_dataset
    from harness.registry import get_task
    from harness.run.cached_retrieval import retrieve_items
    from harness.run.generation_store import GenerationStore, generate_with_store, generation_settings
    from harness.run.pipeline import make_prompts, run_directory, write_run
    from harness.types import Request

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        q_path, o_path = write_questions(folder, args.questions, args.items)
        size_mb = q_path.stat().st_size / 2**20
        print(f"data: {args.questions} questions, {size_mb:.0f} MB questions file; rss {rss_mb():.0f} MB")
        words = (args.trace_words * 2 // 3, args.trace_words * 4 // 3)
        model = ModelConfig(name="canned", backend="canned", path="canned", reasoning=True, reasoning_parser="think_tags",
                            engine={"reply": "3", "traces": True, "trace_words": list(words)})  # fmt: skip
        cfg = RunConfig(task=TaskConfig(name="LaMP_3", questions=str(q_path), outputs=str(o_path)),
                        retriever=RetrieverConfig(name="bm25", k=4), model=model, runs_dir=str(folder / "runs"),
                        cache_dir=str(folder / "cache"), bootstrap=200)  # fmt: skip
        task, stages = get_task("LaMP_3"), []
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            stages.append((name, now - clock, rss_mb()))
            clock = now

        dataset = load_dataset(task, cfg.task.questions, cfg.task.outputs)
        lap("load + validate")
        retrieved = retrieve_items(task, dataset.examples, cfg.retriever, folder / "cache", dataset.data_hash)
        lap("retrieve (bm25, cold)")
        prompts = make_prompts(task, dataset.examples, retrieved, cfg)
        lap("prompts")
        store = GenerationStore(folder / "cache" / "generations" / "canned.sqlite")
        requests = [Request(id=e.id, messages=[{"role": "user", "content": p}]) for e, p in zip(dataset.examples, prompts, strict=True)]  # fmt: skip
        generations = generate_with_store(get_backend(model), requests, model.generation, store,
                                          generation_settings(model), batch_size=64)  # fmt: skip
        lap("generate (canned traces) + store")
        run_dir = run_directory(cfg, task)
        write_run(run_dir, cfg, dataset, task, prompts, retrieved, generations)
        lap("write + score")
        analyze_run(run_dir)
        lap("analyzers (rule-based)")
        total = sum(s for _, s, _ in stages)
        mean_words = sum(len((g.reasoning or "").split()) for g in generations) / len(generations)
        print(f"traces: mean {mean_words:.0f} words; store {store.path.stat().st_size / 2**20:.0f} MB")
        print(f"{'stage':<36} {'wall s':>8} {'samples/s':>10} {'peak rss MB':>12}")
        for name, seconds, mb in stages:
            print(f"{name:<36} {seconds:>8.2f} {args.questions / seconds:>10.0f} {mb:>12.0f}")
        print(f"{'whole run':<36} {total:>8.2f} {args.questions / total:>10.0f} {rss_mb():>12.0f}")
        print(f"peak RSS / questions file: {rss_mb() / size_mb:.2f}")


def rerun_figure(questions: int, items: int, trace_words: int) -> None:
    """First `reaper run` of a cell with traces and analyzers vs the same command again."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        q_path, o_path = write_questions(folder, questions, items)
        low, high = trace_words * 2 // 3, trace_words * 4 // 3
        cmd = [sys.executable, "-m", "harness.cli.main", "run", "model=canned", "task=lamp3", "retriever=bm25",
               "retriever.k=4", f"task.questions={q_path}", f"task.outputs={o_path}", f"runs_dir={folder / 'runs'}",
               f"cache_dir={folder / 'cache'}", "analyze=true", "bootstrap=200", "++model.reasoning=true",
               "++model.reasoning_parser=think_tags", "++model.engine.traces=true",
               f"++model.engine.trace_words=[{low},{high}]"]  # fmt: skip
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "REAPER_CACHE": str(folder / "cache"), "PYTHONPATH": str(REPO)}
        times = []
        for _ in range(2):
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"reaper run failed: {done.stderr[-2000:]}")
        reused = "results reused" in done.stderr
        first, second = times
        print(f"rerun (LaMP_3, {questions} questions, ~{trace_words}-word traces, analyzers on): first {first:.1f}s, "
              f"rerun {second:.1f}s = {100 * second / first:.1f}% of the first (goal <= 5%); "
              f"analysis reused on rerun: {'yes' if reused else 'NO'}")  # fmt: skip


if __name__ == "__main__":
    main()
