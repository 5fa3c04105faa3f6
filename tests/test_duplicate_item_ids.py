"""Two profile items with one id: the prompt holds the item the retriever ranked (by position), on
every path that builds prompts: `reaper run`, `reaper prompts` and the lm-eval hooks."""

import importlib.util
import json
from pathlib import Path

from harness.cli.main import main
from harness.config import ModelConfig, RetrieverConfig, RunConfig, TaskConfig
from harness.run.pipeline import run_cell

HOOKS = Path(__file__).resolve().parent.parent / "tasks" / "lm_eval" / "utils.py"

INPUT = "Paraphrase the following tweet without any explanation before or after it: cats nap all day"
# The match comes first; the item sharing its id comes last (a lookup by id finds the last one).
PROFILE = [{"id": "p1", "text": "cats nap all day long"}, {"id": "p2", "text": "birds sing at dawn"},
           {"id": "p1", "text": "dogs bark loudly"}]  # fmt: skip
# LAMP.md, LaMP_7: items rendered as "{text}" + space, then " are written by a person. Following the given patterns "
EXPECTED = '"cats nap all day long"  are written by a person. Following the given patterns ' + INPUT


def files(tmp_path: Path) -> tuple[str, str]:
    questions, outputs = tmp_path / "q.json", tmp_path / "o.json"
    questions.write_text(json.dumps([{"id": "1", "input": INPUT, "profile": PROFILE}]))
    outputs.write_text(json.dumps({"task": "LaMP_7", "golds": [{"id": "1", "output": "cats sleep all day"}]}))
    return str(questions), str(outputs)


def test_run_uses_the_ranked_item_not_an_id_lookup(tmp_path):
    questions, outputs = files(tmp_path)
    config = RunConfig(task=TaskConfig(name="LaMP_7", questions=questions, outputs=outputs),
                       retriever=RetrieverConfig(name="bm25", k=1),
                       model=ModelConfig(name="canned", backend="canned", path="canned"),
                       runs_dir=str(tmp_path / "runs"), cache_dir=str(tmp_path / "cache"), analyze=False)  # fmt: skip
    row = json.loads((run_cell(config) / "inputs.jsonl").read_text().splitlines()[0])
    assert row["prompt"] == EXPECTED
    assert row["retrieved_ids"] == ["p1"] and row["retrieved_items"] == [PROFILE[0]]


def test_reaper_prompts_and_retrieve_agree(tmp_path, capsys):
    questions, _ = files(tmp_path)
    common = ["--task", "LaMP_7", "--questions", questions, "--retriever", "bm25", "--k", "1",
              "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    assert main(["prompts", *common, "--out", str(tmp_path / "p.jsonl")]) == 0
    assert json.loads((tmp_path / "p.jsonl").read_text()) == {"id": "1", "prompt": EXPECTED}
    assert main(["retrieve", *common, "--out", str(tmp_path / "r.json")]) == 0
    assert json.loads((tmp_path / "r.json").read_text()) == [{"id": "1", "profile_ids": ["p1"]}]


def test_lm_eval_docs_use_the_ranked_item(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("reaper_lm_eval_hooks", HOOKS)  # by path, as lm-eval loads it
    assert spec is not None and spec.loader is not None
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)
    monkeypatch.setenv("REAPER_CACHE", str(tmp_path / "cache"))
    questions, outputs = files(tmp_path)
    docs = utils.load_docs("LaMP_7", retriever="bm25", k=1, questions=questions, outputs=outputs)["test"]
    assert docs[0]["prompt"] == EXPECTED and docs[0]["retrieved_ids"] == ["p1"]
