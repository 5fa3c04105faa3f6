"""Analysis results kept beside a run and reused while nothing they depend on has changed.

An analyzer's verdicts are a function of four things, and the key holds all four: its name, its
settings (every constructor parameter, defaults included, so a changed default is a new key), the
analysis code (the sources of ``harness.analyzers``, ``harness.text``, ``harness.embeddings``, the
analyzer's and the task's own modules, plus ``ANALYSIS_VERSION`` for anything else) and the content
it reads (each sample without its tags, the question input, the retrieved items and profile). So a
rerun or rescore of a finished cell does no analysis, and any change of input, threshold or rule
recomputes exactly the analyzers it concerns. A result that cannot be keyed (a setting that is not
plain data, e.g. an injected backend) is simply never found again: a miss, never a stale hit.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from functools import cache
from pathlib import Path
from typing import Any

from harness.analyzers.common import Context
from harness.io import write_json_atomic
from harness.types import Sample, Task

# Bump when analysis results change for a reason outside the hashed sources (a dependency's behaviour).
ANALYSIS_VERSION = 1
_ROOT = Path(__file__).resolve().parents[1]
_SHARED_SOURCES = (*sorted((_ROOT / "analyzers").glob("*.py")), _ROOT / "text.py", _ROOT / "embeddings.py")


def inputs_digest(samples: list[Sample], contexts: dict[str, Context]) -> str:
    """sha256 of everything an analyzer reads: samples (tags left out) and their contexts, in order."""
    digest = hashlib.sha256()
    for sample in samples:
        row = {k: v for k, v in vars(sample).items() if k not in ("tags", "extra")}
        c = contexts.get(sample.id)
        profile = None if c is None or c.profile is None else list(c.profile)  # a packed profile: its items
        ctx = None if c is None else [c.input, c.query, c.retrieved_items, profile, c.extra]
        digest.update(json.dumps([row, ctx], sort_keys=True, default=str).encode())
        digest.update(b"\n")
    return digest.hexdigest()


class AnalysisCache:
    """``analysis_cache.json`` of one run directory: per analyzer, its key and its per-sample results."""

    def __init__(self, path: Path, digest: str, task: Task) -> None:
        self.path, self.digest, self.task = path, digest, task
        self.entries: dict[str, Any] = {}
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                self.entries = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self.entries = {}  # unreadable: recompute, and rewrite it
        self.changed = False

    def key(self, name: str, analyzer: Any, settings: dict[str, Any]) -> str | None:
        """The analyzer's key for this run's content, or None when its settings are not plain data."""
        try:
            params = json.dumps(effective_settings(analyzer, settings), sort_keys=True)
        except (TypeError, ValueError):
            return None
        code = code_digest(_source_of(type(analyzer)), _source_of(type(self.task)))
        return hashlib.sha256(f"{name}\n{params}\n{code}\n{self.task.name}\n{self.digest}".encode()).hexdigest()

    def get(self, name: str, analyzer: Any, settings: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
        key = self.key(name, analyzer, settings)
        entry = self.entries.get(name)
        if key is None or not isinstance(entry, dict) or entry.get("key") != key:
            return None
        results = entry.get("results")
        return results if isinstance(results, dict) else None

    def put(self, name: str, analyzer: Any, settings: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
        key = self.key(name, analyzer, settings)
        if key is None:
            self.entries.pop(name, None)
        else:
            self.entries[name] = {"key": key, "results": results}
        self.changed = True

    def save(self) -> None:
        if self.changed:
            write_json_atomic(self.path, self.entries, durable=False)


def effective_settings(analyzer: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """Every constructor parameter of the analyzer with the value it was built with (defaults included)."""
    out: dict[str, Any] = {}
    for param in list(inspect.signature(type(analyzer).__init__).parameters.values())[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        out[param.name] = param.default if param.default is not param.empty else None
    out.update(settings)
    return out


def _source_of(cls: type) -> str:
    try:
        return inspect.getsourcefile(cls) or ""
    except TypeError:  # a built-in or dynamically made class: only the shared sources key it
        return ""


@cache
def code_digest(*sources: str) -> str:
    """sha256 of the analysis sources and of ``sources`` (the analyzer's and the task's own modules)."""
    digest = hashlib.sha256(f"version {ANALYSIS_VERSION}".encode())
    for path in dict.fromkeys([*_SHARED_SOURCES, *(Path(s) for s in sources if s)]):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(str(path).encode())
    return digest.hexdigest()
