"""Keeps the loaded model between grid cells, so a grid loads each model once, not once per cell.

Only one model is held at a time (GPU memory): asking for another closes the current one. The
sweep presets order the model as the outermost grid axis, so each model is loaded exactly once.
"""

from __future__ import annotations

import atexit
import json
from dataclasses import asdict

from harness.config import ModelConfig
from harness.registry import BACKENDS
from harness.types import Backend

LOAD_COUNT = {"loads": 0}
_current: dict[str, tuple[str, Backend]] = {}


def _load_key(model: ModelConfig) -> str:
    """What makes two configs the same loaded model: backend, path, revision and engine args."""
    fields = {k: v for k, v in asdict(model).items() if k in ("backend", "path", "revision", "engine", "api")}
    return json.dumps(fields, sort_keys=True, default=str)


def get_backend(model: ModelConfig) -> Backend:
    """The backend for ``model``, reusing the loaded one when the identity and engine match."""
    key = _load_key(model)
    held = _current.get("backend")
    if held and held[0] == key:
        backend = held[1]
        backend.model = model  # sampling-level settings (parser, prompted reasoning) may differ per cell
        return backend
    close_backend()
    backend = BACKENDS.get(model.backend)(model)
    LOAD_COUNT["loads"] += 1
    _current["backend"] = (key, backend)
    return backend


def close_backend() -> None:
    """Shut the held model down cleanly (vLLM engine processes included)."""
    held = _current.pop("backend", None)
    if held:
        held[1].close()


atexit.register(close_backend)
