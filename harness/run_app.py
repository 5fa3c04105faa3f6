"""``reaper run``: Hydra composes the RunConfig (groups task/retriever/model/method/sweep) and runs it.

With ``-m`` (or a ``sweep=`` preset) Hydra's sweeper walks the grid; the in-process launcher
keeps the loaded model (harness.backends.pool) and the retrieval memo between cells.
"""

from __future__ import annotations

import logging
import sys

import hydra
from omegaconf import DictConfig, OmegaConf

from harness.config import RunConfig, register_configs
from harness.errors import ReaperError

log = logging.getLogger("reaper")
register_configs()


@hydra.main(version_base="1.3", config_path="pkg://hydra_conf", config_name="config")
def _run(cfg: DictConfig) -> str | None:
    """One grid cell; a ReaperError ends the process with one line and exit code 2."""
    from harness.pipeline import run_cell

    run_cfg: RunConfig = OmegaConf.to_object(cfg)  # type: ignore[assignment]
    try:
        run_dir = run_cell(run_cfg)
    except ReaperError as err:
        print(f"reaper: error: {err}", file=sys.stderr)
        sys.exit(2)
    print(f"run: {run_dir}", file=sys.stderr)
    return str(run_dir)


def hydra_entry(overrides: list[str]) -> int:
    """Run Hydra with ``overrides`` as its command line (so -m, --cfg, --help all work)."""
    sys.argv = ["reaper run", *overrides]
    try:
        _run()
    finally:
        from harness.backends.pool import close_backend

        close_backend()
    return 0
