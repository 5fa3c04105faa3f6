"""Questions from JSON lines, Hugging Face dataset folders and hub ids (offline fails fast), with golds inline."""

import json
import time

import pytest

from harness.cli.main import main
from harness.data.load import load_dataset, read_questions
from harness.errors import ReaperError
from harness.registry import get_task

ROWS = [
    {"id": "a", "input": "Paraphrase the following tweet without any explanation before or after it: cats rule",
     "profile": [{"id": "a1", "text": "dogs rule", "date": "2020-01-02"}, {"id": "a2", "text": "cats nap", "date": "2021-05-01"}],
     "output": "cats are the best"},
    {"id": "b", "input": "Paraphrase the following tweet without any explanation before or after it: rain again",
     "profile": [{"id": "b1", "text": "sunny today", "date": "2019-03-03"}], "output": "more rain"},
]  # fmt: skip


def test_hugging_face_dataset_folder_and_inline_golds(tmp_path, capsys):
    import datasets

    folder = tmp_path / "ds"
    datasets.Dataset.from_list(ROWS).save_to_disk(str(folder))
    examples, data_hash = read_questions(str(folder), get_task("LaMP_7"))
    assert [e.id for e in examples] == ["a", "b"] and examples[0].gold == "cats are the best"
    assert examples[0].profile[1]["text"] == "cats nap" and len(data_hash) == 64
    out = tmp_path / "r.json"
    code = main(["retrieve", "--task", "LaMP_7", "--questions", str(folder), "--retriever", "recency", "--k", "2",
                 "--out", str(out), "--cache-dir", str(tmp_path / "c")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert json.loads(out.read_text())[0] == {"id": "a", "profile_ids": ["a2", "a1"]}  # newest first


def test_json_lines_with_inline_golds(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    dataset = load_dataset(get_task("LaMP_7"), str(path))
    assert [e.gold for e in dataset.examples] == ["cats are the best", "more rain"]


def test_hub_id_offline_fails_fast_with_one_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(ReaperError, match="hf://someone/lamp-7"):
        read_questions("hf://someone/lamp-7:dev", get_task("LaMP_7"))
    assert time.perf_counter() - start < 20


def test_limit_keeps_the_first_questions_and_matches_golds(tmp_path):
    task = get_task("LaMP_4")
    dataset = load_dataset(task, limit=3)
    assert len(dataset.examples) == 3 and all(e.gold for e in dataset.examples)
    assert dataset.data_hash.endswith(":first3")
