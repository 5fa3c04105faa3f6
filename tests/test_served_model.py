"""Served models through the real CLI: named by the server's model id, metrics printed, store counted.

Two OpenAI-compatible servers of our own on 127.0.0.1 serve two different model ids; the real
`reaper run model=vllm_server` against each must give two models (two run directories, two names in
summary.json), end with the cell's metrics, and say how many generations came from the store.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from openai_stub import send_json, serve

REPO = Path(__file__).resolve().parent.parent
LAMP3 = REPO / "tasks" / "data" / "LaMP_3"


class RatingServer:
    """Lists one model id at GET /v1/models and answers every chat request with a fixed rating."""

    def __init__(self, model_id: str, rating: str) -> None:
        self.model_id, self.rating, self.models_asked = model_id, rating, []
        self.chat_models: list[str] = []
        self.httpd, self.base_url = serve(self._handler())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.models_asked.append(self.path)
                send_json(self, 200, {"object": "list", "data": [{"id": server.model_id, "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.chat_models.append(body["model"])
                message = {"role": "assistant", "content": server.rating}
                send_json(self, 200, {"model": server.model_id, "choices": [{"index": 0, "message": message,
                            "finish_reason": "stop"}], "usage": {"prompt_tokens": 9, "completion_tokens": 1}})  # fmt: skip

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[RatingServer, RatingServer]]:
    alpha, beta = RatingServer("org/alpha-7b", "4"), RatingServer("beta-3b", "2")
    yield alpha, beta
    alpha.close()
    beta.close()


def reaper_run(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REAPER_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1", "CI": "1"}
    cmd = [sys.executable, "-m", "harness.cli.main", "run", f"runs_dir={tmp_path / 'runs'}", "analyze=false",
           "model=vllm_server", "task=lamp3", "retriever=none", *overrides]  # fmt: skip
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def expected_mae(rating: int, n: int) -> float:
    """By hand from the bundled golds: the first n questions in file order, |gold - rating| averaged."""
    questions = json.loads((LAMP3 / "questions.json").read_text())[:n]
    golds = {g["id"]: int(g["output"]) for g in json.loads((LAMP3 / "outputs.json").read_text())["golds"]}
    return sum(abs(golds[q["id"]] - rating) for q in questions) / n


def test_two_servers_are_two_named_models_with_metrics_and_store_counts(servers, tmp_path: Path) -> None:
    alpha, beta = servers
    first = reaper_run(tmp_path, f"model.api.base_url={alpha.base_url}", "task.limit=2")
    assert first.returncode == 0, first.stderr
    assert "generated 2/2, 0 from the store" in first.stderr
    again = reaper_run(tmp_path, f"model.api.base_url={alpha.base_url}", "task.limit=4")
    assert again.returncode == 0, again.stderr
    assert "generated 2/4, 2 from the store" in again.stderr and again.stderr.count("generated ") == 1
    assert alpha.models_asked == ["/v1/models", "/v1/models"] and set(alpha.chat_models) == {"org/alpha-7b"}
    line = re.search(r"\[reaper\] LaMP_3 org/alpha-7b none direct: MAE ([\d.]+), RMSE ([\d.]+) \(n=4\)", again.stderr)
    assert line, again.stderr
    assert float(line.group(1)) == pytest.approx(expected_mae(4, 4), abs=1e-4)

    other = reaper_run(tmp_path, f"model.api.base_url={beta.base_url}", "task.limit=4")
    assert other.returncode == 0, other.stderr
    assert "generated 4/4, 0 from the store" in other.stderr
    runs = {
        json.loads(p.read_text())["run"]["model"]: p.parent.name for p in (tmp_path / "runs").glob("*/summary.json")
    }
    assert set(runs) == {"org/alpha-7b", "beta-3b"}
    assert "org-alpha-7b" in runs["org/alpha-7b"] and "beta-3b" in runs["beta-3b"]
    beta_summary = json.loads((tmp_path / "runs" / runs["beta-3b"] / "summary.json").read_text())
    assert beta_summary["metrics"]["MAE"]["value"] == pytest.approx(expected_mae(2, 4))

    named = reaper_run(tmp_path, f"model.api.base_url={beta.base_url}", "task.limit=4", "model.name=mine")
    assert named.returncode == 0 and "[reaper] LaMP_3 mine none direct:" in named.stderr, named.stderr
    assert "generated 0/4, 4 from the store" in named.stderr  # the name labels; the server's id keys the store

    prompted = reaper_run(
        tmp_path, f"model.api.base_url={beta.base_url}", "task.limit=3", "model.prompted_reasoning=true"
    )
    assert prompted.returncode == 0, prompted.stderr  # two phases (trace, answer), one progress line over questions
    assert prompted.stderr.count("generated ") == 1 and "generated 3/3, 0 from the store" in prompted.stderr


def test_a_server_that_is_not_there_fails_in_one_line_before_any_work(tmp_path: Path) -> None:
    result = reaper_run(tmp_path, "model.api.base_url=http://127.0.0.1:9/v1", "model.api.timeout_s=5")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "did not list the served models" in result.stderr and "model.path=MODEL" in result.stderr
    assert not (tmp_path / "runs").exists()
