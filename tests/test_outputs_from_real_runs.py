"""Tables, plots and the report on run directories made by the real pipeline (canned backend):
analyzer rates that are not applicable (None) must not break anything."""

import json

from harness.cli.main import main
from harness.config import ModelConfig, RetrieverConfig, RunConfig, TaskConfig
from harness.run.pipeline import run_cell


def make_runs(tmp_path):
    for model, think in (("general-a", None), ("prompted-b", "The user likes comedy. So comedy.")):
        for retriever in ("none", "bm25"):
            cfg = RunConfig(
                task=TaskConfig(name="LaMP_2", limit=5),
                retriever=RetrieverConfig(name=retriever, k=2),
                model=ModelConfig(name=model, backend="canned", path=model, prompted_reasoning=think is not None,
                                  reasoning_parser="think_tags", engine={"reply": "comedy", "think": think}),
                runs_dir=str(tmp_path / "runs"), cache_dir=str(tmp_path / "cache"), bootstrap=50,
            )  # fmt: skip
            run_cell(cfg)
    return tmp_path / "runs"


def test_tables_plots_and_report_from_pipeline_runs(tmp_path, capsys):
    runs = make_runs(tmp_path)
    summary = json.loads(next(runs.glob("LaMP_2__general-a__none*/summary.json")).read_text())
    assert summary["failure_modes"]["divergent.long"] is None  # no traces: not applicable
    assert main(["plot", str(runs), "--out", str(tmp_path / "plots")]) == 0
    assert list((tmp_path / "plots").glob("*.svg")) and list((tmp_path / "plots").glob("*.png"))
    assert main(["report", str(runs), "--out", str(tmp_path / "report.html")]) == 0
    assert (tmp_path / "report.html").stat().st_size > 10_000
    capsys.readouterr()
    assert main(["table", str(runs), "--layout", "lrm-vs-llm", "--format", "csv"]) == 0
    csv = capsys.readouterr().out
    accuracy = summary["metrics"]["accuracy"]["value"]
    assert f"{accuracy:.4f}"[:5] in csv or str(round(accuracy, 4)) in csv
    assert main(["table", str(runs), "--layout", "paired", "--format", "markdown"]) == 0
    assert "prompted-b | general-a | LaMP_2" in capsys.readouterr().out
