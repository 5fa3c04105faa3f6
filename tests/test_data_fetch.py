"""``reaper data fetch`` / ``reaper data list`` against a real HTTP server on 127.0.0.1 serving the
download page's layout with its traps (wrong path -> 200 + HTML, the retired news-style LaMP_2)."""

import hashlib
import json
import socket
import time
from pathlib import Path

import pytest
from lamp_server import serve

from harness.cli.main import main
from harness.config import DataConfig, RunConfig, TaskConfig
from harness.data.load import bundled_files
from harness.registry import get_task
from harness.run.pipeline import load_cell_data

NEWS_ITEM = {"id": "9001", "title": "Markets rally", "text": "Stocks rose on Monday.", "category": "business"}


def sample_bytes(task: str, kind: str) -> bytes:
    questions, outputs = bundled_files(get_task(task))
    return (questions if kind == "questions" else outputs).read_bytes()


@pytest.fixture
def site(tmp_path) -> Path:
    """The download tree, written by hand from LAMP.md's layout (not by the code under test)."""
    folder = tmp_path / "site"
    files = {
        "LaMP_2/new/dev/dev_questions.json": sample_bytes("LaMP_2", "questions"),
        "LaMP_2/new/dev/dev_outputs.json": sample_bytes("LaMP_2", "outputs"),
        "LaMP_3/dev/dev_questions.json": sample_bytes("LaMP_3", "questions"),
        "LaMP_3/dev/dev_outputs.json": sample_bytes("LaMP_3", "outputs"),
        "LaMP_3/test/test_questions.json": sample_bytes("LaMP_3", "questions"),
        "time/LaMP_3/dev/dev_questions.json": sample_bytes("LaMP_3", "questions"),
        "time/LaMP_3/dev/dev_outputs.json": sample_bytes("LaMP_3", "outputs"),
        # the retired news-categorization task, still served at plain LaMP_2/
        "LaMP_2/dev/dev_questions.json": json.dumps(
            [{"id": "1", "input": "Which category does this article relate to? article: x", "profile": [NEWS_ITEM]}]
        ).encode(),
    }
    for rel, content in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(content)
    return folder


def fetch(capsys, *args: str) -> tuple[int, str]:
    code = main(["data", "fetch", *args])
    return code, capsys.readouterr().err


def assert_one_line(err: str, *needles: str) -> None:
    lines = [line for line in err.strip().splitlines() if line.startswith("reaper: error")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_fetch_writes_the_layout_a_manifest_and_serves_a_run(site, tmp_path, capsys):
    root = tmp_path / "lamp"
    with serve(site) as server:
        code, err = fetch(capsys, "LaMP_2", "lamp3", "--root", str(root), "--base-url", server.url)
        assert code == 0, err
        for rel in ("LaMP_2/new/dev/dev_questions.json", "LaMP_2/new/dev/dev_outputs.json",
                    "LaMP_3/dev/dev_questions.json", "LaMP_3/dev/dev_outputs.json"):  # fmt: skip
            assert (root / rel).read_bytes() == (site / rel).read_bytes()
        entries = {e["path"]: e for e in json.loads((root / "manifest.json").read_text())["files"]}
        assert sorted(entries) == sorted(p.relative_to(root).as_posix() for p in root.rglob("*_*.json"))
        entry = entries["LaMP_2/new/dev/dev_questions.json"]
        content = (site / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest() and entry["size"] == len(content)
        assert (entry["task"], entry["split"], entry["partition"], entry["kind"]) == (
            "LaMP_2",
            "user",
            "dev",
            "questions",
        )
        assert entry["url"] == server.url + "LaMP_2/new/dev/dev_questions.json" and entry["date"].startswith("20")
        assert not list(root.rglob("*.part"))
        before = len(server.requests)
        code, err = fetch(capsys, "LaMP_2", "LaMP_3", "--root", str(root), "--base-url", server.url)
        assert code == 0 and len(server.requests) == before and err.count("up to date") == 4
    config = RunConfig(task=TaskConfig(name="LaMP_2"), data=DataConfig(root=str(root)))
    data = load_cell_data(get_task("LaMP_2"), config)
    assert len(data.examples) == len(json.loads(content)) and all(e.gold for e in data.examples)


def test_list_verifies_every_file(site, tmp_path, capsys):
    root = tmp_path / "lamp"
    with serve(site) as server:
        assert fetch(capsys, "LaMP_3", "--root", str(root), "--base-url", server.url)[0] == 0
    assert main(["data", "list", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.count(" ok  ") == 2 and "LaMP_3/dev/dev_outputs.json" in out
    target = root / "LaMP_3/dev/dev_questions.json"
    data = bytearray(target.read_bytes())
    data[100] ^= 1  # same size, different bytes: only the hash can tell
    target.write_bytes(bytes(data))
    (root / "LaMP_3/dev/dev_outputs.json").unlink()
    (root / "LaMP_9/dev").mkdir(parents=True)
    (root / "LaMP_9/dev/dev_questions.json").write_text("[]")
    code = main(["data", "list", "--root", str(root)])
    captured = capsys.readouterr()
    assert code == 2 and "modified (sha256 differs)" in captured.out and "missing" in captured.out
    assert "not in the manifest  LaMP_9/dev/dev_questions.json" in captured.out
    assert_one_line(captured.err, "2 of 2 files fail verification")
    assert main(["data", "list", "--root", str(tmp_path / "nothing")]) == 2
    assert_one_line(capsys.readouterr().err, "no manifest.json")


def test_interrupted_download_resumes_with_a_range_request(site, tmp_path, capsys):
    root, rel = tmp_path / "lamp", "LaMP_3/dev/dev_questions.json"
    with serve(site) as server:
        server.cut[rel] = 1000
        code, err = fetch(capsys, "LaMP_3", "--root", str(root), "--base-url", server.url)
        assert code == 2
        assert_one_line(err, server.url + rel, "rerun the same command to resume")
        assert not (root / rel).exists() and (root / (rel + ".part")).stat().st_size == 1000
        assert not (root / "manifest.json").exists()  # nothing incomplete is recorded
        code, err = fetch(capsys, "LaMP_3", "--root", str(root), "--base-url", server.url)
        assert code == 0, err
        assert (rel, "bytes=1000-") in server.requests
    assert (root / rel).read_bytes() == (site / rel).read_bytes()


def test_a_complete_part_left_by_a_kill_is_finished_without_downloading_again(site, tmp_path, capsys):
    root, rel = tmp_path / "lamp", "LaMP_3/test/test_questions.json"
    (root / rel).parent.mkdir(parents=True)
    (root / (rel + ".part")).write_bytes((site / rel).read_bytes())
    with serve(site) as server:
        code, err = fetch(capsys, "LaMP_3", "--partition", "test", "--root", str(root), "--base-url", server.url)
        assert code == 0, err
        size = len((site / rel).read_bytes())
        assert server.requests == [(rel, f"bytes={size}-")]  # answered 416: test has questions only
    assert (root / rel).read_bytes() == (site / rel).read_bytes()


def test_wrong_path_served_as_html_with_200_is_refused(site, tmp_path, capsys):
    root = tmp_path / "lamp"
    with serve(site) as server:
        code, err = fetch(capsys, "LaMP_3", "--root", str(root), "--base-url", server.url + "moved/")
    assert code == 2
    assert_one_line(err, server.url + "moved/LaMP_3/dev/dev_questions.json", "HTML page, not JSON")
    assert not list(root.rglob("*.json")) and not list(root.rglob("*.part"))


def test_the_retired_news_lamp2_is_refused_naming_the_url(site, tmp_path, capsys):
    mirror = site / "mirror"  # a mirror that put the news task where movie tagging belongs
    (mirror / "LaMP_2/new/dev").mkdir(parents=True)
    (mirror / "LaMP_2/new/dev/dev_questions.json").write_bytes((site / "LaMP_2/dev/dev_questions.json").read_bytes())
    with serve(site) as server:
        code, err = fetch(capsys, "LaMP_2", "--root", str(tmp_path / "lamp"), "--base-url", server.url + "mirror")
    assert code == 2
    assert_one_line(err, server.url + "mirror/LaMP_2/new/dev/dev_questions.json", "retired", "category")


def test_time_split_env_base_url_and_lamp6(site, tmp_path, capsys, monkeypatch):
    root = tmp_path / "lamp"
    with serve(site) as server:
        monkeypatch.setenv("REAPER_LAMP_URL", server.url.rstrip("/"))
        code, err = fetch(capsys, "LaMP_3", "--split", "time", "--root", str(root))
        assert code == 0, err
        assert all(rel.startswith("time/LaMP_3/dev/") for rel, _ in server.requests)
    assert (root / "time/LaMP_3/dev/dev_outputs.json").exists()
    code, err = fetch(capsys, "LaMP_6", "--root", str(root))
    assert code == 2
    assert_one_line(err, "LaMP_6", "licensed")
    code, err = fetch(capsys, "LaMP_3", "--partition", "validation", "--root", str(root))
    assert code == 2
    assert_one_line(err, "--partition='validation'")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_is_one_line_within_seconds(tmp_path, capsys):
    host = f"127.0.0.1:{_closed_port()}"  # nothing listens: what an unreachable host looks like, fast
    start = time.perf_counter()
    code, err = fetch(capsys, "LaMP_3", "--root", str(tmp_path / "lamp"), "--base-url", f"http://{host}/",
                      "--connect-timeout", "1")  # fmt: skip
    assert time.perf_counter() - start < 10
    assert code == 2
    assert_one_line(err, f"http://{host}/LaMP_3/dev/dev_questions.json", "offline?")


def test_credentials_in_the_base_url_never_reach_an_error_line_or_the_manifest(site, tmp_path, capsys):
    root = tmp_path / "lamp"
    with serve(site) as server:
        secret_url = server.url.replace("http://", "http://reader:s3cret@")
        code, err = fetch(capsys, "LaMP_3", "--root", str(root), "--base-url", secret_url + "moved/")
        assert code == 2
        assert_one_line(err, server.url + "moved/LaMP_3/dev/dev_questions.json", "HTML page, not JSON")
        assert "s3cret" not in err and "reader" not in err
        code, err = fetch(capsys, "LaMP_3", "--root", str(root), "--base-url", secret_url)
        assert code == 0, err
    manifest_text = (root / "manifest.json").read_text()
    assert "s3cret" not in manifest_text and "s3cret" not in err
    urls = {e["url"] for e in json.loads(manifest_text)["files"]}
    assert urls == {server.url + "LaMP_3/dev/dev_questions.json", server.url + "LaMP_3/dev/dev_outputs.json"}
