"""The lm-eval export builds the harness's prompts and scores exactly as ``reaper score`` does.

A table-driven model (registered through lm-eval's model registry) answers each prompt with the
gold at even positions and a fixed wrong answer at odd ones; it only knows the prompts the
harness pipeline builds, so a prompt that differs is a KeyError. The same answers go into an
official predictions file, and lm-eval's numbers must equal ``reaper score``'s.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read by huggingface_hub at import time
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import pytest  # noqa: E402
from conftest import require_module  # noqa: E402

require_module("lm_eval", "lm-eval", "make install: the lmeval extra")

import lm_eval.models  # noqa: E402, F401  (registers the built-in models first)
from lm_eval import simple_evaluate  # noqa: E402
from lm_eval.api.model import LM  # noqa: E402
from lm_eval.api.registry import register_model  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

from harness.cli.export_lm_eval import write_folder  # noqa: E402
from harness.cli.main import main  # noqa: E402
from harness.config import RetrieverConfig, RunConfig, TaskConfig  # noqa: E402
from harness.data.load import bundled_files, load_dataset  # noqa: E402
from harness.paths import cache_dir  # noqa: E402
from harness.registry import get_task  # noqa: E402
from harness.run.cached_retrieval import retrieve_items  # noqa: E402
from harness.run.pipeline import make_prompts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tasks" / "lm_eval"
TASKS = ["LaMP_1", "LaMP_2", "LaMP_3", "LaMP_4", "LaMP_5", "LaMP_7"]
WRONG = {"LaMP_1": "[2]", "LaMP_2": "comedy", "LaMP_3": "five stars"}  # LaMP_3: unreadable -> scale end


@register_model("reaper_table")
class TableLM(LM):
    """Answers from a table {lm-eval task name: {prompt: answer}}; an unknown prompt is an error."""

    def __init__(self, table: dict[str, dict[str, str]], **_config: Any) -> None:
        super().__init__()
        self.table = table

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        return [self.table[r.task_name][r.arguments[0]] for r in requests]

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAPER_CACHE", str(tmp_path / "cache"))


def answers(task_name: str, retriever: str, k: int, questions: str | None = None, outputs: str | None = None):
    """(prompt -> answer, id -> answer) from the harness pipeline's own prompts."""
    task = get_task(task_name)
    data = load_dataset(task, questions, outputs)
    spec = RetrieverConfig(name=retriever, k=k)
    retrieved = retrieve_items(task, data.examples, spec, cache_dir(), data.data_hash, data.source)
    prompts = make_prompts(task, data.examples, retrieved, RunConfig(task=TaskConfig(name=task_name), retriever=spec))
    by_prompt, by_id = {}, {}
    for n, (example, prompt) in enumerate(zip(data.examples, prompts, strict=True)):
        answer = f" {example.gold}\n" if n % 2 == 0 else WRONG.get(task_name, "an unrelated answer")
        assert by_prompt.setdefault(prompt, answer) == answer, f"{task_name}: two questions share a prompt"
        by_id[example.id] = answer
    return by_prompt, by_id


def reaper_score(task_name: str, golds: str, by_id: dict[str, str], tmp: Path, capsys) -> dict[str, float]:
    """``reaper score`` on an official predictions file holding the same answers."""
    preds = tmp / f"{task_name}_preds.json"
    preds.write_text(json.dumps({"task": task_name, "golds": [{"id": i, "output": a} for i, a in by_id.items()]}))
    capsys.readouterr()
    assert main(["score", "--task", task_name, "--golds", golds, "--preds", str(preds)]) == 0
    return json.loads(capsys.readouterr().out)


def evaluate(folder: Path, tasks: list[str], table: dict[str, dict[str, str]]) -> dict[str, Any]:
    manager = TaskManager(include_path=str(folder), include_defaults=False)
    out = simple_evaluate(model="reaper_table", model_args={"table": table}, tasks=tasks, task_manager=manager,
                          bootstrap_iters=0, log_samples=False)  # fmt: skip
    assert out is not None
    return out["results"]


def test_every_task_scores_as_reaper_score(tmp_path: Path, capsys) -> None:
    """The group reaper_lamp: 6 tasks x (none, bm25 k=1), prompts and metrics as the harness."""
    cells = [(t, r) for t in TASKS for r in ("none", "bm25")]
    tables, ids = {}, {}
    for task_name, retriever in cells:
        name = f"reaper_{task_name.lower().replace('_', '')}_{retriever}"
        tables[name], ids[name] = answers(task_name, retriever, 1)
    results = evaluate(FOLDER, ["reaper_lamp"], tables)
    for task_name, retriever in cells:
        name = f"reaper_{task_name.lower().replace('_', '')}_{retriever}"
        expected = reaper_score(task_name, str(bundled_files(get_task(task_name))[1]), ids[name], tmp_path, capsys)
        got = {metric: results[name][f"{metric},none"] for metric in expected}
        assert got == expected, name
        assert min(expected.values()) > 0, f"{name}: some answers should be right (and some errors made)"


def test_k_comes_from_metadata() -> None:
    """``--metadata k=3`` (TaskManager metadata) changes k; the prompts are the harness's for k=3."""
    manager = TaskManager(include_path=str(FOLDER), include_defaults=False, metadata={"k": 3})
    docs = manager.load(["reaper_lamp7_bm25", "reaper_lamp7_none"])["tasks"]
    bm25, none = (list(docs[name].eval_docs) for name in ("reaper_lamp7_bm25", "reaper_lamp7_none"))
    assert {len(d["retrieved_ids"]) for d in bm25} == {3} and {len(d["retrieved_ids"]) for d in none} == {0}
    assert set(answers("LaMP_7", "bm25", 3)[0]) == {d["prompt"] for d in bm25}


def test_committed_folder_is_the_export_of_the_bundled_sample(tmp_path: Path) -> None:
    """tasks/lm_eval is the exporter's output (no drift) and holds no path of this machine."""
    out = tmp_path / "out"
    assert len(write_folder(out, TASKS, ["none", "bm25"])) == 12
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in FOLDER.iterdir() if p.suffix in (".yaml", ".py"))
    for name in written:
        committed = (FOLDER / name).read_text()
        assert (out / name).read_text() == committed, f"{name}: run `reaper export-lm-eval tasks/lm_eval`"
        assert str(ROOT) not in committed and "/home/" not in committed


def test_export_of_user_data(tmp_path: Path, capsys) -> None:
    """A user's copy of LaMP_4 exported with bm25 k=2: the YAML names the user's files and scores match."""
    questions, outputs = (str(p) for p in bundled_files(get_task("LaMP_4")))
    data = tmp_path / "my data"
    data.mkdir()
    q, o = shutil.copy(questions, data / "dev_questions.json"), shutil.copy(outputs, data / "dev_outputs.json")
    out = tmp_path / "lm_eval"
    argv = ["export-lm-eval", str(out), "--data", f"lamp4={q},{o}", "--retrievers", "bm25", "--k", "2"]
    assert main(argv) == 0
    assert capsys.readouterr().out.split() == ["reaper_lamp4_bm25"]
    assert sorted(p.name for p in out.iterdir()) == ["reaper_lamp.yaml", "reaper_lamp4_bm25.yaml", "utils.py"]
    assert json.dumps(str(q)) in (out / "reaper_lamp4_bm25.yaml").read_text()
    table, by_id = answers("LaMP_4", "bm25", 2, str(q), str(o))
    results = evaluate(out, ["reaper_lamp4_bm25"], {"reaper_lamp4_bm25": table})
    expected = reaper_score("LaMP_4", str(o), by_id, tmp_path, capsys)
    assert {m: results["reaper_lamp4_bm25"][f"{m},none"] for m in expected} == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "LaMP_4=/nonexistent/q.json"], "not found"),
        (["--data", "LaMP_4"], "expected TASK=QUESTIONS[,OUTPUTS]"),
        (["--tasks", "LaMP_6"], "no bundled sample"),
        (["--tasks", "LaMP_9"], "unknown task"),
        (["--retrievers", "bm24"], "unknown retriever"),
        (["--k", "0"], "--k must be 1 or more"),
    ],
)
def test_export_errors_are_one_line(tmp_path: Path, capsys, args: list[str], message: str) -> None:
    assert main(["export-lm-eval", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
