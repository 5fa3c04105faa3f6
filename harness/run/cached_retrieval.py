"""Retrieval for a whole task: question id -> retrieved profile item ids, cached on disk and in memory.

Retrieval is deterministic given (task, data, retriever spec), so its result is cached under
``cache_dir/retrieval/<key>.json``, the key hashing the task name, the data hash and the spec as
canonical JSON (k included, the display ``label`` excluded). Files are written to a temporary
name and moved into place, so an interrupted run never leaves a half-written cache. An in-process
memo lets a grid that reuses one retrieval across models and methods compute it once. The
retriever itself (and for dense retrieval the model) is built only on a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import DataError, ReaperError
from harness.io import write_text_atomic
from harness.progress import progress
from harness.registry import RETRIEVERS

if TYPE_CHECKING:
    from harness.config import RetrieverConfig
    from harness.types import Example, Task

CACHE_VERSION = 2  # bump when a built-in retriever changes its rankings (2: results are profile positions)
RETRIEVAL_STATS = {"computed": 0, "disk_hits": 0, "memo_hits": 0}  # counters for tests and logs
_MEMO: dict[str, dict[str, list[int]]] = {}


def spec_dict(spec: Any) -> dict[str, Any]:
    """A retriever spec (dataclass, OmegaConf node or mapping) as a plain dict."""
    if dataclasses.is_dataclass(spec) and not isinstance(spec, type):
        return dataclasses.asdict(spec)
    if not isinstance(spec, Mapping):
        from omegaconf import OmegaConf

        return OmegaConf.to_container(spec, resolve=True)  # type: ignore[return-value]
    return dict(spec)


def cache_key(task_name: str, data_hash: str, spec: Any) -> str:
    """Hash of what determines a retrieval; the display label is left out."""
    fields = {k: v for k, v in spec_dict(spec).items() if k != "label"}
    canonical = json.dumps(
        {"v": CACHE_VERSION, "task": task_name, "data": data_hash, "retriever": fields}, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def clear_memo() -> None:
    """Forget in-process results (the disk cache stays)."""
    _MEMO.clear()


def retrieve(
    task: Task,
    examples: list[Example],
    spec: RetrieverConfig,
    cache_dir: Path,
    data_hash: str,
    source: str = "<data>",
    use_cache: bool = True,
) -> dict[str, list[str]]:
    """Question id -> ids of the retrieved profile items (best first, at most ``spec.k``)."""
    ranked = retrieve_ranked(task, examples, spec, cache_dir, data_hash, source, use_cache)
    return {ex.id: ids_of(ex, ranked[ex.id]) for ex in examples}


def ids_of(example: Example, positions: list[int]) -> list[str]:
    """The ids of the items at these profile positions (ids may repeat in a profile; positions never do)."""
    return [str(example.profile[i]["id"]) for i in positions]


def retrieve_ranked(
    task: Task,
    examples: list[Example],
    spec: RetrieverConfig,
    cache_dir: Path,
    data_hash: str,
    source: str = "<data>",
    use_cache: bool = True,
) -> dict[str, list[int]]:
    """Question id -> profile positions of the retrieved items, best first.

    Positions, not ids: two items of one profile can share an id, and a prompt built by looking
    ids up would then silently hold the wrong item. ``use_cache=False`` recomputes without reading
    the memo or the disk cache (and refreshes both).
    """
    if spec.name == "none" or spec.k <= 0:
        return {ex.id: [] for ex in examples}
    key = cache_key(task.name, data_hash, spec)
    found = _covering(_MEMO.get(key), examples) if use_cache else None
    if found is not None:
        RETRIEVAL_STATS["memo_hits"] += 1
        return found
    path = Path(cache_dir) / "retrieval" / f"{key}.json"
    found = _covering(_read(path), examples) if use_cache else None
    if found is not None:
        RETRIEVAL_STATS["disk_hits"] += 1
        _MEMO[key] = found
        return found
    result = _compute(task, examples, spec, Path(cache_dir), source)
    RETRIEVAL_STATS["computed"] += 1
    _write(path, {"task": task.name, "data": data_hash, "retriever": spec_dict(spec), "results": result})
    _MEMO[key] = result
    return dict(result)


def _compute(task: Task, examples: list[Example], spec: Any, cache_dir: Path, source: str) -> dict[str, list[int]]:
    retriever = RETRIEVERS.get(spec.name)(spec, cache_dir)
    prepared = [(_query(task, ex, source), _texts(task, ex, source)) for ex in examples]
    retriever.prepare([text for query, texts in prepared for text in (query, *texts)])  # dense: embed in batches
    result: dict[str, list[int]] = {}
    bar = progress(examples, total=len(examples), desc=f"retrieval {task.name} {spec.label or spec.name}")
    for n, ex in enumerate(bar):
        query, texts = prepared[n]
        try:
            ranked = retriever.rank(query, ex.profile, texts, spec.k)
        except DataError:
            raise
        except ReaperError as err:
            raise DataError(source, ex.id, getattr(err, "field", "profile"), str(err)) from err
        result[ex.id] = [int(i) for i in ranked[: spec.k]]
    return result


def _query(task: Task, ex: Example, source: str) -> str:
    try:
        return task.query(ex)
    except DataError:
        raise
    except ReaperError as err:
        raise DataError(source, ex.id, "input", str(err)) from err


def _texts(task: Task, ex: Example, source: str) -> list[str]:
    texts = []
    for i, item in enumerate(ex.profile):
        try:
            texts.append(task.item_text(item))
        except KeyError as err:
            raise DataError(source, ex.id, f"profile[{i}].{err.args[0]}", "missing (needed for retrieval)") from err
    return texts


def _covering(stored: dict[str, list[int]] | None, examples: list[Example]) -> dict[str, list[int]] | None:
    """The stored results for these examples, or None if any is missing (e.g. a larger limit)."""
    if stored is None or any(ex.id not in stored for ex in examples):
        return None
    return {ex.id: stored[ex.id] for ex in examples}


def _read(path: Path) -> dict[str, list[int]] | None:
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data.get("results") if isinstance(data, dict) else None


def _write(path: Path, content: dict[str, Any]) -> None:
    """A cache file: compact, and not fsynced (a lost cache is recomputed)."""
    write_text_atomic(path, json.dumps(content, separators=(",", ":")), durable=False)
