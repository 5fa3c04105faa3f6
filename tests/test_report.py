"""The HTML report and plots: self-contained, escaped, and working in a real headless Chromium."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require
from rundirs import INJECTED, INTERVENED, PAYLOAD_ANSWER, PAYLOAD_TRACE, make_runs

from harness.cli.main import main
from harness.io import read_jsonl
from harness.reporting.report import build_report, fill, json_for_html
from harness.reporting.runs import find_runs

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path(tempfile.gettempdir()) / "reaper_report.png"
HEATMAP_SHOT = Path(tempfile.gettempdir()) / "reaper_report_heatmap.png"


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_runs(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def report(runs_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(runs_dir, tmp_path_factory.mktemp("report") / "report.html", per_run=0, warn=lambda _m: None)


def test_json_for_html_is_inert_and_lossless() -> None:
    data = {"a": "</script><script>alert(1)</script> & <!-- x -->", "b": ["\u2028", "ü"]}
    text = json_for_html(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_fill_never_rescans_inserted_text() -> None:
    assert fill("@@A@@|@@B@@", {"A": "@@B@@", "B": "x"}) == "@@B@@|x"


def test_report_is_self_contained_and_escaped(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert page.count("<script") == 2  # the JSON data block and the report's own script, nothing injected
    assert (
        "window.pwned" in page and "<script>window.pwned" not in page and "onerror=" not in page.split("sample-data")[0]
    )
    assert "\\u003cscript\\u003ewindow.pwned=1" in page
    for marker in ('data-table="lrm-vs-llm"', 'data-table="paired"', 'data-table="methods"',
                   'data-table="ablation"', 'data-table="tokens"', 'data-table="failures-format"'):  # fmt: skip
        assert marker in page
    assert "http://" not in page and "https://" not in page  # nothing to fetch
    assert 'src="data:image/svg+xml;base64,' in page


def test_report_cli_prints_the_path(runs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r" / "report.html"
    assert main(["report", str(runs_dir), "--out", str(out), "--samples-per-run", "3"]) == 0
    assert capsys.readouterr().out.strip().endswith(str(out))
    page = out.read_text(encoding="utf-8")
    runs = find_runs(runs_dir, warn=lambda _m: None)
    assert f"{3 * len(runs)} of {12 * len(runs)} samples embedded" in page


def test_plot_command_writes_png_and_svg(runs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(runs_dir), "--out", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    for stem in ("metric_vs_k_LaMP_4", "tokens_vs_score", "failure_rates_LaMP_2", "failure_rates_LaMP_4"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    assert (tmp_path / "tokens_vs_score.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (tmp_path / "failure_rates_LaMP_4.svg").read_text()
    assert str(tmp_path / "failure_rates_LaMP_4.svg") in capsys.readouterr().out


def test_plots_have_integer_k_ticks_and_a_labelled_heatmap(runs_dir: Path) -> None:
    from harness.reporting.plots import failure_heatmaps, metric_vs_k

    runs = find_runs(runs_dir, warn=lambda _m: None)
    fig = metric_vs_k(runs, "LaMP_4")
    assert fig is not None
    ticks = [[t.get_text() for t in ax.get_xticklabels()] for ax in fig.axes if ax.get_xlabel()]
    assert ticks == [["0", "1", "4"], ["0", "1"]]  # exactly the k values that ran (contriever: k=1 only)
    heat = failure_heatmaps(runs)["failure_rates_LaMP_2"].axes[0]
    texts = [t.get_text() for t in heat.texts]
    summary = json.loads(next(runs_dir.glob("LaMP_2__qwq__bm25-k4__direct__*/summary.json")).read_text())
    rate, n = summary["failure_modes"]["format.think_leak"], summary["failure_modes_n"]["format.think_leak"]
    assert f"{rate:.2f}\nn={n}" in texts and "n/a" in texts  # values printed with n; no-trace divergent cells n/a
    assert {"divergent", "format", "retrieval"} <= set(texts)  # the mode groups are named
    rows = [t.get_text() for t in heat.get_yticklabels()]
    assert "qwq (reasoning) · bm25 k=4" in rows and "qwq (reasoning) · contriever k=1" not in rows  # never analysed


# --- headless Chromium over the DevTools protocol ---------------------------------------------


def _chromium() -> str:
    """The chromium binary (the Makefile installs it: `make browser`, which `make test` runs first)."""
    binary = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    require("Chromium", binary is not None, "make browser: apt-get install -y chromium")
    assert binary is not None
    return binary


class DevTools:
    """A minimal CDP client: one page target, commands by id, events kept for inspection."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.next_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[dict[str, Any]]:
        """Console errors, uncaught exceptions and error log entries (CSP violations included)."""
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown" or (
                method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert")
            ):
                out.append(e)
            if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                out.append(e)
        return out


@pytest.fixture(scope="module")
def page(report: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    from websockets.sync.client import connect

    binary = _chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1400,1000", "about:blank"]  # fmt: skip
    proc = subprocess.Popen([binary, *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.load(response)
        url = next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]
        with connect(url, max_size=None, open_timeout=30) as ws:
            tools = DevTools(ws)
            for domain in ("Runtime", "Log", "Page", "Network"):
                tools.send(f"{domain}.enable")
            tools.send("Page.navigate", url=report.as_uri())
            tools.wait_for("Page.loadEventFired")
            yield tools
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _set_filters(page: DevTools, **values: str) -> int:
    """Select filter values the way a user does (change events) and return the number of cards shown."""
    for name in ("task", "model", "setting", "method", "tag"):
        value = json.dumps(values.get(name, ""))
        page.js(f"(() => {{ const s = document.getElementById('filter-{name}'); s.value = {value};"
                f" s.dispatchEvent(new Event('change')); }})()")  # fmt: skip
    return page.js("document.querySelectorAll('#samples article.sample').length")


@pytest.mark.browser
def test_page_loads_without_errors_or_network(page: DevTools) -> None:
    assert page.js("document.readyState") == "complete"
    assert page.errors() == []
    urls = [e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"]
    assert urls and all(u.startswith(("file:", "data:")) for u in urls), urls


@pytest.mark.browser
def test_t1_table_is_rendered(page: DevTools, runs_dir: Path) -> None:
    rows = page.js("Array.from(document.querySelectorAll('table[data-table=\"lrm-vs-llm\"] tbody tr'))"
                   ".map(tr => Array.from(tr.children).map(c => c.textContent))")  # fmt: skip
    heads = page.js("Array.from(document.querySelectorAll('table[data-table=\"lrm-vs-llm\"] thead tr'))"
                    ".map(tr => Array.from(tr.children).map(c => [c.textContent, c.colSpan]))")  # fmt: skip
    columns = [name for name, span in heads[-1] if span == 1][2:]  # settings under the task/metric headers
    models = [name for name, span in heads[1][1:] for _ in range(span)]
    col = next(i for i, (m, s) in enumerate(zip(models, columns, strict=True)) if m == "qwq" and s == "bm25 k=1")
    summary = json.loads(next(runs_dir.glob("LaMP_4__qwq__bm25-k1__direct__*/summary.json")).read_text())
    row = next(r for r in rows if r[:2] == ["LaMP_4", "ROUGE-1 ↑"])
    entry = summary["metrics"]["rouge-1"]
    low, high = entry["ci95"]
    assert row[2 + col] == f"{entry['value']:.4f} [{low:.4f}, {high:.4f}]"  # the report shows T1 with intervals
    assert "—" in [c for r in rows for c in r]


@pytest.mark.browser
def test_model_filter_shows_only_that_model(page: DevTools, runs_dir: Path) -> None:
    total = page.js("JSON.parse(document.getElementById('sample-data').textContent).samples.length")
    llama_runs = [r for r in find_runs(runs_dir, warn=lambda _m: None) if r.model == "llama"]
    shown = _set_filters(page, model="llama")
    assert page.js("document.getElementById('count').textContent").startswith(f"{12 * len(llama_runs)} of {total}")
    models = page.js("Array.from(document.querySelectorAll('#samples article.sample')).map(a => a.dataset.model)")
    assert shown == min(50, 12 * len(llama_runs)) and set(models) == {"llama"}
    assert _set_filters(page, model="llama", task="LaMP_4", setting="bm25 k=1", method="direct") == 12
    assert _set_filters(page, model="llama", tag="format.think_leak") > 0
    tags = page.js("Array.from(document.querySelectorAll('#samples article.sample')).map(a => a.textContent)")
    assert all("format.think_leak" in t for t in tags)
    assert _set_filters(page) == 50  # reset: the first page of everything


@pytest.mark.browser
def test_injected_script_did_not_run_and_shows_as_text(page: DevTools) -> None:
    task, model, retriever, k = INJECTED
    _set_filters(page, task=task, model=model, setting=f"{retriever} k={k}", method="direct")
    assert page.js("document.title") == "reaper report"
    assert page.js("typeof window.pwned") == "undefined"
    assert page.js("document.scripts.length") == 2
    assert page.js("document.querySelectorAll('#samples img, #samples script').length") == 0
    first = "document.querySelector('#samples article.sample')"
    page.js(f"{first}.querySelectorAll('details').forEach(d => d.open = true)")
    text = page.js(f"{first}.textContent")
    assert PAYLOAD_ANSWER in text and PAYLOAD_TRACE in text
    page.js("document.getElementById('browser').scrollIntoView()")
    shot = page.send("Page.captureScreenshot", format="png")
    SCREENSHOT.write_bytes(base64.b64decode(shot["data"]))
    assert page.errors() == []


@pytest.mark.browser
def test_harness_insertions_show_apart_from_the_model_text(page: DevTools, runs_dir: Path) -> None:
    model, method = INTERVENED
    assert _set_filters(page, task="LaMP_4", model=model, setting="bm25 k=1", method=method) == 12
    first = "document.querySelector('#samples article.sample')"
    page.js(f"{first}.querySelectorAll('details').forEach(d => d.open = true)")
    marks = page.js(
        f"Array.from({first}.querySelectorAll('mark.inserted')).map(m => [m.dataset.kind, m.dataset.reason, m.textContent])"
    )
    gen = read_jsonl(next(runs_dir.glob(f"LaMP_4__{model}__bm25-k1__{method}__*/generations.jsonl")))[0]
    spans = gen["extra"]["inserted"]
    assert [(k, r) for k, r, _ in marks] == [(s["kind"], s["reason"]) for s in spans]
    for (_, _, text), span in zip(marks, spans, strict=True):  # each mark holds exactly the inserted text
        assert text.endswith(gen["raw_text"][span["start"] : span["end"]])
    card = page.js(f"{first}.textContent")
    assert "I have finished thinking" in card and "reasoning budget" not in card  # the true reason, not the budget
    assert "Trace closed by" in card and "harness (no_answer)" in card and "inserted by the harness 25" in card
    chosen = page.js(f"{first}.querySelector('ol.candidates li.chosen').textContent")
    assert gen["answer"] in chosen and page.js(f"{first}.querySelectorAll('ol.candidates li').length") == 3
    _set_filters(page, task="LaMP_2", model="llama", setting="none", method="direct")
    chips = page.js(f"Array.from({first}.querySelectorAll('.chip')).map(c => c.textContent)")
    assert any(c.startswith("divergent_thinking: does not apply") for c in chips)
    assert any(c.startswith("retrieval_misuse: does not apply") for c in chips)
    assert not any("none (0.00)" in c for c in chips)


def _accuracy(runs_dir: Path, model: str) -> dict[str, float]:
    path = next(runs_dir.glob(f"LaMP_2__{model}__none__direct__*/samples.jsonl"))
    return {s["id"]: s["metrics"]["accuracy"] for s in read_jsonl(path) if s["status"] == "ok"}


@pytest.mark.browser
def test_paired_disagreements_side_by_side(page: DevTools, runs_dir: Path) -> None:
    a, b = _accuracy(runs_dir, "qwq"), _accuracy(runs_dir, "llama")
    expected = [i for i in sorted(set(a) & set(b)) if a[i] != b[i]]  # one right, the other wrong
    won = sum(a[i] == 1.0 for i in expected)
    for name, value in (("pair", "qwq vs llama"), ("task", "LaMP_2"), ("setting", "none"), ("method", "direct"),
                        ("winner", ""), ("tag", "")):  # fmt: skip
        page.js(f"(() => {{ const s = document.getElementById('filter-d-{name}'); s.value = {json.dumps(value)};"
                f" s.dispatchEvent(new Event('change')); }})()")  # fmt: skip
    count = page.js("document.getElementById('d-count').textContent")
    assert (
        count.startswith(f"{len(expected)} of ")
        and f"reasoning right: {won}, general right: {len(expected) - won}" in count
    )
    ids = page.js(
        "Array.from(document.querySelectorAll('#disagreements article')).map(a => a.querySelector('.head').textContent)"
    )
    assert [h.split(" · ")[3] for h in ids] == expected
    sides = page.js("Array.from(document.querySelectorAll('#disagreements article')).map(a =>"
                    " [a.dataset.winner, a.querySelectorAll('.pair > div').length, a.querySelector('.loser').textContent])")  # fmt: skip
    assert all(n == 2 for _, n, _ in sides) and {w for w, _, _ in sides} <= {"reasoning", "general"}
    assert any("format_misalignment: format.think_leak" in loser for _, _, loser in sides)
    assert page.errors() == []


@pytest.mark.browser
def test_failure_heatmap_screenshot(page: DevTools) -> None:
    box = page.js("(() => { const img = document.querySelector('img[alt=\"failure_rates_LaMP_2\"]'); img.scrollIntoView();"
                  " const r = img.getBoundingClientRect(); return [r.x + window.scrollX, r.y + window.scrollY, r.width, r.height, img.naturalWidth]; })()")  # fmt: skip
    x, y, width, height, natural = box
    assert natural > 0 and width > 400 and height > 200  # loaded and shown at a readable size
    shot = page.send("Page.captureScreenshot", format="png",
                     clip={"x": x, "y": y, "width": width, "height": height, "scale": 1})  # fmt: skip
    HEATMAP_SHOT.write_bytes(base64.b64decode(shot["data"]))
    from matplotlib.image import imread

    pixels = imread(HEATMAP_SHOT)
    assert pixels.shape[0] > 200 and pixels[..., :3].std() > 0.1  # the heatmap was painted, not a blank area
