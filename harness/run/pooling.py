"""One continuous batch per model across a grid's cells.

Each cell generating on its own leaves the engine underfed when cells are small: vLLM's continuous
batching only helps when many requests are in flight together. Before the grid's cells run, the
pooled launcher (hydra_plugins.reaper_pooled_launcher) gives every cell config to ``pregenerate``: the cells
whose method knows its requests up front (``Method.requests_up_front``) are prepared exactly as
``run_cell`` prepares them, their requests are grouped by model and generation settings, and each
group is generated in one pass through the durable store. The cells then run as usual and find their
generations in the store, so each stays resumable on its own and nothing is generated twice.

A cell that cannot be prepared (a bad setting, missing data) is left out silently here: it fails
with its own one-line error when it runs. Cells with ``use_cache=false`` are not pooled (they would
regenerate everything a second time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.backends.pool import load_key
from harness.config import GenerationConfig, RunConfig
from harness.errors import one_line
from harness.progress import note
from harness.run.generation_store import generate_with_store, generation_settings
from harness.run.pipeline import PreparedCell, prepare_cell
from harness.types import Generation, Request

POOL_STATS = {"cells": 0, "requests": 0, "groups": 0}  # counters for tests and benchmarks


@dataclass
class Pool:
    """The requests of several cells for one model and one set of generation settings."""

    cell: PreparedCell  # the first cell of the group: its backend, store and batch size serve all
    gen: GenerationConfig
    settings: dict[str, Any]
    requests: list[Request] = field(default_factory=list)
    cells: int = 0


class _Captured(Exception):
    """Raised by the recording generator: the method's one generate call, captured, ends its run."""

    def __init__(self, requests: list[Request], gen: GenerationConfig) -> None:
        super().__init__("captured")
        self.requests, self.gen = requests, gen


def pregenerate(configs: list[RunConfig]) -> int:
    """Generate the poolable cells' requests model by model; returns how many cells were pooled."""
    pools = _pools(configs)
    pooled = 0
    for pool in pools.values():
        if pool.cells < 2:
            continue  # a lone cell gains nothing: it generates when it runs
        note(f"pooling {len(pool.requests)} requests of {pool.cells} cells for {pool.cell.backend.model_id}")
        _generate(pool)
        pooled += pool.cells
    POOL_STATS["cells"] += pooled
    return pooled


def _pools(configs: list[RunConfig]) -> dict[str, Pool]:
    """Group the captured requests by model load key and generation settings, in grid order."""
    pools: dict[str, Pool] = {}
    for cfg in configs:
        captured = _capture(cfg)
        if captured is None:
            continue
        cell, requests, gen = captured
        settings = generation_settings(cfg.model, gen)
        key = json.dumps([load_key(cfg.model), str(cell.store.path), settings], sort_keys=True, default=str)
        pool = pools.setdefault(key, Pool(cell, gen, settings))
        pool.requests.extend(
            requests
        )  # ids may repeat across cells: backends answer in order, the store keys by content
        pool.cells += 1
    return pools


def _capture(cfg: RunConfig) -> tuple[PreparedCell, list[Request], GenerationConfig] | None:
    """The cell's requests, captured from its method's one generate call (None: not poolable)."""
    if not cfg.use_cache or cfg.model.prompted_reasoning:
        return None  # prompted reasoning answers in a second phase built from the first's replies
    try:
        cell = prepare_cell(cfg)
    except Exception:  # noqa: BLE001 - any failure is the cell's to report, in one line, when it runs
        return None
    if not cell.method.requests_up_front:
        return None

    def record(requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        raise _Captured(requests, gen)

    try:
        cell.method.run(cell.task, cell.dataset.examples, cell.prompts, record, cfg.model.generation)
    except _Captured as captured:
        return cell, captured.requests, captured.gen
    return None


def _generate(pool: Pool) -> None:
    """One pass through the store for the whole group; a failure leaves the cells to generate alone."""
    cell = pool.cell
    try:
        generate_with_store(cell.backend, pool.requests, pool.gen, cell.store, pool.settings,
                            batch_size=cell.cfg.model.batch_size, on_batch=_report)  # fmt: skip
    except Exception as err:  # noqa: BLE001 - the grid goes on; each cell retries and reports alone
        note(f"pooled generation stopped ({one_line(err)}); the cells generate one by one")
        return
    POOL_STATS["requests"] += len(pool.requests)
    POOL_STATS["groups"] += 1


def _report(batch: list[Generation], done: int, total: int) -> None:
    note(f"pooled: generated {done}/{total}")
