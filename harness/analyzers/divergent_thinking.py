"""Divergent thinking: the reasoning wanders instead of converging on the personalized answer.

Five signals per trace: unusually long for this run (above its 90th percentile and twice its median:
long is only meaningful relative to the same task and model), many hypothesis switches ("wait",
"alternatively", ...), the favoured answer flipping between labels, repetition loops (a long n-gram
repeated), and drift (most substantive sentences resemble neither the input nor the retrieved items).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from harness.analyzers.common import (
    context_of,
    coverage,
    ngrams,
    not_applicable,
    percentile,
    repeated_ngrams,
    result,
)
from harness.embeddings import embed
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
_PROFILE_CUE = re.compile(
    r"\b(?:tagged|tags? (?:they|the user)|previous(?:ly)?|past|earlier|history|profile|other (?:movies?|reviews?)|"
    r"(?:user|they|he|she) (?:gave|rated|has rated|has given)|their (?:reviews?|ratings?|movies?|scores?)|"
    r"similar (?:movies?|reviews?|ones)|examples?)\b",
    re.IGNORECASE,
)
_DECISION_CUE = re.compile(
    r"\b(?:i think|i'd|i would|would be|should be|could be|might be|maybe|perhaps|probably|likely|go with|pick|"
    r"choose|answer|fits|best|settle|leaning|final|so it's|so the|give (?:it )?(?:a|an)?|seems? (?:like|to be)|"
    r"more like|rather)\b",
    re.IGNORECASE,
)
_RATING_MENTION = re.compile(
    r"\b(?:(?:a|an|score|rating|rated|rate|give|giving|maybe|perhaps|probably|likely|say|be|is|it's|around|either|or|"
    r"to|than|so|then|on|with)"
    r"\s+(?:a\s+|of\s+|an?\s+)?([1-5])(?![\d.,]*\s*(?:reviews?|items?|times|years?|days?|%|of the|\.\d)))"
    r"|\b([1-5])\s*(?:stars?|/\s*5|out of (?:5|five))",
    re.IGNORECASE,
)
_TASK_TALK = re.compile(
    r"\b(?:the user|user's|profile|answer|options?|candidates?|tags?|labels?|headlines?|titles?|ratings?|scores?|"
    r"reviews?|tweets?|paraphrase|article|movie|description|abstract|email|subject)\b",
    re.IGNORECASE,
)
_CITATION_MENTION = re.compile(r"\[([12])\]|\b(?:reference|option|candidate|paper)\s*\[?([12])\b", re.IGNORECASE)


@ANALYZERS.register(NAME)
class DivergentThinking:
    """Rule-based divergence signals of reasoning traces, calibrated on the run where needed."""

    name = NAME

    def __init__(
        self, long_percentile: float = 90.0, long_median_ratio: float = 2.0, min_run_traces: int = 5,
        lexicon: list[str] | tuple[str, ...] = DEFAULT_LEXICON, min_switches: int = 3, min_flips: int = 3,
        min_candidates: int = 4, list_echo_labels: int = 4, loop_ngram: int = 10, loop_min_repeats: int = 3,
        similarity: str = "embedding", embedding_model: str | None = None, similarity_threshold: float = 0.3,
        lexical_threshold: float = 0.2, drift_share: float = 0.5, min_sentence_words: int = 3, min_sentences: int = 4,
    ) -> None:  # fmt: skip
        self.long_percentile, self.long_median_ratio, self.min_run_traces = (
            long_percentile,
            long_median_ratio,
            min_run_traces,
        )
        alternatives = "|".join(re.escape(w) for w in sorted(lexicon, key=len, reverse=True))
        self.switch = re.compile(rf"{_LEAD_IN}(?:{alternatives})\b", re.IGNORECASE)
        self.min_switches, self.min_flips, self.min_candidates = min_switches, min_flips, min_candidates
        self.list_echo_labels = list_echo_labels  # a sentence naming this many labels echoes the label list
        self.loop_ngram, self.loop_min_repeats = loop_ngram, loop_min_repeats
        self.similarity, self.embedding_model = similarity, embedding_model
        self.similarity_threshold, self.lexical_threshold = similarity_threshold, lexical_threshold
        self.drift_share, self.min_sentence_words, self.min_sentences = drift_share, min_sentence_words, min_sentences

    def tag_names(self, task: Task) -> list[str]:
        return TAGS if task.kind != "generation" else [t for t in TAGS if t != "divergent.flips"]

    def population(self, tag: str) -> str:
        """Over every generated trace, truncated ones included: loops and wandering are what truncates traces."""
        return "generated"

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]:
        traced = [s for s in samples if s.status != "failed" and (s.reasoning or "").strip()]
        lengths = [len(words(s.reasoning)) for s in traced]
        norm = (
            (percentile(lengths, 50), percentile(lengths, self.long_percentile))
            if len(traced) >= self.min_run_traces
            else None
        )
        out = {s.id: not_applicable("no reasoning trace") for s in samples}
        drift = self._drift(traced, task)
        for s, n in zip(traced, lengths, strict=True):
            out[s.id] = self.check(s, task, n, norm, drift[s.id])
        return out

    def check(self, sample: Sample, task: Task, n_words: int, norm: tuple[float, float] | None, drift: tuple[float, list[str]]) -> dict[str, Any]:  # fmt: skip
        text = sample.reasoning or ""
        tags, evidence, scores = [], [], []
        if norm is not None:
            median, high = norm
            if n_words > high and n_words > self.long_median_ratio * median:
                tags.append("divergent.long")
                evidence.append(f"long: {n_words} words; run median {median:.0f}, p{self.long_percentile:g} {high:.0f}")
            scores.append(min(1.0, n_words / max(median, 1.0) / (2 * self.long_median_ratio)))
        switches = [s for s in sentences(text) if self.switch.match(s)]
        if len(switches) >= self.min_switches:
            tags.append("divergent.switches")
            evidence.append(f"switches: {len(switches)}: " + " | ".join(x[:80] for x in switches[:5]))
        scores.append(min(1.0, len(switches) / (2 * self.min_switches)))
        if task.kind != "generation":
            seq = self.candidates(text, task)
            flips, distinct = max(0, len(seq) - 1), len(set(seq))
            if flips >= self.min_flips or distinct >= self.min_candidates:
                tags.append("divergent.flips")
                evidence.append(f"flips: {flips}, distinct candidates {distinct}: " + " -> ".join(seq[:12]))
            scores.append(min(1.0, max(flips / (2 * self.min_flips), distinct / (2 * self.min_candidates))))
        answer_grams = set(ngrams(words(sample.answer), self.loop_ngram))  # restating the answer is converging
        loops = [
            (g, c)
            for g, c in repeated_ngrams(words(text), self.loop_ngram, self.loop_min_repeats)
            if g not in answer_grams
        ]
        share = coverage(words(text), {g for g, _ in loops}, self.loop_ngram)
        if loops:
            tags.append("divergent.loop")
            evidence.append(f"loop: {' '.join(loops[0][0])!r} x{loops[0][1]}; {share:.0%} of the trace repeats")
        scores.append(min(1.0, 2 * share))
        off_share, off = drift
        if off_share >= self.drift_share:
            tags.append("divergent.drift")
            evidence.append(f"drift: {off_share:.0%} of sentences unrelated to input and items: " + " | ".join(off[:4]))
        scores.append(off_share)
        return result(tags, float(np.mean(scores)) if scores else 0.0, evidence)

    def candidates(self, text: str, task: Task) -> list[str]:
        """Labels the trace favours, in order, consecutive repeats collapsed.

        Sentences that echo the label list, or that describe the profile without weighing a
        decision ("the user tagged X as comedy"), are skipped: they are not candidate answers.
        """
        seq: list[str] = []
        for sentence in sentences(text):
            found = _label_mentions(sentence, task)
            if not found or len(set(found)) >= self.list_echo_labels:
                continue
            if _PROFILE_CUE.search(sentence) and not _DECISION_CUE.search(sentence):
                continue
            for label in found:
                if not seq or seq[-1] != label:
                    seq.append(label)
        return seq

    def _drift(self, traced: list[Sample], task: Task) -> dict[str, tuple[float, list[str]]]:
        """Per trace: the share of substantive sentences below the similarity threshold to every reference.

        Sentences that talk about the task itself (the user, the answer, a label, the headline...)
        are on task whatever their wording; a trace with too few substantive sentences has no verdict.
        """
        jobs: dict[str, tuple[list[str], list[str]]] = {}
        substantive: dict[str, int] = {}
        for s in traced:
            ctx = context_of(s)
            own = [x for x in sentences(s.reasoning) if len(content_words(x)) >= self.min_sentence_words]
            substantive[s.id] = len(own)
            own = [x for x in own if not _TASK_TALK.search(x) and not _label_mentions(x, task)]
            refs = sentences(ctx.input) + [x for i in ctx.retrieved_items or [] for x in sentences(_item_text(i))]
            jobs[s.id] = (own, [r for r in refs if content_words(r)] or [ctx.input or s.prompt])
        out: dict[str, tuple[float, list[str]]] = {}
        sims = self._similarities(jobs)
        threshold = self.similarity_threshold if self.similarity == "embedding" else self.lexical_threshold
        for sid, (own, _) in jobs.items():
            if substantive[sid] < self.min_sentences:
                out[sid] = (0.0, [])
                continue
            off = [x for x, sim in zip(own, sims[sid], strict=True) if sim < threshold]
            out[sid] = (len(off) / substantive[sid], off)
        return out

    def _similarities(self, jobs: dict[str, tuple[list[str], list[str]]]) -> dict[str, np.ndarray]:
        """Max similarity of each reasoning sentence to any reference sentence (one batched encode)."""
        if self.similarity == "lexical":
            return {sid: np.array([_lexical(x, refs) for x in own]) for sid, (own, refs) in jobs.items()}
        texts = sorted({t for own, refs in jobs.values() for t in (*own, *refs)})
        if not texts:
            return {sid: np.zeros(0) for sid in jobs}
        index = {t: i for i, t in enumerate(texts)}
        vectors = embed(texts, self.embedding_model)
        out = {}
        for sid, (own, refs) in jobs.items():
            if not own:
                out[sid] = np.zeros(0)
                continue
            a, b = vectors[[index[t] for t in own]], vectors[[index[t] for t in refs]]
            out[sid] = (a @ b.T).max(axis=1)
        return out


def _item_text(item: dict[str, Any]) -> str:
    return " ".join(str(v) for k, v in item.items() if k not in ("id", "date") and isinstance(v, str))


def _lexical(sentence: str, refs: list[str]) -> float:
    own = set(content_words(sentence))
    ref = {w for r in refs for w in content_words(r)}
    return len(own & ref) / len(own) if own else 1.0


def _label_mentions(sentence: str, task: Task) -> list[str]:
    """Labels named in a sentence, in order; overlapping names keep the longest ("dark comedy" over "comedy")."""
    if task.kind == "rating":
        return [a or b for a, b in _RATING_MENTION.findall(sentence)]
    if task.labels == ("[1]", "[2]"):
        return [f"[{a or b}]" for a, b in _CITATION_MENTION.findall(sentence)]
    spans: list[tuple[int, int, str]] = []
    lowered = sentence.lower()
    for label in task.labels or ():
        for m in re.finditer(rf"(?<![\w-]){re.escape(label.lower())}(?![\w-])", lowered):
            spans.append((m.start(), m.end(), label))
    spans.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return [label for _, _, label in kept]
