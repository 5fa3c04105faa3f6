"""Divergent thinking: the reasoning wanders instead of converging on the personalized answer.

Five signals per trace (docs/failure_modes.md): unusually long for this run (relative to the same
task and model), hypothesis switches at a high rate per 1,000 words, the favoured answer reversing,
verbatim repetition covering a share of the trace, and drift (a third of the trace off task). No
signal uses a fixed count, because traces differ in length between models by an order of magnitude.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from harness.analyzers.candidates import favoured_answers
from harness.analyzers.common import (
    context_of,
    coverage,
    item_text,
    ngrams,
    not_applicable,
    percentile,
    repeated_ngrams,
    result,
    trace_of,
)
from harness.analyzers.drift import known_words, on_task_by_words, stretches, verdict_by_words
from harness.embeddings import CachedEmbedder
from harness.errors import ReaperError
from harness.registry import ANALYZERS
from harness.text import content_words, sentences, words
from harness.types import Sample, Task

NAME = "divergent_thinking"
TAGS = ["divergent.long", "divergent.switches", "divergent.flips", "divergent.loop", "divergent.drift"]
DEFAULT_LEXICON = (
    "wait", "alternatively", "on second thought", "hmm", "actually", "let me reconsider", "on the other hand",
    "or maybe", "but then again", "scratch that", "let me rethink", "no, wait", "let me re-evaluate",
)  # fmt: skip
_LEAD_IN = r"^(?:(?:but|and|oh|no|so|okay|hmm+)[,.!]?\s+)?"


SIMILARITIES = ("embedding", "lexical")  # drift: MiniLM cosine, or words alone (no model)


@ANALYZERS.register(NAME)
class DivergentThinking:
    """Rule-based divergence signals of reasoning traces, calibrated on the run where needed."""

    name = NAME

    def __init__(
        self, long_percentile: float = 90.0, long_median_ratio: float = 2.0, min_run_traces: int = 5,
        lexicon: list[str] | tuple[str, ...] = DEFAULT_LEXICON, switch_rate: float = 10.0, min_switches: int = 2,
        min_flips: int = 2, flip_rate: float = 1.0, list_echo_labels: int = 4, loop_ngram: int = 10,
        loop_min_repeats: int = 3, loop_share: float = 0.03, similarity: str = "embedding",
        embedding_model: str | None = None, similarity_threshold: float = 0.5, topic_similarity: float = 0.3,
        grounded_share: float = 0.5, drift_share: float = 1 / 3, min_sentence_words: int = 3, min_sentences: int = 4,
    ) -> None:  # fmt: skip
        self.long_percentile, self.long_median_ratio = long_percentile, long_median_ratio
        self.min_run_traces = min_run_traces  # fewer traces in the run: no length norm (n/a)
        alternatives = "|".join(re.escape(w) for w in sorted(lexicon, key=len, reverse=True))
        self.switch = re.compile(rf"{_LEAD_IN}(?:{alternatives})\b", re.IGNORECASE)
        self.switch_rate, self.min_switches = switch_rate, min_switches  # per 1,000 words, and a floor
        self.min_flips, self.flip_rate = min_flips, flip_rate  # reversals, and per 1,000 words
        self.list_echo_labels = list_echo_labels  # a sentence naming this many labels echoes the label list
        self.loop_ngram, self.loop_min_repeats, self.loop_share = loop_ngram, loop_min_repeats, loop_share
        if similarity not in SIMILARITIES:  # a misspelt mode would otherwise fall back to embeddings silently
            raise ReaperError(
                f"analyzer.divergent_thinking.similarity={similarity!r}: choose one of {', '.join(SIMILARITIES)}"
            )
        self.similarity, self.embedding_model = similarity, embedding_model
        self.similarity_threshold = similarity_threshold  # cosine to an input/item/answer sentence: on task
        self.topic_similarity = topic_similarity  # below: another topic; above: on task unless it adds names
        self.grounded_share = grounded_share  # share of content words from input/items/labels/judging: on task
        self.drift_share, self.min_sentence_words, self.min_sentences = drift_share, min_sentence_words, min_sentences
        self._cached: CachedEmbedder | None = None  # opened on the first drift check that needs a model

    def tag_names(self, task: Task) -> list[str]:
        """Every tag, always: flips cannot apply to generation tasks and is reported n/a there."""
        return TAGS

    def population(self, tag: str) -> str:
        """Over every generated trace, truncated ones included: loops and wandering are what truncates traces."""
        return "generated"

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]:
        traced = [s for s in samples if s.status != "failed" and trace_of(s)]
        lengths = [len(words(s.reasoning)) for s in traced]
        norm = (
            (percentile([float(n) for n in lengths], 50), percentile([float(n) for n in lengths], self.long_percentile))
            if len(traced) >= self.min_run_traces
            else None
        )
        out = {s.id: not_applicable("no reasoning trace") for s in samples}
        drift = self._drift(traced, task)
        for s, n in zip(traced, lengths, strict=True):
            out[s.id] = self.check(s, task, n, norm, drift[s.id])
        return out

    def check(self, sample: Sample, task: Task, n_words: int, norm: tuple[float, float] | None, drift: tuple[float, list[str]] | None) -> dict[str, Any]:  # fmt: skip
        text = trace_of(sample)
        per_k = 1000.0 / max(n_words, 1)
        tags, evidence, scores, na = [], [], [], []
        if norm is None:
            na.append("divergent.long")
        else:
            median, high = norm
            if n_words > high and n_words > self.long_median_ratio * median:
                tags.append("divergent.long")
                evidence.append(f"long: {n_words} words; run median {median:.0f}, p{self.long_percentile:g} {high:.0f}")
            scores.append(min(1.0, n_words / max(median, 1.0) / (2 * self.long_median_ratio)))
        switches = [x for x in sentences(text) if self.switch.match(x)]
        rate = len(switches) * per_k
        if len(switches) >= self.min_switches and rate >= self.switch_rate:
            tags.append("divergent.switches")
            evidence.append(
                f"switches: {len(switches)} ({rate:.1f} per 1,000 words): " + " | ".join(x[:80] for x in switches[:5])
            )
        scores.append(min(1.0, rate / (2 * self.switch_rate)))
        if task.kind == "generation":
            na.append("divergent.flips")
        else:
            seq = self.candidates(text, task)
            flips = max(0, len(seq) - 1)
            if flips >= self.min_flips and flips * per_k >= self.flip_rate:
                tags.append("divergent.flips")
                evidence.append(f"flips: the favoured answer reverses {flips} times: " + " -> ".join(seq[:12]))
            scores.append(min(1.0, flips / (2 * self.min_flips)))
        loop = self._loop(sample, text)
        if loop is not None:
            tags.append("divergent.loop")
            evidence.append(loop[1])
        scores.append(min(1.0, 2 * loop[0]) if loop else 0.0)
        if drift is None:
            na.append("divergent.drift")
        else:
            off_share, off = drift
            if off_share >= self.drift_share:
                tags.append("divergent.drift")
                evidence.append(
                    f"drift: {off_share:.0%} of the trace off task: " + " | ".join(x[:100] for x in off[:4])
                )
            scores.append(off_share)
        return result(tags, float(np.mean(scores)) if scores else 0.0, evidence, na)

    def _loop(self, sample: Sample, text: str) -> tuple[float, str] | None:
        """(coverage, note) when repeated 10-word runs cover loop_share of the trace; quotes and the answer excluded."""
        ctx = context_of(sample)
        quoted = " \n ".join([sample.answer or "", ctx.input, *(item_text(i) for i in ctx.retrieved_items or [])])
        allowed = {tuple(g) for g in ngrams(words(quoted), self.loop_ngram)}
        tokens = words(text)
        loops = [(g, c) for g, c in repeated_ngrams(tokens, self.loop_ngram, self.loop_min_repeats) if g not in allowed]
        share = coverage(tokens, {g for g, _ in loops}, self.loop_ngram)
        if not loops or share < self.loop_share:
            return None
        return share, f"loop: {' '.join(loops[0][0])!r} x{loops[0][1]}; {share:.0%} of the trace repeats"

    def candidates(self, text: str, task: Task) -> list[str]:
        """The answers the trace favours for this item, in order (``harness.analyzers.candidates``)."""
        return favoured_answers(text, task, self.list_echo_labels)

    def _drift(self, traced: list[Sample], task: Task) -> dict[str, tuple[float, list[str]] | None]:
        """Per trace: the share of its substantive words in off-task stretches (None: too few sentences).

        A sentence is on task by its words when it names a label or has most of its content words from
        the input, items, answer, labels or judging vocabulary. Of the others (doubtful), names or dates
        of their own or talk of wording decide (``verdict_by_words``); only the rest are embedded and
        judged by similarity (``_off_topic``). Off-task sentences count only as a stretch
        (``stretches``), and a sentence on task by its words is never counted off.
        """
        jobs: dict[str, tuple[list[str], dict[str, bool | None], list[str]]] = {}
        for s in traced:
            ctx = context_of(s)
            own = [x for x in sentences(s.reasoning) if len(content_words(x)) >= self.min_sentence_words]
            if len(own) < self.min_sentences:
                continue
            items = [x for i in ctx.retrieved_items or [] for x in sentences(item_text(i))]
            refs = [r for r in sentences(ctx.input) + items + sentences(s.answer) if content_words(r)]
            known, seen = known_words(refs, task), {w for r in refs for w in words(r)}
            doubtful = {
                x: verdict_by_words(x, seen) for x in own if not on_task_by_words(x, known, task, self.grounded_share)
            }
            jobs[s.id] = (own, doubtful, refs or [ctx.input or s.prompt])
        measured = {sid: [x for x, v in doubtful.items() if v is None] for sid, (_, doubtful, _) in jobs.items()}
        sims = self._similarities({sid: (measured[sid], refs) for sid, (_, _, refs) in jobs.items()})
        out: dict[str, tuple[float, list[str]] | None] = {s.id: None for s in traced}
        for sid, (own, doubtful, _) in jobs.items():
            cosine = dict(zip(measured[sid], map(float, sims[sid]), strict=True))
            stretch = stretches([x in doubtful and self._off_topic(doubtful[x], cosine.get(x)) for x in own])
            off = [o and x in doubtful for x, o in zip(own, stretch, strict=True)]  # on task by its words: stays on
            off_text = [x for x, o in zip(own, off, strict=True) if o]
            out[sid] = (sum(len(words(x)) for x in off_text) / max(sum(len(words(x)) for x in own), 1), off_text)
        return out

    def _off_topic(self, verdict: bool | None, cosine: float | None) -> bool:
        """A doubtful sentence is off task when it brings names or dates of its own, or is unrelated.

        Topical trivia is close to the item in meaning (MiniLM scores it up to ~0.55), so similarity
        cannot tell it from analysis; its own names and dates can: analysis of the item or of the
        answer's wording names only what the input, items and answer contain. Without them, a sentence
        is on task when close in meaning, on the item's topic (``topic_similarity``) or about wording.
        ``verdict``: what its words decided (``verdict_by_words``); None leaves it to ``cosine``.
        """
        if verdict is not None:
            return verdict
        assert cosine is not None, "every doubtful sentence its words leave undecided is embedded"
        return cosine < min(self.similarity_threshold, self.topic_similarity)

    def _similarities(self, jobs: dict[str, tuple[list[str], list[str]]]) -> dict[str, np.ndarray]:
        """Max cosine of each doubtful sentence to any reference sentence (cached, batched embeddings)."""
        if self.similarity == "lexical":  # no model: words alone decide
            return {sid: np.zeros(len(own)) for sid, (own, _) in jobs.items()}
        texts = sorted({t for own, refs in jobs.values() if own for t in (*own, *refs)})
        vectors = self._embedder().vectors(texts) if texts else {}
        out = {}
        for sid, (own, refs) in jobs.items():
            if not own:
                out[sid] = np.zeros(0)
                continue
            a, b = np.stack([vectors[t] for t in own]), np.stack([vectors[t] for t in refs])
            out[sid] = (a @ b.T).max(axis=1)
        return out

    def _embedder(self) -> CachedEmbedder:
        if self._cached is None:
            self._cached = CachedEmbedder(self.embedding_model)
        return self._cached
