"""A real OpenAI-compatible HTTP server on 127.0.0.1 for CLI tests of `reaper run` with the openai backend.

It answers every chat request with ``reply``; ``reject_models`` answers 404 for the named models (a
server that does not serve them: the backend fails the whole cell), and ``fail_texts`` answers 500
to any request whose last message contains one of the texts (a failed sample once retries run out).
It counts requests per model and per answer kind, so tests can tell what a rerun sent again.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """Start ``handler`` on a free 127.0.0.1 port in a daemon thread; returns the server and its /v1 base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/v1"


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    """Answer the request with ``payload`` as JSON."""
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class OpenAIStub:
    def __init__(self, reply: str = "comedy") -> None:
        self.reply = reply
        self.reject_models: set[str] = set()
        self.fail_texts: set[str] = set()
        self.requests: Counter[str] = Counter()  # model -> requests received
        self.failed: Counter[str] = Counter()  # model -> requests answered with an error
        self.lock = threading.Lock()
        self.httpd, self.base_url = serve(self._handler())

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model, text = body["model"], body["messages"][-1]["content"]
        with self.lock:
            self.requests[model] += 1
            if model in self.reject_models:
                self.failed[model] += 1
                return 404, {"error": {"message": f"The model `{model}` does not exist."}}
            if any(t in text for t in self.fail_texts):
                self.failed[model] += 1
                return 500, {"error": {"message": "internal error"}}
        message = {"role": "assistant", "content": self.reply}
        usage = {"prompt_tokens": len(text.split()), "completion_tokens": 1}
        return 200, {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                send_json(self, *stub._answer(body))

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
