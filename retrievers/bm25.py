"""BM25 with the official LaMP ranking: rank_bm25.BM25Okapi defaults, top k by reversed argsort.

The official code builds a fresh ``BM25Okapi`` per question and calls ``get_top_n``. We compute
the very same scores faster, without a Python loop over tokens: every token of the profile gets a
word id numbered in order of first appearance (``dict.fromkeys`` over all tokens: exactly the
insertion order of rank_bm25's document-frequency dict, so the idf sum behind its epsilon floor
adds up in the same order), ``np.unique`` over (word, document) pairs gives term and document
frequencies at once, and scores use the same float operations in the same order as
``BM25Okapi.get_scores``. Scores are therefore
bit-identical and ``np.argsort(scores)[::-1][:k]`` reproduces ``get_top_n`` including the order of
exact ties (duplicate texts, items sharing no query word). Tests check this against rank_bm25.
A profile whose texts are all empty (rank_bm25 raises ZeroDivisionError) scores 0 everywhere.
``tokenizer: normalised`` (lower-case, punctuation replaced by spaces) is our option,
not the official procedure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.errors import ReaperError
from harness.registry import RETRIEVERS

if TYPE_CHECKING:  # harness.config imports Hydra: not needed at run time here
    from harness.config import RetrieverConfig

K1, B, EPSILON = 1.5, 0.75, 0.25  # BM25Okapi defaults
_PUNCT = re.compile(r"[^\w\s]")


def whitespace(text: str) -> list[str]:
    """The official tokenisation: ``str.split()`` (case-sensitive, punctuation kept)."""
    return text.split()


def normalised(text: str) -> list[str]:
    """Lower-cased words with punctuation replaced by spaces (not the official procedure)."""
    return _PUNCT.sub(" ", text.lower()).split()


TOKENIZERS = {"whitespace": whitespace, "normalised": normalised}


def bm25_scores(query: list[str], docs: list[list[str]]) -> np.ndarray:
    """Exactly ``BM25Okapi(docs).get_scores(query)``, computed faster (see the module docstring)."""
    n = len(docs)
    lens = np.fromiter(map(len, docs), dtype=np.int64, count=n)
    total = int(lens.sum())
    if total == 0:  # every text empty (rank_bm25 raises ZeroDivisionError): all tie at 0
        return np.zeros(n)
    flat = list(chain.from_iterable(docs))
    vocab = dict(zip(dict.fromkeys(flat), range(len(flat)), strict=False))  # word -> id, in rank_bm25 nd order
    words = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    pairs, counts = np.unique(words * n + np.repeat(np.arange(n, dtype=np.int64), lens), return_counts=True)
    pair_word = pairs // n  # (word, document) pairs sorted by word, then document
    nd = np.bincount(pair_word, minlength=len(vocab))  # documents containing each word
    query_ids = [vocab.get(q, -1) for q in query]
    terms = np.array([i for i in dict.fromkeys(query_ids) if i >= 0], dtype=np.int64)
    if not len(terms):  # no query word in the profile: every score is 0
        return np.zeros(n)
    table = np.array([math.log(n - f + 0.5) - math.log(f + 0.5) for f in range(n + 1)])  # idf by frequency
    all_idf = table[nd]
    idf = all_idf[terms]
    if (idf < 0).any():  # rank_bm25 floors negative idfs at epsilon x the average idf over all words
        idf[idf < 0] = EPSILON * (np.cumsum(all_idf)[-1] / len(vocab))  # sequential sum in its order
    tf = np.zeros((len(terms), n))
    bounds = zip(np.searchsorted(pair_word, terms), np.searchsorted(pair_word, terms, side="right"), strict=True)
    for row, (start, end) in enumerate(bounds):
        tf[row, pairs[start:end] % n] = counts[start:end]
    norm = K1 * (1 - B + B * lens / (total / n))  # the same float operations, in the same order
    per_term = idf[:, None] * (tf * (K1 + 1) / (tf + norm))
    rows = {int(word): row for row, word in enumerate(terms)}
    score = np.zeros(n)
    for word in query_ids:  # add term by term in query order (duplicates included), as rank_bm25
        if word >= 0:  # a word found in no document adds exactly 0
            score += per_term[rows[word]]
    return score


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """``get_top_n``'s order: numpy's argsort reversed (ties: its order, not profile order)."""
    return [int(i) for i in np.argsort(scores)[::-1][:k]]


@RETRIEVERS.register("bm25")
class BM25Retriever:
    """A fresh BM25 index per question over the user's own profile, as the official code."""

    name = "bm25"

    def __init__(self, spec: RetrieverConfig, cache_dir: Path | None = None) -> None:
        if spec.tokenizer not in TOKENIZERS:
            raise ReaperError(f"unknown bm25 tokenizer {spec.tokenizer!r}; known: {', '.join(TOKENIZERS)}")
        self.tokenize = TOKENIZERS[spec.tokenizer]

    def prepare(self, texts: Iterable[str]) -> None:
        """Nothing to precompute: ranking reads only the user's own items."""

    def rank(self, query: str, items: list[dict[str, Any]], texts: list[str], k: int) -> list[int]:
        """Indices of the top-k items, best first."""
        if not texts or k <= 0:
            return []
        tokens = {text: self.tokenize(text) for text in set(texts)}  # each distinct text once
        return top_k(bm25_scores(self.tokenize(query), [tokens[t] for t in texts]), k)
