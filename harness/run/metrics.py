"""Metrics under the official LaMP scorer's rules, each declared with its display name and direction.

Rules (see shared LAMP.md): predictions and golds are ``str(x).strip()``-ed; LaMP_1/2 map strings
to label indices (anything else is -1, always wrong), accuracy and macro-F1 over the fixed label
indices; LaMP_3 reads ``float(pred)`` and replaces an unreadable prediction by the scale end
farthest from the gold; LaMP_4…7 use rouge-score ROUGE-1/ROUGE-L F-measure without stemming,
aggregated by the plain mean (``score_official`` has the official scorer's float32 and bootstrap-mid
arithmetic). ``evaluate.load`` is never called: it fetches its scripts from the hub at run time and
fails offline.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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


def rating_value(pred: str, gold: str, official: bool = False) -> float:
    """``float(pred)``, or the scale end farthest from the gold when the prediction is unreadable.

    A prediction that reads as a number but is not finite ("nan", "inf", or, under the official
    float32 arithmetic, "1e39", which float32 holds only as inf) counts as unreadable: the
    official scorer would return NaN or inf for the whole set, which is not valid JSON and hides
    every other answer. Finite out-of-range values ("7", "1e39" by default) are kept as they are.
    ``official`` rounds prediction and gold to float32 first, as the official scorer's features do.
    """
    gold_value = _as_float32(float(str(gold).strip())) if official else float(str(gold).strip())
    try:
        value = float(str(pred).strip())
    except ValueError:
        value = math.nan
    if official and math.isfinite(value):
        value = _as_float32(value)
    if math.isfinite(value):
        return value
    return 1.0 if abs(1 - gold_value) > abs(5 - gold_value) else 5.0


def _as_float32(value: float) -> float:
    """The value as float32 holds it (inf where float32 overflows), back as a Python float."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def absolute_error(pred: str, gold: str, _labels: tuple[str, ...] | None = None, official: bool = False) -> float:
    gold_value = _as_float32(float(str(gold).strip())) if official else float(str(gold).strip())
    return abs(rating_value(pred, gold, official) - gold_value)


def mae(preds: Sequence[str], golds: Sequence[str], _labels: tuple[str, ...] | None, official: bool = False) -> float:
    """Mean absolute error; each error is divided before summing, so huge finite errors stay finite."""
    n = len(golds)
    return math.fsum(absolute_error(p, g, official=official) / n for p, g in zip(preds, golds, strict=True))


def rmse(preds: Sequence[str], golds: Sequence[str], _labels: tuple[str, ...] | None, official: bool = False) -> float:
    """Root mean squared error, scaled by the largest error so squaring 1e200 cannot overflow."""
    errors = [absolute_error(p, g, official=official) for p, g in zip(preds, golds, strict=True)]
    return scaled_rms(errors)


def scaled_rms(errors: Sequence[float]) -> float:
    """sqrt(mean(e^2)) computed as m * sqrt(mean((e/m)^2)), m = max |e|: finite for finite errors."""
    top = max((abs(e) for e in errors), default=0.0)
    if top == 0.0:
        return 0.0
    return top * math.sqrt(math.fsum((e / top) ** 2 for e in errors) / len(errors))


@lru_cache(maxsize=1)
def _rouge_scorer():
    return _import_rouge_scorer().RougeScorer(["rouge1", "rougeL"], use_stemmer=False)


OPTIONAL_OF_NLTK = ("scipy", "sklearn")


def _import_rouge_scorer() -> Any:
    """rouge_score's scorer module, loaded without nltk's optional SciPy and scikit-learn hooks.

    rouge_score imports the whole of nltk, which imports SciPy and scikit-learn when they are
    installed: ~175 MB and ~2 s in every scoring process, a third of a LaMP_4 run's peak memory.
    ROUGE uses neither (nor nltk's stemmer: ``use_stemmer=False``), and nltk guards both imports,
    so they are refused (a ``None`` in ``sys.modules``) only while it loads; they import normally after.
    """
    refused = [name for name in OPTIONAL_OF_NLTK if name not in sys.modules]
    for name in refused:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        from rouge_score import rouge_scorer
    finally:
        for name in refused:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    return rouge_scorer


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


def score_official(
    metric_names: Sequence[str], preds: Sequence[str], golds: Sequence[str], labels,
    rouge_resamples: int = 1000, rouge_seed: int = 0,
) -> dict[str, float]:  # fmt: skip
    """The official scorer's arithmetic: MAE/RMSE over float32-rounded ratings, ROUGE as the
    ``BootstrapAggregator`` mid F-measure (seeded here; the official scorer leaves it unseeded)."""
    out: dict[str, float] = {}
    rouge = [n for n in metric_names if n in ROUGE_KEYS]
    if rouge:
        mids = rouge_bootstrap_mid(preds, golds, rouge_resamples, rouge_seed)
        out.update({name: mids[name] for name in rouge})
    for name in metric_names:
        if name in ("MAE", "RMSE"):
            out[name] = (mae if name == "MAE" else rmse)(preds, golds, labels, official=True)
        elif name not in ROUGE_KEYS:
            out[name] = METRICS[name].corpus(preds, golds, labels)
    return {name: out[name] for name in metric_names}


ROUGE_KEYS = {"rouge-1": "rouge1", "rouge-L": "rougeL"}


def rouge_bootstrap_mid(preds: Sequence[str], golds: Sequence[str], resamples: int, seed: int) -> dict[str, float]:
    """rouge_score's BootstrapAggregator mid F-measure, with numpy's global RNG seeded and then restored."""
    from rouge_score import scoring

    aggregator = scoring.BootstrapAggregator(n_samples=resamples)
    for pred, gold in zip(preds, golds, strict=True):
        aggregator.add_scores(_rouge_scorer().score(str(gold).strip(), str(pred).strip()))
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        result = aggregator.aggregate()
    finally:
        np.random.set_state(state)
    return {key: float(result[inner].mid.fmeasure) for key, inner in ROUGE_KEYS.items()}


def per_sample_values(metric_names: Sequence[str], pred: str, gold: str, labels) -> dict[str, float]:
    """Per-sample values where a metric has one (correctness, errors, ROUGE); F1 has none."""
    out: dict[str, float] = {}
    for name in metric_names:
        fn = METRICS[name].per_sample
        if fn is not None:
            out[name] = fn(pred, gold, labels)
    return out
