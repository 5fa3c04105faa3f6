"""The generation store: every finished generation on disk before the next batch starts.

Generation is the only expensive step of a run, so a killed run (kill -9, OOM, pre-emption) must
lose at most the batch in flight. Records are appended to a JSON-lines file and fsynced per batch;
loading ignores a torn trailing line and the next append starts on a fresh line.

The key is a hash of everything that decides the output: the model identity, the complete
generation settings and the request content. Never the prompt alone (lm-eval's cache ignores the
model, issue #2715): an output of model A is never served for model B or for other sampling
settings. The request id is not part of the key, so byte-identical requests share one generation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from harness.config import GenerationConfig, ModelConfig
from harness.types import Backend, Generation, Request

FORMAT = 1  # version of a store line: {"v", "key", "generation"}


def _plain(value: Any) -> Any:
    """JSON fallback for config containers (OmegaConf nodes, tuples, dataclasses)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"not JSON-serialisable in a store key: {type(value).__name__}")


def _normalise(value: Any) -> Any:
    """0 and 0.0 are the same setting; YAML or an override may spell a float either way."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, integral floats as ints: one spelling per value."""
    plain = json.loads(json.dumps(value, default=_plain))
    return json.dumps(_normalise(plain), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def generation_settings(model: ModelConfig, gen: GenerationConfig | None = None) -> dict[str, Any]:
    """Everything besides the model identity and the request that changes an output.

    Engine args are included too (dtype, quantization, max_model_len change outputs); changing one
    only costs a regeneration, while leaving one out could serve a stale output.
    """
    return {
        "generation": _plain(gen if gen is not None else model.generation),
        "chat_template_kwargs": model.chat_template_kwargs,
        "reasoning_parser": model.reasoning_parser,
        "prompted_reasoning": model.prompted_reasoning,
        "system_prompt": model.system_prompt,
        "engine": model.engine,
    }


class GenerationStore:
    """Append-only JSON-lines store of generations, indexed in memory; duplicates resolve last-wins."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._index: dict[str, Generation] = {}
        self.torn_lines = 0  # lines left unreadable by killed appends; skipped, their batches reran
        self._load()

    @staticmethod
    def key(model_identity: str, settings: dict[str, Any], request: Request) -> str:
        """sha256 over (model identity, complete settings, request content); the request id is left out."""
        content = {
            "messages": request.messages,
            "raw_prompt": request.raw_prompt,
            "continue_final_message": request.continue_final_message,
        }
        blob = canonical_json({"v": FORMAT, "model": model_identity, "settings": settings, "request": content})
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Generation | None:
        """The stored generation, if it finished without an error (failed ones are retried)."""
        generation = self._index.get(key)
        return generation if generation is not None and generation.error is None else None

    def put(self, key: str, generation: Generation) -> None:
        """Store one generation durably."""
        self.put_many([(key, generation)])

    def put_many(self, items: list[tuple[str, Generation]]) -> None:
        """Append a batch with a single flush + fsync, then index it."""
        if not items:
            return
        lines = [
            json.dumps({"v": FORMAT, "key": k, "generation": g.to_dict()}, ensure_ascii=False) + "\n" for k, g in items
        ]
        data = "".join(lines).encode("utf-8")
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle:
            _lock(handle)  # parallel grid jobs may share one store: one whole batch at a time
            if handle.seek(0, os.SEEK_END) > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":  # a torn line from a killed run: start on a fresh line
                    data = b"\n" + data
            handle.write(data)  # append mode: always at the end
            handle.flush()
            os.fsync(handle.fileno())
        if created:
            _fsync_dir(self.path.parent)  # the new file's directory entry must survive a crash too
        for k, g in items:
            self._index[k] = g

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def _load(self) -> None:
        if not self.path.exists():
            return
        for line in self.path.read_bytes().split(b"\n"):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                self._index[record["key"]] = Generation.from_dict(record["generation"])
            except (ValueError, KeyError, TypeError):
                # Torn by a kill during an append (the trailing line, or one a later append moved past):
                # the generations it held were never reported stored, so they are simply generated again.
                self.torn_lines += 1


def _lock(handle: Any) -> None:
    """Exclusive advisory lock until the handle closes (POSIX; elsewhere appends go unlocked)."""
    try:
        import fcntl
    except ImportError:
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


OnBatch = Callable[[list[Generation], int, int], None]


def generate_with_store(
    backend: Backend,
    requests: list[Request],
    gen: GenerationConfig,
    store: GenerationStore,
    settings: dict[str, Any],
    batch_size: int,
    use_cache: bool = True,
    on_batch: OnBatch | None = None,
) -> list[Generation]:
    """Generate what the store lacks, batch by batch, storing each batch before the next starts.

    Returns one generation per request in request order (stored ones carry the current request id).
    Failed generations are returned but not stored, so the next run retries them. ``use_cache=False``
    regenerates everything and overwrites. ``on_batch(batch, done, total)`` reports progress over
    the requests that needed generating.
    """
    keys = [store.key(backend.model_id, settings, r) for r in requests]
    results: dict[str, Generation] = {}
    todo: dict[str, Request] = {}  # key -> first request with it: identical requests generate once
    for key, request in zip(keys, requests, strict=True):
        cached = store.get(key) if use_cache else None
        if cached is not None:
            results[key] = cached
        elif key not in todo:
            todo[key] = request
    pending = list(todo.items())
    size = max(1, int(batch_size))
    for start in range(0, len(pending), size):
        chunk = pending[start : start + size]
        generations = backend.generate([r for _, r in chunk], gen)
        if len(generations) != len(chunk):
            raise RuntimeError(
                f"backend {backend.name} returned {len(generations)} generations for {len(chunk)} requests"
            )
        store.put_many([(k, g) for (k, _), g in zip(chunk, generations, strict=True) if g.error is None])
        results.update((k, g) for (k, _), g in zip(chunk, generations, strict=True))
        if on_batch is not None:
            on_batch(generations, min(start + size, len(pending)), len(pending))
    return [
        results[k] if results[k].id == r.id else dataclasses.replace(results[k], id=r.id)
        for k, r in zip(keys, requests, strict=True)
    ]
