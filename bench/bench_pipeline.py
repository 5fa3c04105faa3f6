"""Harness overhead and rerun cost (issue: model backends, performance (a) and (c)).

(a) The whole pipeline (load, retrieve, prompt, generate, split, parse, score, write) with an
    instant backend on the bundled sample: samples per second (goal >= 1,000).
(c) A rerun of a finished run: zero generations and wall time <= 5% of the first run. Measured
    with the embedded SmolLM2 through vLLM when available (``--model smollm2``), else canned.

    python bench/bench_pipeline.py [--model smollm2|canned] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from hydra import compose, initialize_config_module  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from harness.config import register_configs  # noqa: E402

TASKS = ("lamp1", "lamp2", "lamp3", "lamp4", "lamp5", "lamp7")


def config(model: str, task: str, runs: Path, cache: Path, *extra: str):
    """A RunConfig composed by Hydra exactly as `reaper run` would."""
    overrides = [f"model={model}", f"task={task}", "retriever=bm25", f"runs_dir={runs}", f"cache_dir={cache}", *extra]
    with initialize_config_module("hydra_conf", version_base="1.3"):
        return OmegaConf.to_object(compose("config", overrides=overrides))


def overhead(repeat: int) -> None:
    """Pipeline throughput with the canned backend (warm retrieval cache; generation every time)."""
    from harness.run.pipeline import run_cell

    with tempfile.TemporaryDirectory() as tmp:
        cfgs = [
            config("canned", t, Path(tmp) / "runs", Path(tmp) / "cache", "analyze=false", "bootstrap=0") for t in TASKS
        ]
        for cfg in cfgs:
            run_cell(cfg)  # warm: retrieval cache, imports
        samples, start = 0, time.perf_counter()
        for _ in range(repeat):
            for cfg in cfgs:
                cfg.use_cache = False
                run_dir = run_cell(cfg)
                samples += sum(1 for _ in (run_dir / "samples.jsonl").open())
        elapsed = time.perf_counter() - start
        print(f"(a) harness overhead: {samples} samples in {elapsed:.2f}s = {samples / elapsed:,.0f} samples/s "
              f"({1000 * elapsed / samples:.2f} ms/sample; goal >= 1,000/s; bootstrap off, analyzers off)")  # fmt: skip
        cfg = cfgs[3]
        cfg.bootstrap, cfg.analyze = 1000, True
        start = time.perf_counter()
        run_cell(cfg)
        n = sum(1 for _ in (run_dir / "samples.jsonl").open())
        print(
            f"    with 1000 bootstrap resamples and the analyzers on LaMP_4 ({n} samples): {time.perf_counter() - start:.2f}s"
        )


def tiled(task: str, copies: int, folder: Path) -> tuple[str, str]:
    """The bundled sample of a task repeated ``copies`` times under new ids (LaMP-sized cells)."""
    import json

    from harness.data.load import bundled_files
    from harness.registry import get_task

    questions, outputs = bundled_files(get_task(task))
    rows, golds = json.loads(questions.read_text()), json.loads(outputs.read_text())
    q_out, o_out = folder / f"{task}_q.json", folder / f"{task}_o.json"
    q_out.write_text(json.dumps([{**r, "id": f"{r['id']}-{c}"} for c in range(copies) for r in rows]))
    tiled_golds = [{**g, "id": f"{g['id']}-{c}"} for c in range(copies) for g in golds["golds"]]
    o_out.write_text(json.dumps({"task": golds["task"], "golds": tiled_golds}))
    return str(q_out), str(o_out)


def overhead_at_scale(copies: int) -> None:
    """The same pipeline on cells of LaMP dev size (the bundled sample tiled), bootstrap on."""
    from harness.run.pipeline import run_cell

    with tempfile.TemporaryDirectory() as tmp:
        samples, elapsed = 0, 0.0
        for task in TASKS:
            q, o = tiled(task, copies, Path(tmp))
            cfg = config("canned", task, Path(tmp) / "runs", Path(tmp) / "cache", "analyze=false",
                         f"task.questions={q}", f"task.outputs={o}")  # fmt: skip
            run_cell(cfg)  # warm the retrieval cache
            cfg.use_cache = False
            start = time.perf_counter()
            run_dir = run_cell(cfg)
            elapsed += time.perf_counter() - start
            samples += sum(1 for _ in (run_dir / "samples.jsonl").open())
        print(f"(a) at LaMP scale ({copies}x the bundled sample per task, 1000 bootstrap resamples): "
              f"{samples} samples in {elapsed:.2f}s = {samples / elapsed:,.0f} samples/s ({1000 * elapsed / samples:.2f} ms/sample)")  # fmt: skip


def rerun(model: str) -> None:
    """First run vs rerun of the same cell in fresh processes' terms: generations and wall time."""
    from harness.backends.pool import LOAD_COUNT, close_backend
    from harness.run.pipeline import run_cell

    with tempfile.TemporaryDirectory() as tmp:
        cfg = config(model, "lamp4", Path(tmp) / "runs", Path(tmp) / "cache", "task.limit=8", "analyze=false")
        start = time.perf_counter()
        run_cell(cfg)
        first = time.perf_counter() - start
        close_backend()
        loads = LOAD_COUNT["loads"]
        start = time.perf_counter()
        run_dir = run_cell(cfg)
        second = time.perf_counter() - start
        close_backend()
        print(f"(c) rerun ({model}, LaMP_4, 8 samples): first {first:.2f}s, rerun {second:.2f}s = "
              f"{100 * second / first:.1f}% of the first (goal <= 5%); model loads during rerun: "
              f"{LOAD_COUNT['loads'] - loads}; run dir {run_dir.name}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2", help="model config for the rerun benchmark")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--copies", type=int, default=100, help="tiling factor for the LaMP-scale measurement")
    args = parser.parse_args()
    register_configs()
    overhead(args.repeat)
    overhead_at_scale(args.copies)
    rerun(args.model)


if __name__ == "__main__":
    main()
