"""The default Hydra launcher of ``reaper run -m``: in-process, with one pooled generation per model.

Hydra's basic launcher runs a sweep's cells one after the other in this process (which is what lets
the model pool and the retrieval memo serve the whole grid). This launcher does the same, but first
hands every cell's config to harness.run.pooling, which submits the requests of all poolable cells
of a model to the engine together. ``hydra/launcher=basic`` turns pooling off; joblib and submitit
launchers are unchanged (each of their jobs generates its own cells).
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra._internal.core_plugins.basic_launcher import BasicLauncher
from hydra.core.utils import JobReturn

from harness.config import RunConfig
from harness.run.grid import compose_cell


class PooledLauncher(BasicLauncher):
    """The basic launcher, preceded by one pooled pre-generation over all the cells it is given."""

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from harness.run.pooling import pregenerate

        if len(job_overrides) > 1:
            pregenerate([c for c in (self._cell_config(o) for o in job_overrides) if c is not None])
        return super().launch(job_overrides, initial_job_idx)

    def _cell_config(self, overrides: Sequence[str]) -> RunConfig | None:
        """The RunConfig the cell will run with, or None when it does not compose (it reports why)."""
        assert self.hydra_context is not None and self.config is not None
        try:
            return compose_cell(self.hydra_context, self.config, overrides)
        except Exception:  # noqa: BLE001 - the cell itself fails with its one-line error
            return None
