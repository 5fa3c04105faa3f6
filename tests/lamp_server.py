"""A real HTTP server on 127.0.0.1 that serves a folder the way the LaMP download page does.

Traps of the real host (LAMP.md "Where users get the data"): a wrong path answers HTTP 200 with
a small HTML error page, never a 404. Range requests (``bytes=N-``) are honoured with 206. For
resume tests, ``cut`` makes the next response for a path stop after N bytes (the connection is
closed mid-body while Content-Length announced the whole file). Every request is recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ERROR_PAGE = b"<!DOCTYPE html><html><head><title>Not Found</title></head><body>The page was not found.</body></html>"


@dataclass
class Served:
    """The server's folder, its address and what it saw."""

    folder: Path
    url: str = ""
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    cut: dict[str, int] = field(default_factory=dict)  # path -> bytes to send before dropping (once)


def _handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            rel = self.path.split("?", 1)[0].lstrip("/")
            served.requests.append((rel, self.headers.get("Range")))
            path = served.folder / rel
            if not rel or not path.is_file():
                self._send(200, ERROR_PAGE, "text/html; charset=utf-8")
                return
            body = path.read_bytes()
            start = _range_start(self.headers.get("Range"))
            if start is not None and start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if start is not None:
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                body = body[start:]
            else:
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            limit = served.cut.pop(rel, None)
            self.wfile.write(body if limit is None else body[:limit])
            if limit is not None:
                self.wfile.flush()
                self.close_connection = True

        def _send(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _range_start(header: str | None) -> int | None:
    if not header or not header.startswith("bytes="):
        return None
    first = header[len("bytes=") :].split("-", 1)[0]
    return int(first) if first.isdigit() else None


@contextmanager
def serve(folder: Path) -> Iterator[Served]:
    """Serve ``folder`` on a free port of 127.0.0.1 for the duration of the block."""
    served = Served(folder=folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    served.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
