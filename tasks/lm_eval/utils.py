"""lm-evaluation-harness hooks for the LaMP tasks: every step delegates to the reaper harness.

lm-eval loads this file by path (``!function utils.…``) from each task YAML. Docs are built by
``load_docs`` (the YAML's ``custom_dataset``), which receives the task's ``metadata``: it loads
the questions and golds with ``harness.data.load.load_dataset`` (the bundled sample when no path is
given), retrieves with ``harness.run.cached_retrieval.retrieve`` and renders the prompt with
``harness.run.profile_prompts.build_prompts`` — so the prompts are the harness's own, byte for byte.
``process_results`` returns per-doc values scored by ``harness.run.metrics``; the two metrics that
are not means (macro-F1, RMSE) keep ``(task, prediction, gold)`` per doc and are computed over
the corpus by the very function ``reaper score`` uses. lm-eval's own ``f1`` is binary and it has
no ROUGE, and unknown metric names fall back to ``evaluate.load`` (offline failure): hence all
metrics go through ``process_results`` with explicit aggregations.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

try:  # the reaper package; from a source checkout without installation, the repository root
    import harness  # noqa: F401
except ImportError:  # pragma: no cover - depends on how reaper is installed
    _root = Path(__file__).resolve().parents[2]
    if (_root / "harness").is_dir():
        sys.path.insert(0, str(_root))

Corpus = tuple[str, str, str]  # (task name, prediction, gold): one doc of a corpus-level metric


def load_docs(
    lamp_task: str,
    retriever: str = "none",
    k: int = 1,
    questions: str | None = None,
    outputs: str | None = None,
    max_prompt_tokens: int | None = None,
    budget_tokenizer: str | None = None,
    **_other_metadata: Any,
) -> Any:
    """The task's docs (id, lamp_task, prompt, gold, retrieved_ids) as a one-split DatasetDict."""
    import datasets

    from harness.config import RetrieverConfig
    from harness.data.load import load_dataset
    from harness.errors import ReaperError
    from harness.paths import cache_dir
    from harness.registry import get_task
    from harness.run.cached_retrieval import item_ids, retrieve_items
    from harness.run.profile_prompts import WHITESPACE, build_prompts, hf_counter

    task = get_task(lamp_task)
    data = load_dataset(task, questions, outputs)
    if missing := [e.id for e in data.examples if e.gold is None]:
        raise ReaperError(f"{data.source}: lm-eval needs golds; no gold for {len(missing)} questions (pass outputs)")
    spec = RetrieverConfig(name=retriever, k=0 if retriever == "none" else int(k))
    retrieved = retrieve_items(task, data.examples, spec, cache_dir(), data.data_hash, data.source)
    counter = hf_counter(budget_tokenizer) if budget_tokenizer else WHITESPACE
    budget = None if max_prompt_tokens is None else int(max_prompt_tokens)
    prompts = build_prompts(task, data.examples, retrieved, budget, counter)
    docs = [
        {"id": e.id, "lamp_task": task.name, "prompt": p, "gold": e.gold, "retrieved_ids": item_ids(retrieved[e.id])}
        for e, p in zip(data.examples, prompts, strict=True)
    ]
    features = datasets.Features({name: datasets.Value("string") for name in ("id", "lamp_task", "prompt", "gold")})
    features["retrieved_ids"] = datasets.Sequence(datasets.Value("string"))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs, features=features)})


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float | Corpus]:
    """Per-doc values under the official metric keys; F1 and RMSE keep the pair for the corpus."""
    from harness.registry import get_task
    from harness.run.metrics import per_sample_values

    task = get_task(doc["lamp_task"])
    pred, gold = results[0], doc["gold"]
    means = per_sample_values([m for m in task.metrics if m not in _CORPUS], pred, gold, task.labels)
    return {name: means.get(name, (task.name, pred, gold)) for name in task.metrics}


def _corpus(metric: str, items: list[Corpus]) -> float:
    """The metric over the whole corpus, by the function ``reaper score`` uses."""
    from harness.registry import get_task
    from harness.run.metrics import METRICS

    labels = get_task(items[0][0]).labels
    return METRICS[metric].corpus([p for _, p, _ in items], [g for _, _, g in items], labels)


def macro_f1(items: list[Corpus]) -> float:
    """Macro-F1 over the task's fixed label list (scikit-learn, as the official scorer)."""
    return _corpus("f1", items)


def rmse(items: list[Corpus]) -> float:
    """Root of the mean squared error: not a mean of per-doc values, so computed over the corpus."""
    return _corpus("RMSE", items)


_CORPUS = {"f1", "RMSE"}
