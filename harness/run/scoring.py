"""Scoring a run's samples: per-sample values, corpus metrics with n and bootstrap 95% intervals.

Samples that could not be scored (a trace that never closed, a backend failure) are counted
and left out of every metric: "could not be scored" is not "wrong".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.backends.reasoning_parsers import CLOSED_AT_BUDGET
from harness.run.metrics import METRICS, label_ids, macro_f1_ids, per_sample_values, score_official
from harness.types import Generation, Sample, SampleStatus, Task, token_parts


def make_sample(
    task: Task, prompt: str, retrieved: list[str], gold: str | None, gen: Generation, method: str
) -> Sample:
    """One sample from its generation: strict and lenient parses and their per-sample metrics."""
    status: SampleStatus = "failed" if gen.error else ("unscorable" if gen.answer is None else "ok")
    sample = Sample(
        id=gen.id, task=task.name, prompt=prompt, retrieved_ids=retrieved, gold=gold,
        raw_output=gen.raw_text, reasoning=gen.reasoning, answer=gen.answer,
        prompt_tokens=gen.prompt_tokens, reasoning_tokens=gen.reasoning_tokens, answer_tokens=gen.answer_tokens,
        finish_reason=gen.finish_reason, truncated=gen.truncated, status=status, model=gen.model, method=method,
        extra={**gen.extra, **({"error": gen.error} if gen.error else {})},
    )  # fmt: skip
    if status == "ok":
        sample.strict_pred = task.parse_strict(gen.answer or "")
        sample.lenient_pred = task.parse_lenient(gen.answer or "")
        if gold is not None:
            sample.metrics = per_sample_values(task.metrics, sample.strict_pred, gold, task.labels)
            sample.lenient_metrics = per_sample_values(task.metrics, sample.lenient_pred, gold, task.labels)
    return sample


def summarize(
    task: Task, samples: list[Sample], resamples: int = 1000, seed: int = 0, scoring: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Counts by status, and each metric (strict and lenient) with n and a bootstrap 95% interval.

    ``scoring.official`` makes each value the official scorer's arithmetic (harness.run.metrics.
    score_official), the default value kept beside it as ``plain``; intervals are the same either way.
    """
    scored = [s for s in samples if s.status == "ok" and s.gold is not None]
    counts = {status: sum(s.status == status for s in samples) for status in ("ok", "unscorable", "failed")}
    summary: dict[str, Any] = {"task": task.name, "n_samples": len(samples), "counts": counts, "metrics": {}}
    if not any(s.gold is not None for s in samples):  # e.g. the test partition: golds are withheld
        summary["not_scored"] = "no golds (e.g. the LaMP test partition): generated and analyzed, metrics n/a"
    for parse in ("strict", "lenient"):
        preds = [s.strict_pred if parse == "strict" else s.lenient_pred for s in scored]
        golds = [s.gold for s in scored]
        for name in task.metrics:
            key = name if parse == "strict" else f"{name}@lenient"
            summary["metrics"][key] = metric_with_interval(name, preds, golds, task.labels, resamples, seed)
        if scoring and scoring.get("official") and golds:
            _apply_official(summary["metrics"], parse, task, preds, golds, scoring)
    if scoring and scoring.get("official"):
        summary["scoring"] = {"official": True, "rouge_aggregate": "BootstrapAggregator mid",
                              "rouge_resamples": scoring.get("rouge_resamples", 1000),
                              "rouge_seed": scoring.get("rouge_seed", 0)}  # fmt: skip
    summary["tokens"] = token_summary(samples)
    return summary


def _apply_official(metrics: dict[str, Any], parse: str, task: Task, preds, golds, scoring: dict[str, Any]) -> None:
    """Replace each value by the official arithmetic's, keeping the default one as ``plain``."""
    official = score_official(task.metrics, preds, golds, task.labels, int(scoring.get("rouge_resamples", 1000)),
                              int(scoring.get("rouge_seed", 0)))  # fmt: skip
    for name, value in official.items():
        entry = metrics[name if parse == "strict" else f"{name}@lenient"]
        entry["plain"], entry["value"] = entry["value"], value


def metric_with_interval(name: str, preds, golds, labels, resamples: int, seed: int) -> dict[str, Any]:
    """The corpus value (official computation) plus a percentile bootstrap 95% interval over samples."""
    metric = METRICS[name]
    entry: dict[str, Any] = {
        "value": None, "n": len(golds), "ci95": None,
        "display": metric.display, "higher_is_better": metric.higher_is_better,
    }  # fmt: skip
    if not golds:
        return entry
    entry["value"] = metric.corpus(preds, golds, labels)
    if resamples > 0 and len(golds) > 1:
        idx = np.random.default_rng(seed).integers(0, len(golds), (resamples, len(golds)))
        values = _bootstrap_values(name, preds, golds, labels, idx)
        entry["ci95"] = [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]
    return entry


def _bootstrap_values(name: str, preds, golds, labels, idx: np.ndarray) -> np.ndarray:
    """Metric values of every resample, vectorised (per-sample values are computed once)."""
    if name == "f1":
        pred_ids, gold_ids = label_ids(preds, labels), label_ids(golds, labels)
        return np.array([macro_f1_ids(pred_ids[row], gold_ids[row], len(labels)) for row in idx])
    per_sample = METRICS[name].per_sample
    assert per_sample is not None
    values = np.array([per_sample(p, g, labels) for p, g in zip(preds, golds, strict=True)], dtype=float)[idx]
    if name != "RMSE":
        return (values / values.shape[1]).sum(axis=1)  # divided first: huge finite errors stay finite
    top = values.max(axis=1, keepdims=True)  # scaled as metrics.scaled_rms: squaring cannot overflow
    scale = np.where(top > 0, top, 1.0)
    return top[:, 0] * np.sqrt(((values / scale) ** 2).mean(axis=1))


def trace_never_closed(sample: Sample) -> bool:
    """The model did not close its trace before the token limit: unscorable, or closed by the harness at the budget."""
    closed_by = sample.extra.get("trace_closed_by")
    return (sample.answer is None and sample.truncated) or closed_by == CLOSED_AT_BUDGET


def token_summary(samples: list[Sample]) -> dict[str, Any]:
    """T4's numbers: mean token parts per generated sample, their sum, and two limit rates with their n.

    ``total_tokens_mean`` is exactly reasoning + answer + inserted (same samples, same denominator).
    ``trace_never_closed_rate`` counts over samples with a trace, ``answer_hit_limit_rate`` over
    samples with an answer; each is None (n/a) when no sample qualifies, never 0.0.
    """
    generated = [s for s in samples if s.status != "failed"]
    parts = np.array([token_parts(s) for s in generated], dtype=float).reshape(-1, 3)
    traced = [s for s in generated if s.reasoning is not None]
    answered = [s for s in generated if s.answer is not None]

    def mean(column: int) -> float | None:
        return float(parts[:, column].mean()) if len(generated) else None

    def rate(hits: int, n: int) -> float | None:
        return hits / n if n else None

    prompts = [s.prompt_tokens for s in generated if s.prompt_tokens is not None]
    return {
        "reasoning_tokens_mean": mean(0) if traced or parts[:, 0].any() else None,
        "answer_tokens_mean": mean(1),
        "inserted_tokens_mean": mean(2),
        "total_tokens_mean": float(parts.sum(axis=1).mean()) if len(generated) else None,
        "prompt_tokens_mean": float(np.mean(prompts)) if prompts else None,
        "trace_never_closed_rate": rate(sum(trace_never_closed(s) for s in traced), len(traced)),
        "trace_never_closed_n": len(traced),
        "answer_hit_limit_rate": rate(sum(s.finish_reason == "length" for s in answered), len(answered)),
        "answer_hit_limit_n": len(answered),
        "n": len(generated),
    }
