"""Hydra submitit launchers that submit one job per model, not one per cell (``hydra/launcher=reaper_slurm``).

hydra-submitit-launcher makes every grid cell its own job, so every job starts its own engine: an
M-model grid of C cells per model would pay M x C engine starts on the cluster. These launchers
group the cells by their model overrides (every ``model=…`` / ``model.…=…`` of the cell) and submit
one job per group; the job runs its cells one after the other in one process, exactly as the
in-process launcher does, so the model is loaded once per job. Each cell keeps its own Hydra job
folder (``hydra.sweep.dir/<n>``) and records its outcome there (harness.run.grid), so the closing
counters and failed cells are reported as for any launcher. The jobs share the generation store and
caches through ``$REAPER_CACHE`` (on a shared filesystem for SLURM).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra_plugins.hydra_submitit_launcher.submitit_launcher import LocalLauncher, SlurmLauncher


def model_key(overrides: Sequence[str]) -> str:
    """The overrides of a cell that choose or change its model: cells with the same ones share a job."""
    chosen = []
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        if key == "model" or key.startswith("model."):
            chosen.append(override)
    return json.dumps(sorted(chosen))


class _OneJobPerModel:
    """Mixed into a submitit launcher: ``launch`` submits one job per model, ``__call__`` runs its cells."""

    _jobs: list[list[tuple[int, list[str]]]]

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        groups: dict[str, list[tuple[int, list[str]]]] = {}
        for position, overrides in enumerate(job_overrides):
            groups.setdefault(model_key(overrides), []).append((initial_job_idx + position, list(overrides)))
        self._jobs = list(groups.values())  # pickled with the launcher into every job: job n runs _jobs[n]
        leaders = [cells[0][1] for cells in self._jobs]
        return super().launch(leaders, 0)  # type: ignore[misc]  # one JobReturn per job; the sweeper checks each

    def __call__(
        self, sweep_overrides: list[str], job_dir_key: str, job_num: int, job_id: str, singleton_state: dict[Any, Any]
    ) -> JobReturn:
        run_cell = super().__call__  # type: ignore[misc]
        returns = [  # each cell gets its own job number, job folder and record
            run_cell(overrides, job_dir_key, cell_num, job_id, singleton_state)
            for cell_num, overrides in self._jobs[job_num]
        ]
        failed = [r for r in returns if r.status != JobStatus.COMPLETED]
        return failed[0] if failed else returns[-1]


class ModelJobsSlurmLauncher(_OneJobPerModel, SlurmLauncher):
    """SLURM: one job per model of the grid."""


class ModelJobsLocalLauncher(_OneJobPerModel, LocalLauncher):
    """Local processes (submitit_local): the same grouping, for tests and single machines."""
