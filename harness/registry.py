"""Name -> plugin registries with lazy imports and entry-point discovery.

Built-in plugins are listed by module path and imported only when selected, so choosing
``retriever=bm25`` never imports torch. External packages add plugins through the entry-point
groups ``reaper.tasks``, ``reaper.retrievers``, ``reaper.backends``, ``reaper.methods`` and
``reaper.analyzers``; an entry point names a module (importing it registers the plugin through
the decorator) or a callable/class directly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from harness.analyzers import BUILTINS as ANALYZER_MODULES
from harness.errors import ReaperError


class UnknownPluginError(ReaperError, LookupError):
    """A name that no built-in module, decorator or entry point provides."""


class Registry:
    """One kind of plugin: a factory per name, filled by decorators, built-in modules and entry points."""

    def __init__(self, kind: str, builtins: dict[str, str]) -> None:
        self.kind = kind
        self._builtins = builtins  # name -> module that registers it when imported
        self._factories: dict[str, Callable[..., Any]] = {}
        self._entry_points_loaded = False

    def register(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: register a class or factory under ``name``."""

        def decorate(factory: Callable[..., Any]) -> Callable[..., Any]:
            self._factories[name] = factory
            return factory

        return decorate

    def get(self, name: str) -> Callable[..., Any]:
        """The factory registered under ``name``, importing its module on first use."""
        if name not in self._factories and name in self._builtins:
            importlib.import_module(self._builtins[name])
        if name not in self._factories:
            self._load_entry_points()
        if name not in self._factories:
            known = ", ".join(sorted(self.names()))
            raise UnknownPluginError(f"unknown {self.kind} {name!r}; known: {known}")
        return self._factories[name]

    def names(self) -> list[str]:
        """Every name available, built-in or installed."""
        self._load_entry_points()
        return sorted(set(self._builtins) | set(self._factories))

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=f"reaper.{self.kind}s"):
            loaded = ep.load()
            if callable(loaded) and ep.name not in self._factories:
                self._factories[ep.name] = loaded


TASKS = Registry(
    "task",
    {f"LaMP_{n}": f"tasks.lamp_{n}" for n in range(1, 8)},
)
RETRIEVERS = Registry(
    "retriever",
    {name: f"retrievers.{name}" for name in ("none", "bm25", "dense", "recency", "random")},
)
BACKENDS = Registry(
    "backend",
    {
        "vllm": "harness.backends.vllm_backend",
        "openai": "harness.backends.openai_backend",
        "hf": "harness.backends.hf_backend",
        "canned": "harness.backends.canned",
    },
)
METHODS = Registry(
    "method",
    {
        "direct": "harness.methods.direct",
        **{
            n: "harness.methods.r2p"
            for n in ("cot", "hrt", "rpi", "srm", "r2p", "r2p_no_hrt", "r2p_no_rpi", "r2p_no_srm")
        },
    },
)
ANALYZERS = Registry("analyzer", ANALYZER_MODULES)


def task_name(name: str) -> str:
    """Accept LaMP_N, LaMP-N, lampN and lamp_N; other names pass through unchanged."""
    lowered = name.lower().replace("-", "_")
    if lowered.startswith("lamp"):
        digits = lowered[4:].lstrip("_")
        if digits.isdigit():
            return f"LaMP_{int(digits)}"
    return name


def get_task(name: str) -> Any:
    """A task instance by any accepted spelling of its name."""
    return TASKS.get(task_name(name))()
