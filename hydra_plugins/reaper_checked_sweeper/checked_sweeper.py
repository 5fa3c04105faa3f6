"""The default Hydra sweeper of ``reaper run -m``: every cell of the grid checked before any cell runs.

Hydra's basic sweeper composes each job's config before launching (so a config that does not
compose fails at once) but a mistake that only preflight sees — an unknown reasoning parser, a bad
method value, a hub model missing on an offline machine, a data file that is not there — would
surface only when its cell's turn came, after earlier cells had started their engines and run for
hours. This sweeper runs ``harness.run.preflight`` on every cell of each batch (the whole grid,
with the default batch size) before handing the batch to the launcher, whichever launcher that is
(in-process, pooled, joblib, submitit): each bad cell is one line within seconds. The good cells
then run; a bad cell fails at its own turn without starting anything and is recorded like any
failed cell (error.json, the closing report, a non-zero exit). When no cell passes, nothing is
launched: the grid ends with the lines and exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

from harness.errors import ReaperError, one_line
from harness.progress import note
from harness.run.grid import compose_cell


class CheckedSweeper(BasicSweeper):
    """The basic sweeper, plus the preflight of every cell of a batch before it is launched."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        super().validate_batch_is_legal(batch)  # Hydra's own check: every job's config composes
        assert self.hydra_context is not None and self.config is not None
        failed = 0
        for position, overrides in enumerate(batch):
            problem = preflight_problem(self, overrides)
            if problem is not None:
                failed += 1
                note(f"preflight: cell {position} ({' '.join(overrides) or 'defaults'}): {problem}")
        if failed and failed == len(batch):
            raise ReaperError(f"every cell of the grid failed its preflight ({failed} of {len(batch)}; lines above)")
        if failed:
            note(f"preflight: {failed} of {len(batch)} cells will fail (recorded when their turn comes); "
                 "the others run")  # fmt: skip


def preflight_problem(sweeper: BasicSweeper, overrides: Sequence[str]) -> str | None:
    """The one-line mistake of the cell with these overrides, or None when it passes."""
    from harness.backends.served_model import named_model
    from harness.run.preflight import preflight

    assert sweeper.hydra_context is not None and sweeper.config is not None
    try:
        cfg = compose_cell(sweeper.hydra_context, sweeper.config, overrides)
        preflight(replace(cfg, model=named_model(cfg.model)))
    except ReaperError as err:
        return one_line(err)
    except Exception:  # noqa: BLE001 - not a user mistake: the cell reports it (with its traceback) when it runs
        return None
    return None
