"""What `reaper run` writes is safe: no password from the base URL anywhere, no path outside runs_dir,
and bad sizes, folders and torn records are one line and a non-zero exit (issue 13.9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from harness.safe import path_component, public_url

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "hunter2-pw-7f3a"


def reaper(tmp: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "REAPER_CACHE": str(tmp / "cache"), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "harness.cli.main", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def reaper_run(tmp: Path, *overrides: str) -> subprocess.CompletedProcess:
    return reaper(tmp, "run", f"runs_dir={tmp / 'runs'}", f"hydra.sweep.dir={tmp / 'sweep'}", *overrides)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The failure is exactly one `reaper: error:` line on stderr, without a traceback."""
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("reaper: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


class ChatServer:
    """A 127.0.0.1 OpenAI-compatible chat endpoint answering "comedy"; records each Authorization header."""

    def __init__(self) -> None:
        self.auth: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.auth.append(self.headers.get("Authorization"))
                reply = {"choices": [{"message": {"content": "comedy"}, "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 5, "completion_tokens": 1}}  # fmt: skip
                body = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()


@pytest.fixture()
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    yield server
    server.httpd.shutdown()


def files_holding(root: Path, needle: str) -> list[Path]:
    """Every file under root whose bytes or name contain needle (SQLite pages included)."""
    found = []
    for path in root.rglob("*"):
        if needle in path.name or (path.is_file() and needle.encode() in path.read_bytes()):
            found.append(path)
    return found


def test_base_url_password_is_sent_but_never_written(tmp_path: Path, chat_server: ChatServer) -> None:
    url = f"http://alice:{PASSWORD}@127.0.0.1:{chat_server.port}/v1"
    result = reaper_run(tmp_path, "model=vllm_server", "model.path=served-model", f"model.api.base_url={url}", "task=lamp2", "task.limit=2",
                        "retriever=none", "model.api.max_retries=0", f"cache_dir={tmp_path / 'cache'}")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert chat_server.auth and all(a and a.startswith("Basic ") for a in chat_server.auth)  # the server got them
    (run,) = (tmp_path / "runs").iterdir()
    written = {p.name for p in run.iterdir()}
    assert {"spec.json", "generations.jsonl", "samples.jsonl", "summary.json"} <= written
    assert list((tmp_path / "cache" / "generations").glob("*.sqlite"))
    assert files_holding(tmp_path, PASSWORD) == []
    assert files_holding(tmp_path, "alice") == []
    assert PASSWORD not in result.stderr + result.stdout
    spec = json.loads((run / "spec.json").read_text())
    assert spec["config"]["model"]["api"]["base_url"] == f"http://127.0.0.1:{chat_server.port}/v1"


def test_public_url_strips_only_the_user_info() -> None:
    assert public_url("http://u:p@h:8/v1?x=1#f") == "http://h:8/v1?x=1#f"
    assert public_url("https://token@[::1]:9/v1") == "https://[::1]:9/v1"
    assert public_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"
    assert public_url("served-model") == "served-model"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("/../../x", "x"),
        ("..", "_"),
        ("a/b\\c", "a-b-c"),
        (".hidden", "hidden"),
        ("qwen3-8b_think.v2", "qwen3-8b_think.v2"),
    ],
)
def test_path_component(name: str, expected: str) -> None:
    assert path_component(name) == expected


def test_retriever_label_cannot_leave_runs_dir(tmp_path: Path) -> None:
    result = reaper_run(tmp_path, "model=canned", "task=lamp2", "task.limit=1", "retriever.label=/../../x",
                        "analyze=false", "model.name=../../m")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("LaMP_2__m__x-k1__direct__"), run.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "runs"]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["run"]["retriever"] == "/../../x"  # the label itself is kept for tables


@pytest.mark.parametrize(
    ("override", "named"),
    [("task.limit=0", "task.limit=0"), ("task.limit=-1", "task.limit=-1"), ("retriever.k=0", "retriever.k=0"),
     ("retriever.k=-2", "retriever.k=-2")],
)  # fmt: skip
def test_sizes_that_select_nothing_are_one_line(tmp_path: Path, override: str, named: str) -> None:
    result = reaper_run(tmp_path, "model=canned", "task=lamp2", "retriever=bm25", override)
    assert result.returncode == 2
    assert named in one_line_error(result)
    assert not (tmp_path / "runs").exists()


def test_retriever_none_runs_with_k_zero(tmp_path: Path) -> None:
    result = reaper_run(tmp_path, "model=canned", "task=lamp2", "task.limit=1", "retriever=none", "retriever.k=0",
                        "analyze=false")  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_limit_keeps_exactly_the_first_n(tmp_path: Path) -> None:
    result = reaper_run(tmp_path, "model=canned", "task=lamp2", "task.limit=3", "retriever=none", "analyze=false")
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    assert len((run / "samples.jsonl").read_text().splitlines()) == 3


@pytest.mark.parametrize("setting", ["runs_dir", "cache_dir"])
def test_output_folder_under_a_file_is_one_line(tmp_path: Path, setting: str) -> None:
    blocker = tmp_path / "plain.txt"
    blocker.write_text("a file\n")
    result = reaper(tmp_path, "run", "model=canned", "task=lamp2", "task.limit=1", f"{setting}={blocker / 'sub'}",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}")  # fmt: skip
    line = one_line_error(result)
    assert result.returncode == 2 and f"{setting}=" in line and str(blocker) in line


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("finished")
    result = reaper_run(tmp, "model=canned", "task=lamp2", "task.limit=3", "retriever=bm25")
    assert result.returncode == 0, result.stderr
    (run,) = (tmp / "runs").iterdir()
    return run


def torn_copy(run: Path, tmp: Path, name: str) -> tuple[Path, int]:
    """A copy of the run whose ``name`` ends in a half-written line (as a kill mid-write would leave it)."""
    import shutil

    copy = tmp / "torn" / run.name
    shutil.copytree(run, copy)
    lines = (copy / name).read_text().splitlines(keepends=True)
    (copy / name).write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    return copy, len(lines)


@pytest.mark.parametrize(("command", "name"), [("rescore", "generations.jsonl"), ("analyze", "samples.jsonl")])
def test_torn_records_are_one_line_naming_file_and_line(finished_run: Path, tmp_path: Path, command: str,
                                                        name: str) -> None:  # fmt: skip
    copy, last = torn_copy(finished_run, tmp_path, name)
    folder = (copy.parent,) if command == "analyze" else ()  # analyze also takes a folder of runs
    for target in (copy, *folder):
        result = reaper(tmp_path, command, str(target))
        line = one_line_error(result)
        assert result.returncode == 2 and f"{copy / name}: line {last}:" in line, line


def test_report_out_under_a_file_is_one_line(finished_run: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "plain.txt"
    blocker.write_text("a file\n")
    result = reaper(tmp_path, "report", str(finished_run.parent), "--out", str(blocker / "r.html"))
    line = one_line_error(result)
    assert result.returncode == 2 and str(blocker) in line and "--out" in line


@pytest.mark.embedded
def test_a_killed_preparations_temporary_folder_is_removed_on_the_next_start(tmp_path: Path,
                                                                             embedded_model_dir: str) -> None:  # fmt: skip
    """A kill during preparation leaves `.smollm2-135m-instruct-XXXX` (mkdtemp's name); the next start removes it."""
    import tempfile

    models = tmp_path / "cache" / "models"
    models.mkdir(parents=True)
    (models / "smollm2-135m-instruct").symlink_to(embedded_model_dir)  # prepared before: no 25 s rebuild
    stale = Path(tempfile.mkdtemp(prefix=".smollm2-135m-instruct-", dir=models))
    (stale / "model.safetensors").write_bytes(b"\0" * 1024)  # half-written
    result = reaper_run(tmp_path, "model=canned", "model.path=embedded:smollm2", "task.max_prompt_tokens=64",
                        "task=lamp2", "task.limit=1", "analyze=false")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert sorted(p.name for p in models.iterdir()) == ["smollm2-135m-instruct", "smollm2-135m-instruct.lock"]
