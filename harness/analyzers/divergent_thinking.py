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
from harness.embeddings import CachedEmbedder
from harness.registry import ANALYZERS
from harness.text import content_words, labels_in, sentences, words
from harness.types import Sample, Task

NAME = "divergent_thinking"
TAGS = ["divergent.long", "divergent.switches", "divergent.flips", "divergent.loop", "divergent.drift"]
DEFAULT_LEXICON = (
    "wait", "alternatively", "on second thought", "hmm", "actually", "let me reconsider", "on the other hand",
    "or maybe", "but then again", "scratch that", "let me rethink", "no, wait", "let me re-evaluate",
)  # fmt: skip
_LEAD_IN = r"^(?:(?:but|and|oh|no|so|okay|hmm+)[,.!]?\s+)?"
# The vocabulary of judging a personalization item: a sentence made mostly of these words (plus the
# input's, the items' and the labels') is on task whatever else it says.
JUDGING = frozenset(
    [
        "user",
        "user's",
        "users",
        "person",
        "person's",
        "author",
        "author's",
        "reviewer",
        "reviewer's",
        "writer",
        "journalist",
        "customer",
        "cook",
        "profile",
        "history",
        "previous",
        "past",
        "earlier",
        "prior",
        "usual",
        "usually",
        "typical",
        "typically",
        "often",
        "tends",
        "tend",
        "pattern",
        "patterns",
        "style",
        "tone",
        "voice",
        "preference",
        "preferences",
        "prefer",
        "prefers",
        "habit",
        "habits",
        "similar",
        "consistent",
        "consistently",
        "other",
        "others",
        "own",
        "answer",
        "answers",
        "label",
        "labels",
        "tag",
        "tags",
        "tagged",
        "tagging",
        "rating",
        "ratings",
        "rated",
        "rate",
        "rates",
        "score",
        "scores",
        "scored",
        "review",
        "reviews",
        "reviewed",
        "headline",
        "headlines",
        "title",
        "titles",
        "tweet",
        "tweets",
        "paraphrase",
        "paraphrased",
        "subject",
        "abstract",
        "article",
        "articles",
        "movie",
        "movies",
        "film",
        "films",
        "product",
        "products",
        "paper",
        "papers",
        "reference",
        "references",
        "citation",
        "cite",
        "option",
        "options",
        "candidate",
        "candidates",
        "choice",
        "choose",
        "chose",
        "pick",
        "picked",
        "decide",
        "decision",
        "final",
        "fits",
        "fit",
        "fitting",
        "match",
        "matches",
        "matching",
        "suggests",
        "suggest",
        "indicates",
        "indicate",
        "implies",
        "imply",
        "sounds",
        "positive",
        "negative",
        "neutral",
        "sentiment",
        "strongly",
        "mildly",
        "overall",
        "mixed",
        "praise",
        "praises",
        "complaint",
        "complaints",
        "criticism",
        "critical",
        "satisfied",
        "dissatisfied",
        "happy",
        "unhappy",
        "liked",
        "disliked",
        "enjoyed",
        "loved",
        "hated",
        "high",
        "low",
        "higher",
        "lower",
        "average",
        "middle",
        "likely",
        "probably",
        "reasonable",
        "sense",
        "correct",
        "wrong",
        "instead",
        "relevant",
        "related",
        "closer",
        "closest",
        "captures",
        "capture",
        "reflects",
        "reflect",
        "concise",
        "catchy",
        "short",
        "long",
        "length",
        "words",
        "wording",
        "phrase",
        "phrasing",
        "keep",
        "emphasize",
        "focus",
        "key",
        "main",
        "point",
        "points",
        "theme",
        "themes",
        "genre",
        "genres",
        "elements",
        "aspects",
        "mentions",
        "mentioned",
        "says",
        "said",
        "states",
        "describes",
        "described",
        "description",
        "talks",
        "given",
        "based",
        "considering",
        "consider",
        "look",
        "looking",
        "check",
        "checking",
        "again",
        "reconsider",
        "confirm",
        "sure",
        "unsure",
        "guess",
        "option",
        "alternatively",
        "wait",
        "actually",
        "seems",
        "stars",
        "star",
        "task",
        "question",
        "instruction",
        "format",
        "output",
        "generate",
        "write",
        "writes",
        "wrote",
        "written",
        "stick",
        "better",
        "best",
    ]
)


@ANALYZERS.register(NAME)
class DivergentThinking:
    """Rule-based divergence signals of reasoning traces, calibrated on the run where needed."""

    name = NAME

    def __init__(
        self, long_percentile: float = 90.0, long_median_ratio: float = 2.0, min_run_traces: int = 5,
        lexicon: list[str] | tuple[str, ...] = DEFAULT_LEXICON, switch_rate: float = 10.0, min_switches: int = 2,
        min_flips: int = 2, flip_rate: float = 1.0, list_echo_labels: int = 4, loop_ngram: int = 10,
        loop_min_repeats: int = 3, loop_share: float = 0.03, similarity: str = "embedding",
        embedding_model: str | None = None, similarity_threshold: float = 0.4, grounded_share: float = 0.5,
        drift_share: float = 1 / 3, min_sentence_words: int = 3, min_sentences: int = 4,
    ) -> None:  # fmt: skip
        self.long_percentile, self.long_median_ratio = long_percentile, long_median_ratio
        self.min_run_traces = min_run_traces  # fewer traces in the run: no length norm (n/a)
        alternatives = "|".join(re.escape(w) for w in sorted(lexicon, key=len, reverse=True))
        self.switch = re.compile(rf"{_LEAD_IN}(?:{alternatives})\b", re.IGNORECASE)
        self.switch_rate, self.min_switches = switch_rate, min_switches  # per 1,000 words, and a floor
        self.min_flips, self.flip_rate = min_flips, flip_rate  # reversals, and per 1,000 words
        self.list_echo_labels = list_echo_labels  # a sentence naming this many labels echoes the label list
        self.loop_ngram, self.loop_min_repeats, self.loop_share = loop_ngram, loop_min_repeats, loop_share
        self.similarity, self.embedding_model = similarity, embedding_model
        self.similarity_threshold = similarity_threshold  # cosine to an input/item sentence: on task
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
        """Per trace: the share of its substantive words in off-task sentences (None: too few sentences).

        A sentence is on task when most of its content words come from the input, the items, the
        labels or the vocabulary of judging, or when it is close in meaning to an input or item
        sentence; only the sentences the words leave in doubt are embedded.
        """
        jobs: dict[str, tuple[list[str], list[str]]] = {}
        substantive: dict[str, int] = {}
        label_words = {w for label in task.labels or () for w in content_words(label)}
        for s in traced:
            ctx = context_of(s)
            own = [x for x in sentences(s.reasoning) if len(content_words(x)) >= self.min_sentence_words]
            if len(own) < self.min_sentences:
                continue
            substantive[s.id] = sum(len(words(x)) for x in own)
            refs = sentences(ctx.input) + [x for i in ctx.retrieved_items or [] for x in sentences(item_text(i))]
            known = label_words | JUDGING | {w for r in refs for w in content_words(r)}
            doubtful = [x for x in own if _grounded(x, known) < self.grounded_share and not labels_in(x, task)]
            jobs[s.id] = (doubtful, [r for r in refs if content_words(r)] or [ctx.input or s.prompt])
        sims = self._similarities(jobs)
        out: dict[str, tuple[float, list[str]] | None] = {s.id: None for s in traced}
        for sid, (doubtful, _) in jobs.items():
            off = [x for x, sim in zip(doubtful, sims[sid], strict=True) if sim < self.similarity_threshold]
            out[sid] = (sum(len(words(x)) for x in off) / max(substantive[sid], 1), off)
        return out

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


def _grounded(sentence: str, known: set[str]) -> float:
    """Share of a sentence's content words found in the input, items, labels or judging vocabulary."""
    own = content_words(sentence)
    return sum(w in known for w in own) / len(own) if own else 1.0
