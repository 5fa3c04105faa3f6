"""Preflight: every user mistake a cell's config can hold, caught in one line before any engine starts.

A real grid starts a multi-minute engine per model; a misspelt parser, a bad method value or a hub
model that is not on this (offline) machine must fail in seconds, not after the engine loaded or
with a library traceback. ``preflight`` runs first in ``prepare_cell`` for every cell, and in a grid
the default sweeper (hydra_plugins/reaper_checked_sweeper) runs it on every cell before any cell
starts, under every launcher. Each check raises a ``ReaperError`` naming the setting and its fix;
the CLI prints it as one line and exits 2.

Checked here: the task name and its data files, the backend and reasoning parser, the method and
its parameter values, and that a hub model (generation, prompt budget tokenizer, dense retriever)
is in the local Hugging Face cache or reachable, and ``model.engine`` against its backend's
``engine_schema`` (a dataclass, or for vllm the installed vllm.LLM's keyword names). Misspelt keys
of the typed config bags fail earlier, at composition (harness.config).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import Any

from harness.backends.base import model_path
from harness.backends.reasoning_parsers import PARSERS
from harness.config import EngineKeywords, ModelConfig, RetrieverConfig, RunConfig, engine_settings
from harness.data.layout import resolve_sources
from harness.data.load import bundled_files
from harness.errors import ReaperError
from harness.registry import BACKENDS, METHODS, get_task
from harness.run.cell_checks import check_cell
from harness.types import Method

HUB_BACKENDS = ("vllm", "hf")  # backends that load model.path themselves (from the hub unless local)
HUB_PROBE_TIMEOUT_S = 5.0  # how long an online machine gets to show the hub is reachable


def preflight(cfg: RunConfig) -> Method:
    """Check the cell's settings without loading anything heavy; returns the constructed method."""
    check_cell(cfg)  # sizes and output folders
    task = get_task(cfg.task.name)
    sources = resolve_sources(
        task.name, cfg.task.questions, cfg.task.outputs, cfg.data.root, cfg.data.split, cfg.data.partition
    )
    if sources.questions is None:
        bundled_files(task)  # no file given: the task must have a bundled sample (LaMP_6 has none)
    check_model(cfg.model)
    check_retriever(cfg.retriever)
    engine = check_engine(cfg.model)
    method = make_method(cfg)
    check_capabilities(cfg.model, engine, method)
    if cfg.analyze:
        check_analyzers(cfg)
    return method


def check_analyzers(cfg: RunConfig) -> None:
    """The analyzers the run ends with, built now: an unknown name or a plugin's bad setting fails
    before generation, not after it (building one loads nothing: models load in ``analyze``)."""
    from harness.analyzers.run_analysis import build_analyzers, default_names

    config = cfg.analyzer.by_name()
    build_analyzers(cfg.analyzer.names or default_names(config), config)


def check_model(model: ModelConfig) -> None:
    """A known backend and parser, and the weights where the backend will look for them."""
    BACKENDS.get(model.backend)  # one line naming the known backends
    parser = str(getattr(model.reasoning_parser, "value", model.reasoning_parser))
    if parser not in PARSERS:
        raise ReaperError(f"model.reasoning_parser={parser!r} is not one of {', '.join(PARSERS)}")
    if model.backend in HUB_BACKENDS:
        check_hub_model("model.path", model_path(model), model.revision)


def check_retriever(retriever: RetrieverConfig) -> None:
    """A dense retriever's sentence-transformers model must be local or fetchable."""
    if retriever.name == "dense" and retriever.model:
        check_hub_model("retriever.model", retriever.model, None)


def make_method(cfg: RunConfig) -> Method:
    """The cell's method, built from its parameters: unknown names and values fail here."""
    factory = METHODS.get(cfg.method.name)
    try:
        return factory(**method_params(cfg.method.params))
    except ReaperError:
        raise
    except (TypeError, ValueError) as err:
        raise ReaperError(f"method={cfg.method.name}: bad method.params ({err})") from None


def check_engine(model: ModelConfig) -> Any | None:
    """``model.engine`` against the backend's engine schema, when it declares one (``engine_schema``).

    A dataclass types the whole bag (openai, canned, hf); an ``EngineKeywords`` checks the names of
    keys that pass through to a library (vllm.LLM) and returns nothing typed.
    """
    schema = getattr(BACKENDS.get(model.backend), "engine_schema", None)
    if isinstance(schema, EngineKeywords):
        schema.check(model.engine, model.backend)
        return None
    return engine_settings(schema, model.engine, model.backend) if isinstance(schema, type) else None


def check_capabilities(model: ModelConfig, engine: Any | None, method: Method) -> None:
    """A chat-only server (engine.completions=false) cannot continue raw prompts, which rpi needs.

    ``Method.check`` states the same rule against a built backend; asking it here would build one.
    """
    settings = getattr(method, "settings", None)
    needs_raw = bool(getattr(settings, "intervene", False)) and getattr(settings, "continuation", "auto") != "chat"
    if needs_raw and getattr(engine, "completions", True) is False:
        raise ReaperError(
            f"method={method.name} needs raw-prompt continuations, but model {model.name!r} is chat-only "
            "(model.engine.completions=false); use a server with /completions, or set "
            "method.params.continuation=chat if it continues a partial assistant message"
        )


def method_params(params: Any) -> dict[str, Any]:
    """The method's keyword arguments from its typed schema (a dataclass) or a plain mapping."""
    if dataclasses.is_dataclass(params) and not isinstance(params, type):
        return dataclasses.asdict(params)
    return dict(params or {})


def check_hub_model(setting: str, ref: str, revision: str | None) -> None:
    """``ref`` is an embedded name, an existing folder, a cached hub repo, or a hub the machine reaches.

    Offline (``HF_HUB_OFFLINE=1``), a repo that is not in the local cache fails now with the command
    that fetches it; online, the hub must answer within a few seconds (else the same line), so an
    unplugged machine does not wait for a library's retries and then print its traceback.
    """
    if ref.startswith("embedded:"):
        return
    if ref.startswith(("/", ".", "~")) or Path(ref).expanduser().exists():
        if not Path(ref).expanduser().exists():
            raise ReaperError(f"{setting}={ref!r} does not exist; give an existing model folder or a hub id")
        return
    if in_hub_cache(ref, revision):
        return
    fetch = f"fetch it on a machine with network: hf download {ref}{f' --revision {revision}' if revision else ''}"
    if hub_offline():
        raise ReaperError(
            f"{setting}={ref!r} is not in the local Hugging Face cache ({hub_cache_dir()}) and HF_HUB_OFFLINE=1; "
            f"{fetch} (copy the cache over, or set {setting} to a local folder)"
        )
    problem = hub_unreachable()
    if problem:
        raise ReaperError(
            f"{setting}={ref!r} is not in the local Hugging Face cache and the hub is unreachable ({problem}); {fetch}"
        )


def in_hub_cache(repo: str, revision: str | None) -> bool:
    """Whether the repo's config.json is in the local cache (what every loader reads first)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo, "config.json", cache_dir=hub_cache_dir(), revision=revision)
    except Exception:  # noqa: BLE001 - a malformed repo id is simply not cached
        return False
    return isinstance(found, str)


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def hub_cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def hub_unreachable() -> str | None:
    """Why the hub cannot be reached (None when it answers at all)."""
    from huggingface_hub import constants

    return probe(constants.ENDPOINT)


@functools.cache
def probe(endpoint: str) -> str | None:
    """One probe per endpoint and process: a grid's preflight checks every cell, and an unreachable
    hub would otherwise cost its timeout once per cell before the first cell runs."""
    import httpx

    try:
        httpx.head(endpoint, timeout=HUB_PROBE_TIMEOUT_S)
    except httpx.HTTPError as err:
        return f"{type(err).__name__} from {endpoint}"
    return None
