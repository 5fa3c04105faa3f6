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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import DataError, ReaperError
from harness.io import write_text_atomic
from harness.progress import progress
from harness.registry import RETRIEVERS

if TYPE_CHECKING:
    from harness.config import RetrieverConfig
    from harness.types import Example, Item, Task

CACHE_VERSION = 2  # bump when a built-in retriever changes its rankings (2: results are profile positions)
RETRIEVAL_STATS = {"computed": 0, "disk_hits": 0, "memo_hits": 0}  # counters for tests and logs
_MEMO: dict[str, dict[str, list[int]]] = {}
_ITEMS: dict[str, dict[str, list[Item]]] = {}  # key -> question id -> its retrieved items (read-only)


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
    _ITEMS.clear()


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
    retrieved = retrieve_items(task, examples, spec, cache_dir, data_hash, source, use_cache)
    return {ex.id: item_ids(retrieved[ex.id]) for ex in examples}


def item_ids(items: list[Item]) -> list[str]:
    """The ids of retrieved items, as runs, exports and the retrieve command record them."""
    return [str(item["id"]) for item in items]


def items_at(example: Example, positions: list[int]) -> list[Item]:
    """The items at these profile positions, in that order; a packed profile is parsed once, then dropped."""
    if not positions:
        return []
    profile = list(example.profile)
    return [profile[i] for i in positions]


def retrieve_items(
    task: Task,
    examples: list[Example],
    spec: RetrieverConfig,
    cache_dir: Path,
    data_hash: str,
    source: str = "<data>",
    use_cache: bool = True,
) -> dict[str, list[Item]]:
    """Question id -> the retrieved items themselves, best first: all that a run keeps of the profiles.

    The items are memoised with the retrieval (k per question: a few MB for a dev set), so the
    cells of a grid that share a retrieval parse no profile again, and a cold retrieval fills the
    memo as it ranks. They are shared between cells: read them, do not change them.
    """
    ranked = retrieve_ranked(task, examples, spec, cache_dir, data_hash, source, use_cache)
    known = _ITEMS.setdefault(cache_key(task.name, data_hash, spec), {})
    for ex in examples:
        if ex.id not in known:
            known[ex.id] = items_at(ex, ranked[ex.id])
    return {ex.id: known[ex.id] for ex in examples}


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
    result, items = _compute(task, examples, spec, Path(cache_dir), source)
    RETRIEVAL_STATS["computed"] += 1
    _write(path, {"task": task.name, "data": data_hash, "retriever": spec_dict(spec), "results": result})
    _MEMO[key], _ITEMS[key] = result, items
    return dict(result)


def _compute(
    task: Task, examples: list[Example], spec: Any, cache_dir: Path, source: str
) -> tuple[dict[str, list[int]], dict[str, list[Item]]]:
    """Rank question by question: one profile is parsed (and tokenised) at a time; only the
    positions and the k retrieved items of each question stay."""
    retriever = RETRIEVERS.get(spec.name)(spec, cache_dir)
    retriever.prepare(_all_texts(task, examples, source))  # lazy: read only by retrievers that batch (dense)
    result: dict[str, list[int]] = {}
    kept: dict[str, list[Item]] = {}
    bar = progress(examples, total=len(examples), desc=f"retrieval {task.name} {spec.label or spec.name}")
    for ex in bar:
        items = list(ex.profile)
        try:
            ranked = retriever.rank(_query(task, ex, source), items, _texts(task, ex.id, items, source), spec.k)
        except DataError:
            raise
        except ReaperError as err:
            raise DataError(source, ex.id, getattr(err, "field", "profile"), str(err)) from err
        result[ex.id] = [int(i) for i in ranked[: spec.k]]
        kept[ex.id] = [items[i] for i in result[ex.id]]
    return result, kept


def _all_texts(task: Task, examples: list[Example], source: str) -> Iterator[str]:
    """Every query and item text, one question's profile parsed at a time (``Retriever.prepare``)."""
    for ex in examples:
        yield _query(task, ex, source)
        yield from _texts(task, ex.id, list(ex.profile), source)


def _query(task: Task, ex: Example, source: str) -> str:
    try:
        return task.query(ex)
    except DataError:
        raise
    except ReaperError as err:
        raise DataError(source, ex.id, "input", str(err)) from err


def _texts(task: Task, qid: str, items: list[Item], source: str) -> list[str]:
    texts = []
    for i, item in enumerate(items):
        try:
            texts.append(task.item_text(item))
        except KeyError as err:
            raise DataError(source, qid, f"profile[{i}].{err.args[0]}", "missing (needed for retrieval)") from err
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
