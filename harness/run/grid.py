"""A grid's cells as recorded outcomes: a failing cell never ends the grid, and the closing counters
are summed from what each cell recorded, so they are right under every launcher.

Each cell runs inside ``run_recorded``: an exception becomes ``error.json`` in the cell's run
directory (the config, the one-line error, the path of ``error.log`` with the traceback) and the
grid goes on. The cell's outcome (done or failed, its failed samples, and the model loads and
retrievals it caused) is written as ``reaper_cell.json`` into the Hydra job folder of the cell
(``hydra.sweep.dir/<job number>``): that folder exists under every launcher, in-process, joblib
worker or submitit/SLURM job (on a shared filesystem), while process counters only ever see the
process they live in. The main process reads the records back after the sweep (``CellRecords``
learns the sweep folder when the multirun starts) and prints the counters and the failed cells.

A rerun of the same command runs every cell again; finished generations come from the store, so
only failed and unfinished work is redone, and a cell that now finishes loses its stale error.json.
"""

from __future__ import annotations

import json
import os
import socket
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, open_dict

from harness.config import RunConfig, to_run_config
from harness.errors import ReaperError, one_line
from harness.io import write_json_atomic
from harness.progress import note

RECORD = "reaper_cell.json"  # one per cell, in its Hydra job folder
ERROR_FILE, ERROR_LOG = "error.json", "error.log"
PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # a pid alone repeats across nodes

EXIT_OK, EXIT_USAGE, EXIT_FAILED_CELLS, EXIT_FAILED_SAMPLES = 0, 2, 3, 4
COUNTERS = ("model_loads", "retrievals_computed", "retrieval_disk_hits", "retrieval_memo_hits")


@dataclass
class CellOutcome:
    """What one cell did: the record the grid's closing report is summed from."""

    status: str
    """``done`` (summary.json written) or ``failed`` (error.json written)."""
    run_dir: str
    """the cell's run directory."""
    error: str | None = None
    """the one-line error of a failed cell."""
    log: str | None = None
    """the file holding a failed cell's traceback."""
    failed_samples: int = 0
    """samples of a done cell whose generation failed (backend errors): a rerun retries them."""
    counters: dict[str, int] = field(default_factory=dict)
    """model loads and retrievals (computed, disk cache hits, memo hits) this cell caused."""
    process: str = PROCESS
    """host, pid and a random tag of the process that ran the cell."""


def compose_cell(hydra_context: Any, config: DictConfig, overrides: Sequence[str]) -> RunConfig:
    """The RunConfig a sweep's cell will run with: its job config composed as the launcher will, then
    the same conversion the cell itself runs with (so launchers and sweepers see the cell exactly)."""
    cfg: DictConfig = hydra_context.config_loader.load_sweep_config(config, list(overrides))
    with open_dict(cfg):
        del cfg["hydra"]
    run_cfg: Any = to_run_config(cfg)
    if not isinstance(run_cfg, RunConfig):
        raise ReaperError(f"the cell {' '.join(overrides)} does not compose to a run config")
    return run_cfg


def process_counters() -> dict[str, int]:
    """This process's running totals; a cell's share is the difference across its run."""
    from harness.backends.pool import LOAD_COUNT
    from harness.run.cached_retrieval import RETRIEVAL_STATS

    values = (LOAD_COUNT["loads"], RETRIEVAL_STATS["computed"], RETRIEVAL_STATS["disk_hits"],
              RETRIEVAL_STATS["memo_hits"])  # fmt: skip
    return dict(zip(COUNTERS, values, strict=True))


def run_recorded(cfg: RunConfig, *, raise_usage_errors: bool = False) -> CellOutcome:
    """Run the cell; any failure is recorded in its run directory instead of ending the grid.

    ``raise_usage_errors``: a single run lets a ``ReaperError`` (a user mistake) through, to be
    reported as one line with exit code 2; in a grid it is one failed cell among others.
    """
    from harness.run.pipeline import run_cell

    before = process_counters()
    try:
        run_dir = run_cell(cfg)
    except ReaperError as err:
        if raise_usage_errors:
            raise
        outcome = record_failure(cfg, err)
    except Exception as err:  # noqa: BLE001 - whatever ends a cell is that cell's failure, not the grid's
        outcome = record_failure(cfg, err)
    else:
        outcome = CellOutcome("done", str(run_dir), failed_samples=_failed_samples(run_dir))
        for name in (ERROR_FILE, ERROR_LOG):  # a rerun that finishes clears the previous failure
            (run_dir / name).unlink(missing_ok=True)
    after = process_counters()
    outcome.counters = {name: after[name] - before[name] for name in COUNTERS}
    return outcome


def record_failure(cfg: RunConfig, err: Exception) -> CellOutcome:
    """error.json (config, one-line error, log path) and error.log (the traceback) in the run directory."""
    from harness.run.pipeline import cell_directory, spec_dict

    error = one_line(err) or type(err).__name__
    try:
        run_dir = cell_directory(cfg)
        log = (run_dir / ERROR_LOG).resolve()
        run_dir.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(traceback.format_exception(type(err), err, err.__traceback__)), encoding="utf-8")
        write_json_atomic(run_dir / ERROR_FILE, {
            "config": spec_dict(cfg), "error": error, "error_type": type(err).__name__, "log": str(log),
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })  # fmt: skip
    except Exception as unwritable:  # noqa: BLE001 - the record (and the closing report) still say why
        return CellOutcome("failed", cfg.runs_dir, error=f"{error} (no error.json: {one_line(unwritable)})")
    return CellOutcome("failed", str(run_dir), error=error, log=str(log))


def _failed_samples(run_dir: Path) -> int:
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    return int(summary.get("counts", {}).get("failed", 0))


def write_record(outcome: CellOutcome, job_dir: Path) -> None:
    write_json_atomic(job_dir / RECORD, asdict(outcome), durable=False)


def read_records(sweep_dir: Path) -> list[CellOutcome]:
    """The cells' records of one sweep, in job order."""
    paths = sorted(sweep_dir.rglob(RECORD), key=lambda p: [int(s) if s.isdigit() else s for s in p.parts])
    return [CellOutcome(**json.loads(p.read_text(encoding="utf-8"))) for p in paths]


class CellRecords(Callback):
    """Hydra callback: remembers the sweep folder (main process) and clears a previous sweep's records."""

    sweep_dir: Path | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))  # resolved once: the launchers read the same value
        CellRecords.sweep_dir = sweep_dir
        for stale in sweep_dir.rglob(RECORD) if sweep_dir.is_dir() else ():
            stale.unlink()  # the same hydra.sweep.dir given twice: only this sweep's cells count


def grid_totals(outcomes: list[CellOutcome], here: dict[str, int]) -> dict[str, int]:
    """Each counter summed over the cells, plus what this process did outside any cell.

    ``here`` is this process's running totals: work done here outside a cell (a launcher
    pre-generating for several cells) is the part the cells run here did not record.
    """
    totals = {}
    for name in COUNTERS:
        cells = sum(o.counters.get(name, 0) for o in outcomes)
        local = sum(o.counters.get(name, 0) for o in outcomes if o.process == PROCESS)
        totals[name] = cells + max(0, here[name] - local)
    return totals


def report(outcomes: list[CellOutcome]) -> int:
    """Print the closing counters, the failed cells and failed samples; return the exit code."""
    totals = grid_totals(outcomes, process_counters())
    failed = [o for o in outcomes if o.status == "failed"]
    samples = sum(o.failed_samples for o in outcomes)
    note(f"cells: {len(outcomes)}, model loads: {totals['model_loads']}, retrievals computed: "
         f"{totals['retrievals_computed']} (disk cache hits {totals['retrieval_disk_hits']}, memo hits "
         f"{totals['retrieval_memo_hits']}), failed cells: {len(failed)}, failed samples: {samples}")  # fmt: skip
    if failed:
        note(f"{len(failed)} of {len(outcomes)} cells failed (error.json in each run directory); rerunning the "
             "same command retries them and unfinished cells, finished generations are reused from the store:")  # fmt: skip
        for o in failed:
            note(f"  failed: {Path(o.run_dir).name}: {o.error}" + (f" (traceback: {o.log})" if o.log else ""))
    if samples:
        cells = sum(o.failed_samples > 0 for o in outcomes)
        note(f"{samples} samples failed in {cells} {'cell' if cells == 1 else 'cells'} (backend errors, not "
             "scored, counted in summary.json); rerunning the same command retries them")  # fmt: skip
    if failed:
        return EXIT_FAILED_CELLS
    return EXIT_FAILED_SAMPLES if samples else EXIT_OK
