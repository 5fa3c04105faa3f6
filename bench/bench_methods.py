"""The price of each reasoning method: generated tokens and wall time relative to direct, same samples.

    python bench/bench_methods.py [--task lamp2] [--limit 4] [--model smollm2]
                                  [--methods direct,cot,hrt,rpi,srm,r2p] [--think-budget 96] [--json out.json]

Every method runs through the real pipeline (``run_cell``, configs composed by Hydra as ``reaper
run`` does) on the same questions with the embedded model, each with an empty generation store so
nothing is served from cache. The engine is loaded once before timing; the backend is metered, so
the figures are what the engine actually did: calls, prompt tokens processed (rpi re-reads its
prefix every segment) and tokens generated (srm's candidates and consolidation included). CPU
budgets are small; real reasoning models use the method YAMLs' defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from hydra import compose, initialize_config_module  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from harness.config import register_configs  # noqa: E402

SEGMENTED = {"rpi", "r2p", "r2p_no_hrt", "r2p_no_srm"}
SAMPLED = {"srm", "r2p", "r2p_no_hrt", "r2p_no_rpi"}


def overrides_for(method: str, args: argparse.Namespace) -> list[str]:
    """Small CPU budgets; single traces get think + answer budget so every method may spend the same."""
    if method == "direct":
        return []
    out = [f"++method.params.max_new_tokens={args.think_budget + args.answer_budget}"]
    if method in SEGMENTED:
        out += [
            f"++method.params.think_budget={args.think_budget}",
            f"++method.params.answer_budget={args.answer_budget}",
            f"++method.params.segment_tokens={args.segment_tokens}",
        ]
    if method in SAMPLED:
        out.append(f"++method.params.candidates={args.candidates}")
    return out


def config(args: argparse.Namespace, method: str, runs: Path, cache: Path) -> Any:
    """A RunConfig composed by Hydra exactly as `reaper run` would compose it."""
    overrides = [
        f"model={args.model}", f"task={args.task}", f"task.limit={args.limit}", "retriever=bm25", "retriever.k=1",
        f"method={method}", f"runs_dir={runs}", f"cache_dir={cache}", "bootstrap=0", *overrides_for(method, args),
    ]  # fmt: skip
    with initialize_config_module("hydra_conf", version_base="1.3"):
        return OmegaConf.to_object(compose("config", overrides=overrides))


class Meter:
    """Wraps a backend's generate: counts calls, requests, prompt and completion tokens."""

    def __init__(self, backend: Any) -> None:
        self.inner = backend.generate
        self.reset()
        backend.generate = self

    def reset(self) -> None:
        self.calls = self.requests = self.prompt_tokens = self.generated = 0

    def __call__(self, requests, gen):
        out = self.inner(requests, gen)
        self.calls += 1
        self.requests += len(requests)
        for g in out:
            self.prompt_tokens += g.prompt_tokens or 0
            reported = g.extra.get("completion_tokens")
            self.generated += (
                reported if isinstance(reported, int) else (g.reasoning_tokens or 0) + (g.answer_tokens or 0)
            )
        return out


def measure(args: argparse.Namespace, methods: list[str], root: Path) -> list[dict[str, Any]]:
    from harness.backends.pool import get_backend
    from harness.run.pipeline import run_cell

    warmup = config(args, methods[0], root / "warmup", root / "warmup")
    meter = Meter(get_backend(warmup.model))
    started = time.perf_counter()
    run_cell(warmup)  # engine start (the pool loads lazily) and first-call costs: not counted below
    print(f"engine start + warm-up run: {time.perf_counter() - started:.1f}s (not counted)", file=sys.stderr)
    rows = []
    for i, method in enumerate(methods):
        cfg = config(args, method, root / "runs", root / f"cache{i}")  # an empty store per method
        meter.reset()
        started = time.perf_counter()
        run_dir = run_cell(cfg)
        wall = time.perf_counter() - started
        samples = [json.loads(line) for line in (run_dir / "samples.jsonl").open()]
        summary = json.loads((run_dir / "summary.json").read_text())
        metric = next(iter(summary["metrics"]))
        rows.append({
            "method": method, "samples": len(samples), "wall_s": wall, "calls": meter.calls,
            "requests": meter.requests, "prompt_tokens": meter.prompt_tokens, "generated_tokens": meter.generated,
            "interventions": sum(s["extra"].get("n_interventions", 0) for s in samples),
            "scored": summary["counts"]["ok"], "metric": metric, "value": summary["metrics"][metric]["value"],
            "lenient": summary["metrics"].get(f"{metric}@lenient", {}).get("value"),
        })  # fmt: skip
        print(f"{method}: {wall:.1f}s", file=sys.stderr)
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    base = next((r for r in rows if r["method"] == "direct"), rows[0])

    def ratio(value: float, ref: float) -> str:
        return f"{value / ref:.1f}x" if ref else "-"

    lines = [
        f"| method | wall s | vs {base['method']} | generated tok | vs {base['method']} | prompt tok processed | "
        f"engine calls | interventions/sample | scored | {base['metric']} (strict / lenient) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        value = " / ".join("-" if v is None else f"{v:.3f}" for v in (r["value"], r["lenient"]))
        lines.append(
            f"| {r['method']} | {r['wall_s']:.1f} | {ratio(r['wall_s'], base['wall_s'])} | {r['generated_tokens']} | "
            f"{ratio(r['generated_tokens'], base['generated_tokens'])} | {r['prompt_tokens']} | {r['calls']} | "
            f"{r['interventions'] / max(1, r['samples']):.1f} | {r['scored']}/{r['samples']} | {value} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="lamp2", help="task choice (any registered task name or LaMP spelling)")
    parser.add_argument("--limit", type=int, default=4, help="questions (the same for every method)")
    parser.add_argument("--model", default="smollm2", help="model config name (hydra_conf/model)")
    parser.add_argument("--methods", default="direct,cot,hrt,rpi,srm,r2p")
    parser.add_argument("--think-budget", type=int, default=96, help="rpi reasoning budget (tokens)")
    parser.add_argument("--answer-budget", type=int, default=32, help="rpi answer budget (tokens)")
    parser.add_argument("--segment-tokens", type=int, default=32, help="rpi tokens per segment")
    parser.add_argument("--candidates", type=int, default=3, help="srm candidates per question")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    register_configs()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-methods-") as tmp:
            rows = measure(args, methods, Path(tmp))
    finally:
        from harness.backends.pool import close_backend

        close_backend()
    print(f"\nThe price of each method: {args.task}, {rows[0]['samples']} questions, model {args.model}, "
          f"BM25 k=1; think budget {args.think_budget}, answer {args.answer_budget}, segments of "
          f"{args.segment_tokens}, {args.candidates} candidates. Empty store per method; engine load excluded.\n")  # fmt: skip
    print(report(rows))
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)}, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
