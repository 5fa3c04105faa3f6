"""BM25 with the official LaMP ranking: rank_bm25.BM25Okapi defaults, top k by reversed argsort.

The official code builds a fresh ``BM25Okapi`` per question and calls ``get_top_n``. We compute
the very same scores faster: each distinct text is counted once with ``Counter`` (C code instead of
rank_bm25's Python loop), document frequencies come from one ``Counter`` over the per-document
keys (same insertion order, so the idf sum behind the epsilon floor adds up in the same order),
and only query terms found in the profile are scored, vectorised over documents with the same
float operations in the same order as ``BM25Okapi.get_scores``. Scores are therefore
bit-identical and ``np.argsort(scores)[::-1][:k]`` reproduces ``get_top_n`` including the order of
exact ties (duplicate texts, items sharing no query word). Tests check this against rank_bm25.
A profile whose texts are all empty (rank_bm25 raises ZeroDivisionError) scores 0 everywhere.
``tokenizer: normalised`` (lower-case, punctuation replaced by spaces) is our option,
not the official procedure.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import chain, repeat
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
    counted: dict[int, Counter[str]] = {}  # a token list shared by duplicate texts is counted once
    freqs = [counted[id(d)] if id(d) in counted else counted.setdefault(id(d), Counter(d)) for d in docs]
    lens = [len(d) for d in docs]
    nd = Counter(chain.from_iterable(freqs))  # word -> number of documents containing it
    score = np.zeros(n)
    terms = list(dict.fromkeys(q for q in query if q in nd))
    if not terms:  # also every text empty, where rank_bm25 raises ZeroDivisionError: all tie at 0
        return score
    table = [math.log(n - f + 0.5) - math.log(f + 0.5) for f in range(n + 1)]  # idf by frequency
    idf = np.array([table[nd[q]] for q in terms])
    if (idf < 0).any():  # rank_bm25 floors negative idfs at epsilon * the average idf
        all_idf = np.array(table)[np.fromiter(nd.values(), dtype=np.intp, count=len(nd))]
        idf[idf < 0] = EPSILON * (np.cumsum(all_idf)[-1] / len(nd))  # sequential sum, as rank_bm25
    tf = np.array([list(map(f.get, terms, repeat(0))) for f in freqs], dtype=np.float64).T
    doc_len = np.array(lens)
    per_term = idf[:, None] * (tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc_len / (sum(lens) / n))))
    row = {q: i for i, q in enumerate(terms)}
    for q in query:  # add term by term in query order (duplicates included), as rank_bm25
        if q in row:
            score += per_term[row[q]]
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

    def rank(self, query: str, items: list[dict[str, Any]], texts: list[str], k: int) -> list[int]:
        """Indices of the top-k items, best first."""
        if not texts or k <= 0:
            return []
        tokens = {text: self.tokenize(text) for text in set(texts)}  # each distinct text once
        return top_k(bm25_scores(self.tokenize(query), [tokens[t] for t in texts]), k)
