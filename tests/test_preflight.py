"""Every user mistake in a cell's settings is one line, exit 2, before any engine starts (issue 13.2/13.3).

Each case goes through the real ``reaper run`` command line in a subprocess, offline, with a private
cache and runs folder: the assertion is on what a user sees (one stderr line naming the setting, no
traceback) and on what is left behind (no run directory, no summary).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_backend_openai import FaultServer

from harness.errors import ReaperError
from harness.run import preflight

REPO = Path(__file__).resolve().parents[1]


def reaper_run(tmp: Path, *overrides: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "REAPER_CACHE": str(tmp / "cache")}
    environ.pop("HYDRA_FULL_ERROR", None)
    command = [sys.executable, "-m", "harness.cli.main", "run", f"runs_dir={tmp / 'runs'}", "task.limit=2", *overrides]
    return subprocess.run(command, cwd=tmp, env={**environ, **(env or {})}, capture_output=True, text=True, timeout=300)


MISTAKES = [
    # (overrides, words the one line must hold)
    (["model=canned", "model.reasoning_parser=r1"], ["model.reasoning_parser", "'r1'", "deepseek_r1"]),
    (["model=canned", "method=srm", "method.params.consolidation=bogus"], ["method.params.consolidation", "vote"]),
    (["model=canned", "method=rpi", "method.params.continuation=sideways"], ["method.params.continuation", "raw"]),
    (["model=canned", "method=r2p", "method.params.checks=[budget,bogus]"], ["method.params.checks", "bogus"]),
    (["model=canned", "method=srm", "+method.params.bogus=1"], ["bogus"]),
    (["model=canned", "+method.params.bogus=1"], ["method.params.bogus"]),
    (["model=canned", "+model.bogus=1"], ["model.bogus", "reasoning_parser"]),
    (["model=canned", "model.engine.bogus=1"], ["model.engine.bogus"]),
    (["model=canned", "++model.engine.bogus=1"], ["model.engine for backend=canned", "bogus", "delay_s"]),
    (["model=canned", "++model.engine.delay_s=slow"], ["model.engine for backend=canned", "delay_s"]),
    (["model=openai_o4_mini", "+model.engine.max_tokens_param=x"], ["backend=openai", "max_completion_tokens"]),
    (["model=canned", "method=rpi", "method.params.segmnt_tokens=3"], ["method.params.segmnt_tokens"]),
    (["model=qwen3_0_6b_think"], ["model.path", "Qwen/Qwen3-0.6B", "hf download Qwen/Qwen3-0.6B"]),
    (["model=smollm2_hf", "model.path=Qwen/Qwen3-0.6B"], ["model.path", "hf download Qwen/Qwen3-0.6B"]),
    (["model=canned", "retriever=contriever"], ["retriever.model", "hf download facebook/contriever"]),
    (["model=smollm2_hf", "model.path=./no/such/model"], ["model.path", "./no/such/model"]),
    (["model=canned", "data.root=./no-root"], ["LaMP_4", "reaper data fetch LaMP_4"]),
    (["model=canned", "task.questions=./missing.json"], ["task.questions", "missing.json"]),
    (["model=deepseek_reasoner", "method=rpi"], ["method=rpi", "chat-only", "continuation=chat"]),
    (["model=canned", "analyzer.divergent_thinking.drift_shar=0.4"], ["analyzer.divergent_thinking.drift_shar"]),
    (["model=canned", "+analyzer.retrieval_misuse.bogus=1"], ["analyzer.retrieval_misuse.bogus", "copy_rouge_l"]),
    (["model=canned", "analyzer.format_misalignment.long_ratio=long"], ["analyzer.format_misalignment.long_ratio"]),
    (["model=canned", "analyzer=bogus"], ["analyzer/bogus", "conservative", "lexical"]),
    (["model=canned", "analyzer.divergent_thinking.similarity=lexcal"], ["similarity='lexcal'", "embedding, lexical"]),
    (["model=canned", "analyzer.names=[format_misalignment,bogus]"], ["unknown analyzer 'bogus'", "retrieval_misuse"]),
    (
        ["model=canned", "+analyzer.plugins.format_misalignment.bogus=1"],
        ["analyzer.plugins.format_misalignment", "analyzer.format_misalignment.<key>"],
    ),
]


@pytest.mark.parametrize(("overrides", "words"), MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES])
def test_each_mistake_is_one_line_and_exit_2_before_any_engine(
    tmp_path: Path, overrides: list[str], words: list[str]
) -> None:
    result = reaper_run(tmp_path, *overrides)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reaper: error: ")
    assert "Traceback" not in result.stderr + result.stdout
    assert "loading" not in result.stderr  # no engine (not even an HTTP client) was built
    for word in words:
        assert word in lines[0], lines[0]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_hub_model_in_the_local_cache_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repo whose config.json is in the cache is accepted offline; any other is refused."""
    snapshot = tmp_path / "models--org--tiny" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--org--tiny" / "refs").mkdir()
    (tmp_path / "models--org--tiny" / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(preflight, "hub_cache_dir", lambda: str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    preflight.check_hub_model("model.path", "org/tiny", None)
    with pytest.raises(ReaperError, match="model.path='org/other' is not in the local Hugging Face cache"):
        preflight.check_hub_model("model.path", "org/other", None)


def test_an_unreachable_hub_fails_in_seconds_when_not_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight, "hub_cache_dir", lambda: str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(preflight, "hub_unreachable", lambda: "ConnectError from https://huggingface.co")
    with pytest.raises(ReaperError, match="hub is unreachable .*hf download org/x"):
        preflight.check_hub_model("retriever.model", "org/x", None)


def test_o4_mini_preset_sends_max_completion_tokens(tmp_path: Path) -> None:
    """The preset's engine.max_completion_tokens reaches the wire (a real HTTP server records the body)."""
    server = FaultServer()
    try:
        result = reaper_run(
            tmp_path, "model=openai_o4_mini", f"model.api.base_url={server.base_url}", "model.api.api_key_env=null",
            "retriever=none", "task.limit=1", "analyze=false",
        )  # fmt: skip
    finally:
        server.close()
    assert result.returncode == 0, result.stderr
    assert server.bodies, "no request reached the server"
    body = server.bodies[0]
    assert body["max_completion_tokens"] == 8192 and "max_tokens" not in body
    assert body["model"] == "o4-mini"


def test_the_hub_is_probed_once_per_endpoint_however_many_cells_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    calls: list[str] = []

    def refuse(url: str, timeout: float) -> None:
        calls.append(url)
        raise httpx.ConnectError("refused")

    monkeypatch.setattr(httpx, "head", refuse)
    preflight.probe.cache_clear()
    answers = [preflight.probe("http://hub.invalid/") for _ in range(5)] + [preflight.probe("http://other.invalid/")]
    preflight.probe.cache_clear()
    assert (
        answers[:5] == ["ConnectError from http://hub.invalid/"] * 5
        and answers[5] == "ConnectError from http://other.invalid/"
    )
    assert calls == ["http://hub.invalid/", "http://other.invalid/"]
