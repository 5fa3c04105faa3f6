"""Profiles stay packed through a run: parsed one question at a time, and afterwards only the
retrieved items are kept (issue 15.3: peak memory bounded by the packed data, not by every profile)."""

from __future__ import annotations

import datetime
import json
import pickle
import random
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

from harness.analyzers.cache import inputs_digest
from harness.analyzers.common import Context
from harness.config import ModelConfig, RetrieverConfig, RunConfig, TaskConfig
from harness.data import load
from harness.data.packed import PackedProfile
from harness.run import cached_retrieval
from harness.run.pipeline import prepare_cell
from harness.types import Sample

WORDS = ["rain", "storm", "vote", "senate", "game", "coach", "film", "actor", "market", "stock", "city", "mayor"]
INPUT = "Generate a headline for the following article: "


def _questions(rng: random.Random, n: int, items: int) -> list[dict]:
    rows = []
    for q in range(n):
        profile = [{"id": f"{q}-{i}", "text": " ".join(rng.choices(WORDS, k=12)), "title": " ".join(rng.choices(WORDS, k=3))}
                   for i in range(items)]  # fmt: skip
        rows.append({"id": f"q{q}", "input": INPUT + " ".join(rng.choices(WORDS, k=8)), "profile": profile})
    return rows


def _files(tmp_path: Path, rows: list[dict]) -> tuple[str, str]:
    questions, outputs = tmp_path / "questions.json", tmp_path / "outputs.json"
    questions.write_text(json.dumps(rows), encoding="utf-8")
    golds = [{"id": row["id"], "output": "a headline"} for row in rows]
    outputs.write_text(json.dumps({"task": "LaMP_4", "golds": golds}), encoding="utf-8")
    return str(questions), str(outputs)


def test_a_loaded_profile_is_packed_and_reads_back_exactly(tmp_path: Path) -> None:
    profile = [{"id": "é-1", "text": "naïve café — 東京 🌧", "title": "quote \" and \\ back", "score": 4},
               {"id": "2", "text": "tab\tand newline\n", "title": "", "score": 2.5, "extra": [1, None, {"a": True}]}]  # fmt: skip
    path = tmp_path / "q.json"
    path.write_text(json.dumps([{"id": "q", "input": INPUT + "x", "profile": profile}]), encoding="utf-8")
    load.clear_memo()
    example = load.load_dataset(load_task(), str(path)).examples[0]
    assert isinstance(example.profile, PackedProfile) and len(example.profile) == 2
    assert example.profile.unpack() == json.loads(path.read_text(encoding="utf-8"))[0]["profile"]
    assert list(example.profile) == profile and example.profile[1]["extra"] == [1, None, {"a": True}]
    first = example.profile.unpack()
    first[0]["text"] = "changed"  # a read is a fresh copy: the stored profile never changes
    assert example.profile[0]["text"] == profile[0]["text"]
    again = pickle.loads(pickle.dumps(example.profile))  # joblib and submitit pickle examples packed
    assert isinstance(again, PackedProfile) and again == profile and again.nbytes == example.profile.nbytes


def test_packed_profiles_are_smaller_than_their_json() -> None:
    rows = _questions(random.Random(1), 3, 300)
    packed = PackedProfile(rows[0]["profile"])
    assert packed.nbytes < 0.5 * len(json.dumps(rows[0]["profile"]))
    assert packed == rows[0]["profile"] and packed != rows[1]["profile"]
    odd = [
        {"id": "1", "text": "lone \ud800 surrogate \udfff", "title": "\x00 nul"},  # any str round-trips,
        {"id": "2", "date": datetime.date(2019, 5, 1), "score": 3, "weight": 0.1},
    ]  # and a dataset's dates
    assert PackedProfile(odd).unpack() == odd and type(PackedProfile(odd)[1]["score"]) is int


def load_task():
    from harness.registry import get_task

    return get_task("LaMP_4")


class _Item(dict):
    """A profile item whose lifetime a test can watch (plain dicts take no weak references)."""


class _Watch:
    """Every profile item parsed from a packed profile, by weak reference: how many are alive."""

    def __init__(self) -> None:
        self.refs: list[weakref.ref] = []
        self.peaks: list[int] = []  # items alive when each parse began

    def alive(self) -> int:
        return sum(ref() is not None for ref in self.refs)


def _watch_parses(monkeypatch: pytest.MonkeyPatch) -> _Watch:
    watch, unpack = _Watch(), PackedProfile.unpack

    def tracked(self: PackedProfile) -> list:
        watch.peaks.append(watch.alive())
        items = [_Item(item) for item in unpack(self)]
        watch.refs += [weakref.ref(item) for item in items]
        return items

    monkeypatch.setattr(PackedProfile, "unpack", tracked)
    return watch


def _config(tmp_path: Path, questions: str, outputs: str, k: int, method: str = "direct") -> RunConfig:
    config = RunConfig(task=TaskConfig(name="LaMP_4", questions=questions, outputs=outputs),
                       retriever=RetrieverConfig(name="bm25", k=k),
                       model=ModelConfig(name="canned", backend="canned", path="canned"),
                       runs_dir=str(tmp_path / "runs"), cache_dir=str(tmp_path / "cache"), analyze=False)  # fmt: skip
    config.method.name = method
    return config


def test_a_prepared_cell_keeps_only_the_retrieved_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _questions(random.Random(0), 12, 40)
    questions, outputs = _files(tmp_path, rows)
    load.clear_memo()
    cached_retrieval.clear_memo()
    watch = _watch_parses(monkeypatch)
    k = 2
    cell = prepare_cell(_config(tmp_path, questions, outputs, k))
    assert all(isinstance(e.profile, PackedProfile) for e in cell.dataset.examples)
    assert len(watch.peaks) == len(rows)  # one parse per question, for retrieval and prompts together
    # while ranking, at most the previous profile is alive beside the items kept so far
    assert max(peak - k * n for n, peak in enumerate(watch.peaks)) <= 40
    assert watch.alive() == k * len(rows)  # afterwards: nothing but the retrieved items
    for row in rows:  # ... and they are the official BM25's top k (fresh BM25Okapi per question)
        profile = row["profile"]
        bm25 = BM25Okapi([f"{item['title']} {item['text']}".split() for item in profile])
        query = row["input"][len(INPUT) :].split()
        assert cell.retrieved[row["id"]] == bm25.get_top_n(query, profile, n=k)
    second = prepare_cell(_config(tmp_path, questions, outputs, k, method="cot"))  # another cell, same retrieval
    assert len(watch.peaks) == len(rows) and second.retrieved == cell.retrieved  # no profile parsed again
    monkeypatch.undo()
    load.clear_memo()
    cached_retrieval.clear_memo()


def test_the_analysis_cache_keys_a_packed_profile_by_its_items() -> None:
    items = [{"id": "1", "text": "a b", "title": "t"}, {"id": "2", "text": "c d", "title": "u"}]
    sample = Sample(id="q", task="LaMP_4", prompt="p", retrieved_ids=["1"], gold="g")
    digest = inputs_digest([sample], {"q": Context(input="i", profile=PackedProfile(items))})
    assert digest == inputs_digest([sample], {"q": Context(input="i", profile=items)})
    changed = [items[0], {**items[1], "text": "c e"}]
    assert digest != inputs_digest([sample], {"q": Context(input="i", profile=PackedProfile(changed))})


def test_rouge_loads_without_scipy_and_sklearn_and_they_still_import_after() -> None:
    code = (
        "import sys\n"
        "from harness.run.metrics import rouge_pair\n"
        "print(rouge_pair('the cat sat', 'the cat ran'))\n"
        "print('scipy' in sys.modules, 'sklearn' in sys.modules)\n"
        "import scipy.stats, sklearn\n"
        "print('imported')\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    value, absent, imported = out.splitlines()
    assert value == f"({2 / 3!r}, {2 / 3!r})"  # 2 of 3 unigrams shared either way; LCS "the cat"
    assert absent == "False False" and imported == "imported"
