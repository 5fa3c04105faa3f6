"""Metrics under the official LaMP scorer's rules, each declared with its display name and direction.

Rules (see shared LAMP.md): predictions and golds are ``str(x).strip()``-ed; LaMP_1/2 map strings
to label indices (anything else is -1, always wrong), accuracy and macro-F1 over the fixed label
indices; LaMP_3 reads ``float(pred)`` and replaces an unreadable prediction by the scale end
farthest from the gold; LaMP_4…7 use rouge-score ROUGE-1/ROUGE-L F-measure without stemming,
aggregated by the plain mean. ``evaluate.load`` is never called: it fetches its scripts from the
hub at run time and fails offline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Metric:
    """A corpus-level metric with the metadata tables need (name = official output key)."""

    name: str
    display: str
    higher_is_better: bool
    corpus: Callable[[Sequence[str], Sequence[str], tuple[str, ...] | None], float]
    per_sample: Callable[[str, str, tuple[str, ...] | None], float] | None = None


def _label_index(text: str, labels: tuple[str, ...]) -> int:
    try:
        return labels.index(str(text).strip())
    except ValueError:
        return -1


def accuracy(preds: Sequence[str], golds: Sequence[str], labels: tuple[str, ...] | None) -> float:
    assert labels is not None
    hits = [_label_index(p, labels) == _label_index(g, labels) != -1 for p, g in zip(preds, golds, strict=True)]
    return sum(hits) / len(hits)


def macro_f1(preds: Sequence[str], golds: Sequence[str], labels: tuple[str, ...] | None) -> float:
    """Macro F1 over the fixed label indices; unknown predictions are index -1.

    Equal to scikit-learn's ``f1_score(golds, preds, labels=range(n), average="macro",
    zero_division=0)`` (the official scorer; tests check the two agree), computed from index
    counts because the bootstrap calls it a thousand times per run and sklearn's argument
    validation alone costs milliseconds per call.
    """
    assert labels is not None
    return macro_f1_ids(label_ids(preds, labels), label_ids(golds, labels), len(labels))


def label_ids(texts: Sequence[str], labels: tuple[str, ...]) -> np.ndarray:
    """Each text's index in the label list after ``strip()``, -1 for anything else (the scorer's mapping)."""
    return np.array([_label_index(t, labels) for t in texts], dtype=int)


def macro_f1_ids(pred_ids: np.ndarray, gold_ids: np.ndarray, n_labels: int) -> float:
    """Macro F1 over labels 0..n-1 from index arrays (scikit-learn's definition, zero_division=0)."""
    hits = pred_ids[(pred_ids == gold_ids) & (pred_ids >= 0)]
    tp = np.bincount(hits, minlength=n_labels).astype(float)
    predicted = np.bincount(pred_ids[pred_ids >= 0], minlength=n_labels)
    actual = np.bincount(gold_ids[gold_ids >= 0], minlength=n_labels)
    denom = predicted + actual
    f1 = np.divide(2 * tp, denom, out=np.zeros(n_labels), where=denom > 0)
    return float(f1.mean())


def rating_value(pred: str, gold: str) -> float:
    """``float(pred)``, or the scale end farthest from the gold when the prediction is unreadable."""
    gold_value = float(str(gold).strip())
    try:
        return float(str(pred).strip())
    except ValueError:
        return 1.0 if abs(1 - gold_value) > abs(5 - gold_value) else 5.0


def absolute_error(pred: str, gold: str, _labels: tuple[str, ...] | None = None) -> float:
    return abs(rating_value(pred, gold) - float(str(gold).strip()))


def mae(preds: Sequence[str], golds: Sequence[str], _labels: tuple[str, ...] | None) -> float:
    return sum(absolute_error(p, g) for p, g in zip(preds, golds, strict=True)) / len(golds)


def rmse(preds: Sequence[str], golds: Sequence[str], _labels: tuple[str, ...] | None) -> float:
    return math.sqrt(sum(absolute_error(p, g) ** 2 for p, g in zip(preds, golds, strict=True)) / len(golds))


@lru_cache(maxsize=1)
def _rouge_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)


def rouge_pair(pred: str, gold: str) -> tuple[float, float]:
    """ROUGE-1 and ROUGE-L F-measure of one prediction (the scorer's target comes first)."""
    scores = _rouge_scorer().score(str(gold).strip(), str(pred).strip())
    return scores["rouge1"].fmeasure, scores["rougeL"].fmeasure


def rouge1_sample(pred: str, gold: str, _labels: tuple[str, ...] | None = None) -> float:
    return rouge_pair(pred, gold)[0]


def rougel_sample(pred: str, gold: str, _labels: tuple[str, ...] | None = None) -> float:
    return rouge_pair(pred, gold)[1]


def _mean_of(per_sample: Callable[[str, str, tuple[str, ...] | None], float]):
    def corpus(preds: Sequence[str], golds: Sequence[str], labels: tuple[str, ...] | None) -> float:
        return sum(per_sample(p, g, labels) for p, g in zip(preds, golds, strict=True)) / len(golds)

    return corpus


def _correct(pred: str, gold: str, labels: tuple[str, ...] | None) -> float:
    return accuracy([pred], [gold], labels)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", "Accuracy", True, accuracy, _correct),
        Metric("f1", "F1 (macro)", True, macro_f1, None),
        Metric("MAE", "MAE", False, mae, absolute_error),
        Metric("RMSE", "RMSE", False, rmse, absolute_error),  # one sample's RMSE is its |error|
        Metric("rouge-1", "ROUGE-1", True, _mean_of(rouge1_sample), rouge1_sample),
        Metric("rouge-L", "ROUGE-L", True, _mean_of(rougel_sample), rougel_sample),
    )
}


def score(metric_names: Sequence[str], preds: Sequence[str], golds: Sequence[str], labels) -> dict[str, float]:
    """The official output object: each metric's corpus value under its official key."""
    return {name: METRICS[name].corpus(preds, golds, labels) for name in metric_names}


def per_sample_values(metric_names: Sequence[str], pred: str, gold: str, labels) -> dict[str, float]:
    """Per-sample values where a metric has one (correctness, errors, ROUGE); F1 has none."""
    out: dict[str, float] = {}
    for name in metric_names:
        fn = METRICS[name].per_sample
        if fn is not None:
            out[name] = fn(pred, gold, labels)
    return out
