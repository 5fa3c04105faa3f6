"""Keeps the loaded model between grid cells, so a grid loads each model once, not once per cell.

Only one model is held at a time (GPU memory): asking for another closes the current one. The
sweep presets order the model as the outermost grid axis, so each model is loaded exactly once.
Loading is lazy: a cell whose generations are all in the store never starts the engine, which is
what makes a rerun of a finished grid take seconds instead of an engine start per model.
"""

from __future__ import annotations

import atexit
import json
from dataclasses import asdict
from typing import Any

from harness.backends.base import model_identity, model_path
from harness.config import GenerationConfig, ModelConfig
from harness.registry import BACKENDS
from harness.types import Backend, Generation, Request

LOAD_COUNT = {"loads": 0}
_current: dict[str, tuple[str, LazyBackend]] = {}


class LazyBackend:
    """A backend that builds the real one on first use (generate or any attribute it lacks)."""

    def __init__(self, model: ModelConfig) -> None:
        self.model = model
        self.name = model.backend
        self.model_id = model_identity(model)
        self._factory = BACKENDS.get(model.backend)  # fails fast on an unknown backend name
        _check_local_path(model)
        self._real: Backend | None = None

    @property
    def loaded(self) -> bool:
        return self._real is not None

    def real(self) -> Backend:
        """The loaded backend (loading it now if needed)."""
        if self._real is None:
            from harness.progress import note

            note(f"loading {self.model_id}")
            self._real = self._factory(self.model)
            LOAD_COUNT["loads"] += 1
        self._real.model = self.model  # type: ignore[attr-defined,union-attr,misc]
        return self._real

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        return self.real().generate(requests, gen)

    def close(self) -> None:
        if self._real is not None:
            self._real.close()
            self._real = None

    @property
    def tokenizer(self) -> Any | None:
        return self._declared("tokenizer")

    @property
    def supports_raw_prompt(self) -> bool:
        return bool(self._declared("supports_raw_prompt"))

    @property
    def supports_continue_final_message(self) -> bool:
        return bool(self._declared("supports_continue_final_message"))

    def _declared(self, member: str) -> Any:
        """A capability of the Backend protocol: the class's value needs no load; one set per config does."""
        if self._real is None:
            for klass in self._factory.__mro__ if isinstance(self._factory, type) else ():
                if member in vars(klass):
                    return vars(klass)[member]
        return getattr(self.real(), member)  # declared (the registry checked it), set when the backend is built


def _check_local_path(model: ModelConfig) -> None:
    """A local model path that does not exist fails before any retrieval or output, in one line."""
    if model.backend in ("vllm", "hf"):
        from harness.backends.embedded_model import check_local_path

        check_local_path(model_path(model))


def load_key(model: ModelConfig) -> str:
    """What makes two configs the same loaded model: backend, path, revision and engine args."""
    fields = {k: v for k, v in asdict(model).items() if k in ("backend", "path", "revision", "engine", "api")}
    return json.dumps(fields, sort_keys=True, default=str)


def get_backend(model: ModelConfig) -> LazyBackend:
    """The backend for ``model``, reusing the held one when the identity and engine match."""
    key = load_key(model)
    held = _current.get("backend")
    if held and held[0] == key:
        held[1].model = model  # sampling-level settings (parser, prompted reasoning) may differ per cell
        return held[1]
    close_backend()
    backend = LazyBackend(model)
    _current["backend"] = (key, backend)
    return backend


def close_backend() -> None:
    """Shut the held model down cleanly (vLLM engine processes included)."""
    held = _current.pop("backend", None)
    if held:
        held[1].close()


atexit.register(close_backend)
