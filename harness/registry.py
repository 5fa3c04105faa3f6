"""Name -> plugin registries with lazy imports, entry-point discovery and protocol checks.

Built-in plugins are listed by module path and imported only when selected, so choosing
``retriever=bm25`` never imports torch. External packages add plugins through the entry-point
groups ``reaper.tasks``, ``reaper.retrievers``, ``reaper.backends``, ``reaper.methods`` and
``reaper.analyzers``; an entry point names a class or factory (``pkg:Class``) or a module whose
import registers the plugin through the ``register`` decorator.

Precedence: there is none to learn, because names are unique. A built-in's name (for tasks, any
spelling of it: ``lamp4`` is ``LaMP_4``) is reserved, and two installed plugins with one name are
an error too; both are one-line errors naming the entry points, raised the first time the
registry is asked for any name. Every plugin is checked against its protocol in
``harness.types`` when it is loaded: a missing member is one line naming the plugin and the member.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from functools import lru_cache
from importlib.metadata import (
    EntryPoint,
    EntryPoints,
    PackageNotFoundError,
    entry_points,
    packages_distributions,
    version,
)
from types import ModuleType
from typing import Any

from harness.analyzers import BUILTINS as ANALYZER_MODULES
from harness.errors import ReaperError
from harness.types import PROTOCOLS, protocol_members


class UnknownPluginError(ReaperError, LookupError):
    """A name that no built-in module, decorator or entry point provides."""


class PluginError(ReaperError):
    """A plugin that cannot be used: a duplicate name, or a missing member of its protocol."""


def missing_members(plugin: object, kind: str) -> list[str]:
    """The protocol members a plugin class (or instance) does not declare: assigned or annotated, inherited too."""
    declared = set(dir(plugin))
    for klass in (plugin if isinstance(plugin, type) else type(plugin)).__mro__:
        declared |= set(vars(klass).get("__annotations__", {}))
    return [m for m in protocol_members(PROTOCOLS[kind]) if m not in declared]


def check_protocol(plugin: object, kind: str, name: str, origin: str) -> None:
    """Raise PluginError naming the plugin and every member of its protocol it lacks.

    A class is checked as it is (members set in ``__init__`` are declared by annotation); a factory
    function is checked on the instance it returns (``Registry.get`` wraps it).
    """
    missing = missing_members(plugin, kind)
    if missing:
        protocol = PROTOCOLS[kind].__name__
        raise PluginError(
            f"{kind} plugin {name!r} ({origin}) does not implement the {protocol} protocol of harness.types: "
            f"missing {', '.join(missing)}"
        )


def _installed_entry_points(group: str) -> EntryPoints:
    """The installed entry points of a group, read once per import path (reading metadata is not free)."""
    return _entry_points_on(tuple(sys.path), group)


@lru_cache(maxsize=16)
def _entry_points_on(path: tuple[str, ...], group: str) -> EntryPoints:
    return entry_points(group=group)


def describe(ep: EntryPoint) -> str:
    """How an error names an entry point: ``name = module:attr`` and its distribution."""
    dist = f", package {ep.dist.name} {ep.dist.version}" if ep.dist is not None else ""
    return f"entry point {ep.name} = {ep.value}{dist}"


class Registry:
    """One kind of plugin: a factory per name, filled by decorators, built-in modules and entry points."""

    def __init__(self, kind: str, builtins: dict[str, str], normalize: Callable[[str], str] = str) -> None:
        self.kind = kind
        self._builtins = builtins  # name -> module that registers it when imported
        self._normalize = normalize  # accepted spellings -> the registered name
        self._factories: dict[str, Callable[..., Any]] = {}
        self._entry_points: dict[str, EntryPoint] | None = None

    def register(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: register a class or factory under ``name`` (checked against the protocol)."""

        def decorate(factory: Callable[..., Any]) -> Callable[..., Any]:
            self._add(name, factory, f"registered in {factory.__module__}")
            return factory

        return decorate

    def get(self, name: str) -> Callable[..., Any]:
        """The factory registered under ``name`` (any accepted spelling), importing its module on first use."""
        name = self._normalize(name)
        installed = self._discover()  # a duplicate name fails whichever name is asked
        if name not in self._factories and name in self._builtins:
            importlib.import_module(self._builtins[name])
        if name not in self._factories and name in installed:
            self._load(installed[name])
        if name not in self._factories:
            known = ", ".join(self.names())
            raise UnknownPluginError(f"unknown {self.kind} {name!r}; known: {known}")
        return self._checked(name, self._factories[name])

    def names(self) -> list[str]:
        """Every name available, built-in or installed (installed plugins are not imported)."""
        return sorted(set(self._builtins) | set(self._factories) | set(self._discover()))

    def package(self, name: str) -> dict[str, str | None]:
        """The distribution that provides ``name`` and its version (recorded in spec.json)."""
        name = self._normalize(name)
        ep = self._discover().get(name)
        if ep is not None and ep.dist is not None:
            return {"package": ep.dist.name, "version": ep.dist.version}
        factory = self._factories.get(name)
        module = self._builtins.get(name) or (factory.__module__ if factory is not None else "")
        return _package_of(module)

    def _add(self, name: str, factory: Callable[..., Any], origin: str) -> None:
        owner = self._builtins.get(self._normalize(name))
        if owner is not None and factory.__module__ != owner:
            raise PluginError(f"{self.kind} plugin {name!r} ({origin}) has the name of a built-in {self.kind}; "
                              "rename it")  # fmt: skip
        held = self._factories.get(name)
        if held is not None and _qualified(held) != _qualified(factory):
            raise PluginError(f"{self.kind} {name!r} is registered twice: by {_qualified(held)} and by "
                              f"{_qualified(factory)} ({origin}); rename one")  # fmt: skip
        if isinstance(factory, type):
            check_protocol(factory, self.kind, name, origin)
        self._factories[name] = factory

    def _checked(self, name: str, factory: Callable[..., Any]) -> Callable[..., Any]:
        """Classes are checked when registered; a factory function is checked on what it builds."""
        if isinstance(factory, type):
            return factory

        def build(*args: Any, **kwargs: Any) -> Any:
            plugin = factory(*args, **kwargs)
            check_protocol(plugin, self.kind, name, f"built by {_qualified(factory)}")
            return plugin

        return build

    def _discover(self) -> dict[str, EntryPoint]:
        """The installed plugins' entry points by name (not imported); duplicates are errors."""
        if self._entry_points is None:
            found: dict[str, EntryPoint] = {}
            for ep in _installed_entry_points(f"reaper.{self.kind}s"):
                name = self._normalize(ep.name)
                if name in self._builtins:
                    raise PluginError(f"{self.kind} plugin {ep.name!r} ({describe(ep)}) has the name of the built-in "
                                      f"{self.kind} {name!r}; rename the entry point")  # fmt: skip
                other = found.get(name)
                if other is not None and other.value != ep.value:
                    raise PluginError(f"two installed {self.kind} plugins are named {name!r}: {describe(other)} "
                                      f"and {describe(ep)}; uninstall or rename one")  # fmt: skip
                found[name] = ep
            self._entry_points = found
        return self._entry_points

    def _load(self, ep: EntryPoint) -> None:
        name = self._normalize(ep.name)
        try:
            loaded = ep.load()
        except Exception as err:  # noqa: BLE001 - a broken plugin is the plugin's error, said in one line
            raise PluginError(f"{self.kind} plugin {name!r} ({describe(ep)}) cannot be imported: "
                              f"{type(err).__name__}: {err}") from None  # fmt: skip
        if isinstance(loaded, ModuleType):  # importing it registered the plugin through the decorator
            if name not in self._factories:
                raise PluginError(f"{self.kind} plugin {name!r} ({describe(ep)}): the module registers no "
                                  f"{self.kind} named {name!r}")  # fmt: skip
            return
        if not callable(loaded):
            raise PluginError(
                f"{self.kind} plugin {name!r} ({describe(ep)}) is neither a class, a factory nor a module"
            )
        self._add(name, loaded, describe(ep))


def _qualified(factory: Callable[..., Any]) -> str:
    return f"{factory.__module__}:{getattr(factory, '__qualname__', repr(factory))}"


def _package_of(module: str) -> dict[str, str | None]:
    """The distribution that installs a module's top-level package (None when it is not installed)."""
    top = module.split(".")[0]
    dists = _distributions().get(top) or []
    if not dists:
        return {"package": None, "version": None}
    try:
        return {"package": dists[0], "version": version(dists[0])}
    except PackageNotFoundError:
        return {"package": dists[0], "version": None}


@lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    """Top-level module -> the distributions that install it (scans every installed package once)."""
    return dict(packages_distributions())


def task_name(name: str) -> str:
    """Accept LaMP_N, LaMP-N, lampN and lamp_N; other names pass through unchanged."""
    lowered = name.lower().replace("-", "_")
    if lowered.startswith("lamp"):
        digits = lowered[4:].lstrip("_")
        if digits.isdigit():
            return f"LaMP_{int(digits)}"
    return name


TASKS = Registry(
    "task",
    {f"LaMP_{n}": f"tasks.lamp_{n}" for n in range(1, 8)},
    normalize=task_name,
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


def get_task(name: str) -> Any:
    """A task instance by any accepted spelling of its name."""
    return TASKS.get(name)()
