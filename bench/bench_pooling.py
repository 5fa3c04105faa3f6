"""Generation time of a 3-task x 2-retriever grid on the embedded model: pooled vs cell by cell.

The same six cells (LaMP_2, LaMP_3, LaMP_4 x retriever none/bm25, the bundled questions) are
generated twice with one loaded engine: cell by cell (each cell's requests in their own engine
calls, as the basic launcher does) into one empty store, and pooled (harness.run.pooling, what
`reaper run -m` does by default) into another. Only generation is timed; the engine is loaded
before either pass. Prints both times, the ratio, and how many generations are equal.

    python bench/bench_pooling.py [model=smollm2] [task.limit=8]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hydra import compose, initialize_config_module  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from harness.config import RunConfig, register_configs  # noqa: E402
from harness.run.pipeline import prepare_cell  # noqa: E402
from harness.run.pooling import pregenerate  # noqa: E402

CELLS = [(t, r) for t in ("lamp2", "lamp3", "lamp4") for r in ("none", "bm25")]


def configs(cache: Path, extra: list[str]) -> list[RunConfig]:
    """The grid's cell configs, composed as `reaper run` composes them."""
    out = []
    with initialize_config_module(config_module="hydra_conf", version_base="1.3"):
        for task, retriever in CELLS:
            cfg = compose("config", [f"task={task}", f"retriever={retriever}", f"cache_dir={cache}", "analyze=false",
                                     *extra])  # fmt: skip
            out.append(OmegaConf.to_object(cfg))
    return out  # type: ignore[return-value]


def cell_by_cell(cfgs: list[RunConfig]) -> dict[str, Any]:
    """Each cell generates its own requests (the basic launcher's way)."""
    texts = {}
    for cfg in cfgs:
        cell = prepare_cell(cfg)
        gens = cell.method.run(cell.task, cell.dataset.examples, cell.prompts, cell.generator(None),
                               cfg.model.generation)  # fmt: skip
        texts[(cfg.task.name, cfg.retriever.name)] = [g.raw_text for g in gens]
    return texts


def stored(cfgs: list[RunConfig]) -> dict[str, Any]:
    """What the cells read back from the store after pooling (nothing is generated here)."""
    return cell_by_cell(cfgs)


def main(argv: list[str]) -> int:
    register_configs()
    extra = argv or ["model=smollm2", "task.limit=8"]
    with tempfile.TemporaryDirectory() as tmp:
        alone_cfgs = configs(Path(tmp) / "alone", extra)
        pooled_cfgs = configs(Path(tmp) / "pooled", extra)
        prepare_cell(alone_cfgs[0]).backend.real()  # type: ignore[attr-defined]  # engine start, not timed
        start = time.perf_counter()
        alone = cell_by_cell(alone_cfgs)
        t_alone = time.perf_counter() - start
        start = time.perf_counter()
        pregenerate(pooled_cfgs)
        t_pooled = time.perf_counter() - start
        back = stored(pooled_cfgs)
    pairs = [(a, b) for key in alone for a, b in zip(alone[key], back[key], strict=True)]
    n, equal = len(pairs), sum(a == b for a, b in pairs)
    print(f"{len(CELLS)} cells, {n} requests ({' '.join(extra)})")
    print(f"cell by cell: {t_alone:.1f} s   pooled: {t_pooled:.1f} s   pooled/cell-by-cell: {t_pooled / t_alone:.2f}")
    # greedy decoding may differ in the last digits between batch compositions on vLLM: counted, not required
    print(f"generations equal to cell-by-cell: {equal}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
