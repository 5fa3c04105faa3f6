"""Typed config nodes of the built-in analyzers, derived from their constructors.

An analyzer's thresholds are its constructor's keyword arguments, and their defaults are written
there only. Each node here is a dataclass made from that signature (same names, types and
defaults), so ``analyzer.divergent_thinking.drift_share=0.4`` is checked by Hydra at composition
and a misspelt key fails before anything runs, while a new constructor parameter is a new config
key with no second place to edit. A parameter that is not plain data (llm_judge's injected
``backend``) is no config key. The nodes are module attributes, so a pickled config (joblib and
submitit workers) finds its classes again.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Sequence
from typing import Any

from harness.analyzers.divergent_thinking import DivergentThinking
from harness.analyzers.format_misalignment import FormatMisalignment
from harness.analyzers.llm_judge import LLMJudge
from harness.analyzers.retrieval_misuse import RetrievalMisuse

ANALYZER_CLASSES: dict[str, type] = {
    "divergent_thinking": DivergentThinking,
    "format_misalignment": FormatMisalignment,
    "retrieval_misuse": RetrievalMisuse,
    "llm_judge": LLMJudge,
}
_PLAIN = (int, float, str, bool)


def config_type(hint: Any) -> Any | None:
    """The OmegaConf type of a constructor parameter's hint, or None when it is not plain data.

    A tuple or sequence becomes a list (YAML has lists), a union of them one list type, and
    ``X | None`` an Optional; anything else (a backend, a callable) is left out of the node.
    """
    if hint is Any or hint in _PLAIN:
        return hint
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        optional = type(None) in args
        kinds = {config_type(a) for a in args if a is not type(None)}
        kinds_list = [k for k in kinds if k is not None]
        if len(kinds) != 1 or not kinds_list:
            return None
        return typing.Optional[kinds_list[0]] if optional else kinds_list[0]  # noqa: UP045 - a runtime type
    if isinstance(origin, type) and issubclass(origin, Sequence) and origin is not str:
        item = config_type(args[0]) if args else Any
        return list[item] if item is not None else None  # type: ignore[valid-type]
    if origin is dict and args and args[0] is str:
        value = config_type(args[1])
        return dict[str, value] if value is not None else None  # type: ignore[valid-type]
    return None


def settings_node(name: str, cls: type) -> type:
    """A dataclass with one field per plain-data keyword argument of ``cls``, defaults included."""
    init = cls.__init__  # type: ignore[misc]
    hints = typing.get_type_hints(init)
    fields: list[tuple[str, Any, Any]] = []
    docs: dict[str, str] = {}
    for param in list(inspect.signature(init).parameters.values())[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        kind = config_type(hints.get(param.name, Any))
        if kind is None:
            continue
        default = param.default
        if default is param.empty:
            spec = dataclasses.field()
        elif isinstance(default, (list, tuple, dict)):
            spec = dataclasses.field(default_factory=_copier(default))
        else:
            spec = dataclasses.field(default=default)
        fields.append((param.name, kind, spec))
        docs[param.name] = f"{cls.__name__}({param.name}=…): default {_shown(default)} (docs/failure_modes.md)."
    node = dataclasses.make_dataclass(f"{cls.__name__}Settings", fields)
    node.__module__ = __name__
    node.__doc__ = f"Settings of the {name} analyzer: the keyword arguments of {cls.__module__}.{cls.__name__}."
    node.__field_docs__ = docs  # type: ignore[attr-defined]  # harness.schema_docs reads them
    return node


def _copier(default: list[Any] | tuple[Any, ...] | dict[str, Any]) -> Any:
    return (lambda: dict(default)) if isinstance(default, dict) else (lambda: list(default))


def _shown(default: Any) -> str:
    if default is inspect.Parameter.empty:
        return "none (required)"
    text = repr(list(default) if isinstance(default, tuple) else default)
    return text if len(text) <= 60 else text[:57] + "…"


SETTINGS: dict[str, type] = {name: settings_node(name, cls) for name, cls in ANALYZER_CLASSES.items()}
globals().update({node.__name__: node for node in SETTINGS.values()})  # importable by name, for pickle
