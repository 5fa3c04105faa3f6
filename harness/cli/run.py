"""``reaper run``: Hydra composes the RunConfig (groups task/retriever/model/method/sweep) and runs it.

With ``-m`` (or a ``sweep=`` preset) Hydra's sweeper walks the grid; the in-process launcher
keeps the loaded model (harness.backends.pool) and the retrieval memo between cells. Each cell's
outcome is recorded (harness.run.grid): a failing cell never ends the grid, and the closing
counters are summed from the records, whichever launcher ran the cells.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from pathlib import Path

import hydra
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from harness.cli.presets import refuse_schema_choices, register_task_nodes
from harness.config import register_configs, to_run_config
from harness.errors import ReaperError, one_line
from harness.run.grid import (
    EXIT_OK,
    EXIT_USAGE,
    CellOutcome,
    CellRecords,
    read_records,
    report,
    run_recorded,
    write_record,
)

log = logging.getLogger("reaper")
register_configs()
with contextlib.suppress(ReaperError):  # hydra_entry reports a broken plugin in one line before anything runs
    register_task_nodes()  # here too: joblib and submitit workers compose configs in their own process
OUTCOMES: list[CellOutcome] = []  # the cells this process ran, when there is no sweep folder (a single run)


@hydra.main(version_base="1.3", config_path="pkg://hydra_conf", config_name="config")
def _run(cfg: DictConfig) -> str | None:
    """One grid cell. In a grid a failing cell is recorded (error.json) and the grid goes on; a single
    run's ReaperError ends the process with one line and exit code 2."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hydra_cfg = HydraConfig.get()
    grid = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        outcome = run_recorded(to_run_config(cfg), raise_usage_errors=not grid)
    except ReaperError as err:
        print(f"reaper: error: {one_line(err)}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    if grid:  # the job folder exists under every launcher; the main process reads the records back
        write_record(outcome, Path(hydra_cfg.runtime.output_dir))
    else:
        OUTCOMES.append(outcome)
    if outcome.status == "failed":
        print(f"failed: {outcome.run_dir}: {outcome.error}", file=sys.stderr)
        return None
    print(f"run: {outcome.run_dir}", file=sys.stderr)
    print(metrics_line(Path(outcome.run_dir)), file=sys.stderr)
    return outcome.run_dir


def metrics_line(run_dir: Path) -> str:
    """The cell's main metrics (strict parse) with n: ``LaMP_2 ...: accuracy 0.5000, f1 0.3333 (n=4)``."""
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    run, counts = summary["run"], summary["counts"]
    main = {k: v for k, v in summary["metrics"].items() if "@" not in k}
    values = ", ".join(f"{k} {'n/a' if v['value'] is None else format(v['value'], '.4f')}" for k, v in main.items())
    n = next(iter(main.values()))["n"] if main else 0
    skipped = (
        f"; {counts['unscorable']} unscorable, {counts['failed']} failed"
        if counts["unscorable"] or counts["failed"]
        else ""
    )
    label = f"{run['task']} {run['model']} {run['retriever']}{'-k' + str(run['k']) if run['k'] else ''} {run['method']}"
    return f"[reaper] {label}: {values} (n={n}{skipped})"


def hydra_entry(overrides: list[str]) -> int:
    """Run Hydra with ``overrides`` as its command line (so -m, --cfg, --help all work).

    Exit codes: 0 all cells done, 2 a usage error (a config that does not compose — a misspelt key,
    a wrong type, an unknown choice — is one line), 3 some cells failed, 4 some samples failed.
    """
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")  # vLLM logs to stdout; keep the output readable
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    overrides = ["use_cache=false" if a == "--no-cache" else a for a in overrides]
    try:
        refuse_schema_choices(overrides)
        register_task_nodes()  # task=NAME for every registered task; a broken plugin is one line here
    except ReaperError as err:
        print(f"reaper: error: {one_line(err)}", file=sys.stderr)
        return EXIT_USAGE
    flags = [a for a in overrides if a in ("-m", "--multirun")]  # Hydra wants them before the overrides
    sys.argv = ["reaper run", *flags, *[a for a in overrides if a not in flags]]
    os.environ["HYDRA_FULL_ERROR"] = "1"  # composition errors reach us, to be printed as one line
    OUTCOMES.clear()
    CellRecords.sweep_dir = None
    try:
        _run()
    except (HydraException, OmegaConfBaseException) as err:
        print(f"reaper: error: {composition_error(err)}", file=sys.stderr)
        return EXIT_USAGE
    except ReaperError as err:  # the sweeper's preflight: no cell of the grid can run
        print(f"reaper: error: {one_line(err)}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        from harness.backends.pool import close_backend

        close_backend()
    outcomes = read_records(CellRecords.sweep_dir) if CellRecords.sweep_dir else list(OUTCOMES)
    return report(outcomes) if outcomes else EXIT_OK  # --cfg, --help: no cell ran


def composition_error(err: BaseException) -> str:
    """Hydra's message (a misspelt key, a value of the wrong type) with its OmegaConf cause, on one line."""
    cause = err.__cause__
    text = f"{err} ({cause})" if isinstance(cause, OmegaConfBaseException) and str(cause) not in str(err) else str(err)
    return " ".join(text.split())
