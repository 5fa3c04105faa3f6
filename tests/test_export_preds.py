"""A test-partition grid (no golds) -> `reaper export-preds` -> one official predictions file per task."""

import json

from test_data_root import KEEP, make_root

from harness.cli.main import main
from harness.config import DataConfig, ModelConfig, RetrieverConfig, RunConfig, TaskConfig
from harness.data.load import bundled_files
from harness.registry import get_task
from harness.run.pipeline import run_cell


def run_test_grid(tmp_path):
    root = make_root(tmp_path / "lamp", tasks=("LaMP_2", "LaMP_3"), partition="test")
    for task, reply in (("LaMP_2", "comedy"), ("LaMP_3", "4")):
        for retriever, k in (("none", 0), ("bm25", 1)):
            run_cell(RunConfig(
                task=TaskConfig(name=task), retriever=RetrieverConfig(name=retriever, k=k),
                model=ModelConfig(name="canned", backend="canned", path=f"canned-{reply}", engine={"reply": reply}),
                data=DataConfig(root=str(root), partition="test"), runs_dir=str(tmp_path / "runs"),
                cache_dir=str(tmp_path / "cache"), analyze=False,
            ))  # fmt: skip
    return root


def test_export_preds_writes_one_official_file_per_task(tmp_path, capsys):
    root = run_test_grid(tmp_path)
    out = tmp_path / "preds"
    assert main(["export-preds", str(tmp_path / "runs"), "--out", str(out), "--retriever", "bm25"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["LaMP_2_predictions.json", "LaMP_3_predictions.json"]
    lamp3 = json.loads((out / "LaMP_3_predictions.json").read_text())
    questions = json.loads((root / "LaMP_3/test/test_questions.json").read_text())
    assert lamp3 == {"task": "LaMP_3", "golds": [{"id": q["id"], "output": "4"} for q in questions]}
    assert len(lamp3["golds"]) == KEEP
    # the file is what the scorer reads: score it against the (here known) golds of those questions
    _, outputs = bundled_files(get_task("LaMP_3"))
    ids = {q["id"] for q in questions}
    golds = [g for g in json.loads(outputs.read_text())["golds"] if g["id"] in ids]
    (tmp_path / "g.json").write_text(json.dumps({"task": "LaMP_3", "golds": golds}))
    capsys.readouterr()
    assert main(["score", "--task", "LaMP_3", "--golds", str(tmp_path / "g.json"),
                 "--preds", str(out / "LaMP_3_predictions.json")]) == 0  # fmt: skip
    mae = sum(abs(4 - float(g["output"])) for g in golds) / len(golds)
    assert abs(json.loads(capsys.readouterr().out)["MAE"] - mae) < 1e-12


def test_export_preds_refuses_an_ambiguous_choice(tmp_path, capsys):
    run_test_grid(tmp_path)
    capsys.readouterr()
    assert main(["export-preds", str(tmp_path / "runs"), "--out", str(tmp_path / "preds")]) == 2
    err = capsys.readouterr().err
    assert "LaMP_2: 2 runs match" in err and "--retriever" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "preds").exists()
    assert main(["export-preds", str(tmp_path / "runs"), "--out", str(tmp_path / "preds"), "--model", "nope"]) == 2
    assert "no run matches model=nope" in capsys.readouterr().err
