"""The generation store: keys separate models and settings, reruns skip finished work, kill -9 loses nothing."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.config import GenerationConfig, ModelConfig
from harness.run.generation_store import (
    NETWORK_FILESYSTEMS,
    GenerationStore,
    filesystem_type,
    generate_with_store,
    generation_settings,
    journal_mode,
)
from harness.types import Generation, Request

ROOT = Path(__file__).resolve().parents[1]


class FakeBackend:
    """Echoes the prompt; records every request it was asked to generate (a unit-test double)."""

    name = "fake"

    def __init__(self, model_id: str = "fake:model@default", fail: set[str] | None = None) -> None:
        self.model_id = model_id
        self.calls: list[list[str]] = []
        self.fail = fail or set()

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        self.calls.append([r.id for r in requests])
        return [
            Generation(id=r.id, error="boom")
            if r.id in self.fail
            else Generation(id=r.id, raw_text=r.messages[0]["content"], answer="a")
            for r in requests
        ]

    def close(self) -> None:
        pass


def _requests(n: int) -> list[Request]:
    return [Request(id=f"q{i}", messages=[{"role": "user", "content": f"prompt {i}"}]) for i in range(n)]


def _settings(model: ModelConfig | None = None) -> dict:
    return generation_settings(model or ModelConfig())


def test_key_changes_with_model_identity_settings_and_content() -> None:
    request = _requests(1)[0]
    base = GenerationStore.key("vllm:A@default", _settings(), request)
    assert base == GenerationStore.key("vllm:A@default", _settings(), request)
    assert base != GenerationStore.key("vllm:B@default", _settings(), request)
    assert base != GenerationStore.key("vllm:A@rev2", _settings(), request)

    keys = {base}
    changed_gen = {
        "max_new_tokens": 100,
        "temperature": 0.7,
        "top_p": 0.9,
        "top_k": 20,
        "min_p": 0.05,
        "seed": 1,
        "stop": ["\n"],
    }
    assert set(changed_gen) == {f.name for f in dataclasses.fields(GenerationConfig)}
    for name, value in changed_gen.items():
        model = ModelConfig(generation=dataclasses.replace(GenerationConfig(), **{name: value}))
        keys.add(GenerationStore.key("vllm:A@default", _settings(model), request))
    for change in (
        {"chat_template_kwargs": {"enable_thinking": False}},
        {"reasoning_parser": "deepseek_r1"},
        {"prompted_reasoning": True},
        {"system_prompt": "be brief"},
        {"engine": {"dtype": "float32"}},
    ):
        keys.add(GenerationStore.key("vllm:A@default", _settings(ModelConfig(**change)), request))
    for other in (
        Request(id="q0", messages=[{"role": "user", "content": "prompt 0 "}]),
        Request(id="q0", messages=request.messages, continue_final_message=True),
        Request(id="q0", raw_prompt="prompt 0"),
    ):
        keys.add(GenerationStore.key("vllm:A@default", _settings(), other))
    assert len(keys) == 1 + len(changed_gen) + 5 + 3

    # The id is not content, and 0 vs 0.0 is the same setting.
    assert base == GenerationStore.key("vllm:A@default", _settings(), dataclasses.replace(request, id="other"))
    integral = ModelConfig(generation=GenerationConfig(temperature=0))
    assert base == GenerationStore.key("vllm:A@default", _settings(integral), request)


def test_model_a_output_never_served_for_model_b(tmp_path: Path) -> None:
    store = GenerationStore(tmp_path / "g.jsonl")
    a, b = FakeBackend("vllm:A@default"), FakeBackend("vllm:B@default")
    requests, gen = _requests(3), GenerationConfig()
    generate_with_store(a, requests, gen, store, _settings(), batch_size=2)
    generate_with_store(b, requests, gen, store, _settings(), batch_size=2)
    assert a.calls == [["q0", "q1"], ["q2"]] and b.calls == [["q0", "q1"], ["q2"]]
    assert len(store) == 6


def test_rerun_skips_finished_and_retries_failed(tmp_path: Path) -> None:
    path, gen, requests = tmp_path / "g.jsonl", GenerationConfig(), _requests(5)
    first = FakeBackend(fail={"q3"})
    out = generate_with_store(first, requests, gen, GenerationStore(path), _settings(), batch_size=2)
    assert [g.id for g in out] == [r.id for r in requests]
    assert out[3].error == "boom" and out[4].error is None

    batches: list[tuple[int, int]] = []
    second = FakeBackend()
    out = generate_with_store(
        second,
        requests,
        gen,
        GenerationStore(path),
        _settings(),
        batch_size=2,
        on_batch=lambda batch, done, total: batches.append((done, total)),
    )
    assert second.calls == [["q3"]] and batches == [(1, 1)]
    assert [g.id for g in out] == [r.id for r in requests] and all(g.error is None for g in out)

    third = FakeBackend()
    generate_with_store(third, requests, gen, GenerationStore(path), _settings(), batch_size=2, use_cache=False)
    assert third.calls == [["q0", "q1"], ["q2", "q3"], ["q4"]]
    assert len(GenerationStore(path)) == 5


def test_identical_requests_generate_once_and_keep_their_ids(tmp_path: Path) -> None:
    store, backend = GenerationStore(tmp_path / "g.jsonl"), FakeBackend()
    same = [{"role": "user", "content": "same"}]
    requests = [Request(id="x", messages=same), Request(id="y", messages=same)]
    out = generate_with_store(backend, requests, GenerationConfig(), store, _settings(), batch_size=8)
    assert backend.calls == [["x"]] and [g.id for g in out] == ["x", "y"]


def test_duplicates_resolve_last_wins_and_failures_never_count(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    store = GenerationStore(path)
    store.put_many([("k1", Generation(id="a", answer="1")), ("k2", Generation(id="b", answer="2"))])
    store.put("k1", Generation(id="a", answer="1b"))
    store.put("k3", Generation(id="c", error="timeout"))
    reloaded = GenerationStore(path)
    assert reloaded.get("k1").answer == "1b" and reloaded.get("k2").answer == "2"
    assert reloaded.get("k3") is None and "k3" not in reloaded and len(reloaded) == 3
    assert set(reloaded.get_many(["k1", "k2", "k3", "nope"])) == {"k1", "k2"}


def test_a_json_lines_store_of_an_earlier_version_is_imported_once(tmp_path: Path) -> None:
    legacy = tmp_path / "m.jsonl"
    lines = [{"v": 1, "key": "k1", "generation": {"id": "a", "answer": "1"}},
             {"v": 1, "key": "k1", "generation": {"id": "a", "answer": "1b"}},
             {"v": 1, "key": "k2", "generation": {"id": "b", "answer": "2"}}]  # fmt: skip
    legacy.write_text("".join(json.dumps(x) + "\n" for x in lines) + '{"v": 1, "key": "k3", "gen')  # torn tail
    store = GenerationStore(tmp_path / "m.sqlite")
    assert store.get("k1").answer == "1b" and store.get("k2").answer == "2" and len(store) == 2
    store.put("k1", Generation(id="a", answer="new"))
    assert GenerationStore(tmp_path / "m.sqlite").get("k1").answer == "new"  # not imported over again


def test_lookup_reads_the_index_not_every_trace(tmp_path: Path) -> None:
    """A lookup of a few keys in a large store touches a few pages, not the whole database."""
    path = tmp_path / "big.sqlite"
    store = GenerationStore(path)
    trace = "word " * 2000  # ~10 kB per record: 400 records is a 4 MB store
    store.put_many([(f"k{i}", Generation(id=str(i), raw_text=trace, reasoning=trace, answer="x")) for i in range(400)])
    store.close()
    size = path.stat().st_size
    assert size > 4_000_000
    reader = GenerationStore(path)
    reader.get_many(["warm-up"])  # opens the connection and reads the schema
    before = _bytes_read()
    found = reader.get_many(["k7", "k123", "missing"])
    read = _bytes_read() - before
    assert set(found) == {"k7", "k123"} and found["k7"].raw_text == trace
    assert read < size / 20, (read, size)


def _bytes_read() -> int:
    """Bytes this process has read through system calls so far (Linux /proc/self/io)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from harness.config import GenerationConfig, ModelConfig
    from harness.run.generation_store import GenerationStore, generate_with_store, generation_settings
    from harness.types import Generation, Request

    class SlowBackend:
        name, model_id = "slow", "slow:model@default"
        def generate(self, requests, gen):
            time.sleep(0.15)
            return [Generation(id=r.id, raw_text=r.id, answer=r.id) for r in requests]
        def close(self):
            pass

    requests = [Request(id=f"q{i}", messages=[{"role": "user", "content": f"q{i}"}]) for i in range(40)]
    report = lambda batch, done, total: print("stored", ",".join(g.id for g in batch), flush=True)
    generate_with_store(SlowBackend(), requests, GenerationConfig(), GenerationStore(sys.argv[1]),
                        generation_settings(ModelConfig()), batch_size=3, on_batch=report)
    print("finished", flush=True)
    """
)


def test_kill_9_mid_run_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    path, script = tmp_path / "g.sqlite", tmp_path / "run.py"
    script.write_text(KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    stored_before_kill: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("stored"):
            stored_before_kill += line.split()[1].split(",")
        if len(stored_before_kill) >= 12:
            break
    time.sleep(0.07)  # land the kill inside the next batch's generation
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    store = GenerationStore(path)
    finished = len(store)
    assert 12 <= finished < 40
    backend = FakeBackend("slow:model@default")
    requests = [Request(id=f"q{i}", messages=[{"role": "user", "content": f"q{i}"}]) for i in range(40)]
    out = generate_with_store(
        backend, requests, GenerationConfig(), store, generation_settings(ModelConfig()), batch_size=3
    )

    regenerated = [i for call in backend.calls for i in call]
    assert not set(regenerated) & set(stored_before_kill), "batches stored before the kill were regenerated"
    assert len(regenerated) == len(set(regenerated)) == 40 - finished
    assert [g.id for g in out] == [r.id for r in requests] and all(g.error is None for g in out)
    ids = [json.loads(r)["id"] for (r,) in sqlite3.connect(path).execute("SELECT record FROM generations")]
    assert sorted(ids) == sorted(r.id for r in requests), "each id stored exactly once"


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from harness.run.generation_store import GenerationStore
    from harness.types import Generation

    path, name, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = GenerationStore(path)
    for b in range(batches):
        own = [(f"{name}-{b}-{i}", Generation(id=f"{name}-{b}-{i}", raw_text="t " * 3000, answer=name)) for i in range(5)]
        shared = [(f"shared-{b}", Generation(id=f"shared-{b}", answer="same"))]  # every writer stores it too
        store.put_many(own + shared)
        print("stored", b, flush=True)
        time.sleep(0.01)
    print("finished", flush=True)
    """
)


@pytest.mark.parametrize("journal", ["WAL", "DELETE"])  # local disk / network filesystem mode
def test_concurrent_writer_processes_and_a_kill_9_lose_nothing_reported_stored(tmp_path: Path, journal: str) -> None:
    path, script = tmp_path / "shared.sqlite", tmp_path / "writer.py"
    script.write_text(WRITER_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "REAPER_STORE_JOURNAL": journal}

    def start(name: str, batches: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(script), str(path), name, str(batches)],
                                stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)  # fmt: skip

    writers = {name: start(name, 40) for name in ("a", "b", "c")}
    victim = start("v", 100_000)
    assert victim.stdout is not None
    stored = [
        int(line.split()[1]) for line, _ in zip(victim.stdout, range(15), strict=False) if line.startswith("stored")
    ]
    victim.send_signal(signal.SIGKILL)  # mid-stream: likely inside a transaction, holding the write lock
    victim.wait(timeout=10)
    for proc in writers.values():
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip().endswith("finished"), out

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0].upper() == journal
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = GenerationStore(path)
    for name in writers:
        keys = [f"{name}-{b}-{i}" for b in range(40) for i in range(5)]
        found = store.get_many(keys)
        assert len(found) == 200 and all(g.answer == name and g.id == k for k, g in found.items())
    victim_keys = [f"v-{b}-{i}" for b in stored for i in range(5)]
    assert len(store.get_many(victim_keys)) == len(victim_keys) == 5 * len(stored) > 0
    assert set(store.get_many([f"shared-{b}" for b in range(40)])) == {f"shared-{b}" for b in range(40)}
    victim_total = conn.execute("SELECT COUNT(*) FROM generations WHERE key LIKE 'v-%'").fetchone()[0]
    assert victim_total % 5 == 0, "a killed transaction left part of a batch"  # all of a batch or none
    assert len(store) == 3 * 200 + victim_total + conn.execute(
        "SELECT COUNT(*) FROM generations WHERE key LIKE 'shared-%'").fetchone()[0]  # fmt: skip


def test_journal_mode_follows_the_filesystem(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("REAPER_STORE_JOURNAL", raising=False)
    assert filesystem_type(Path("/proc")) == "proc"  # the longest matching mount point wins
    assert journal_mode(tmp_path) == ("DELETE" if filesystem_type(tmp_path) in NETWORK_FILESYSTEMS else "WAL")
    monkeypatch.setenv("REAPER_STORE_JOURNAL", "DELETE")
    assert journal_mode(tmp_path) == "DELETE"
