"""Tables T1–T5 and the paired differences, checked against summaries and samples written by the real scorer."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rundirs import DUPLICATE, MISSING, NO_METHOD, make_runs

from harness.cli.main import main
from harness.errors import ReaperError
from harness.io import read_jsonl
from harness.reporting.paired import paired_table
from harness.reporting.render import to_csv, to_latex, to_markdown
from harness.reporting.runs import find_runs
from harness.reporting.tables import LEGEND, failure_tables, failures_long, lrm_vs_llm, methods_table, tokens_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_runs(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def runs(runs_dir: Path):
    return find_runs(runs_dir, warn=lambda _m: None)


def _summary(runs_dir: Path, task: str, model: str, setting: str, method: str = "direct") -> dict:
    """The newest summary.json of a cell, read straight from disk (not through harness.reporting.tables)."""
    matches = sorted(
        runs_dir.glob(f"{task}__{model}__{setting}__{method}__*/summary.json"), key=lambda p: p.stat().st_mtime
    )
    assert matches, (task, model, setting, method)
    return json.loads(matches[-1].read_text())


def _md_rows(text: str) -> dict[tuple[str, ...], list[str]]:
    rows = {}
    for line in text.splitlines():
        if line.startswith("| LaMP"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[tuple(cells[:2])] = cells[2:]
    return rows


def _header(text: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith("| task"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_t1_values_equal_the_summaries(runs_dir: Path, runs) -> None:
    table = lrm_vs_llm(runs)
    checked = 0
    for path in runs_dir.glob("*__direct__*/summary.json"):
        spec = json.loads((path.parent / "spec.json").read_text())
        if spec["config"]["seed"] == 1:  # the older copy of the duplicated cell
            continue
        summary = json.loads(path.read_text())
        ident = summary["run"]
        setting = "none" if ident["retriever"] == "none" else f"{ident['retriever']} k={ident['k']}"
        col = (ident["model_type"], ident["model"], setting)
        for key in (k for k in summary["metrics"] if "@" not in k):
            value = table.frame.loc[(ident["task"], key), col]
            assert value == summary["metrics"][key]["value"]
            checked += 1
        scored = sum(s["status"] == "ok" for s in read_jsonl(path.parent / "samples.jsonl"))
        assert table.frame.loc[(ident["task"], "n"), col] == scored  # n: scored samples, counted from the samples
    assert checked == 2 * (3 * 4 * 4 - 1)
    # column groups: reasoning models first, then general; rows task × metric, then the task's n
    assert list(table.frame.columns.get_level_values("type"))[:8] == ["reasoning"] * 8
    assert list(table.frame.index) == [("LaMP_2", "accuracy"), ("LaMP_2", "f1"), ("LaMP_2", "n"), ("LaMP_3", "MAE"),
                                       ("LaMP_3", "RMSE"), ("LaMP_3", "n"), ("LaMP_4", "rouge-1"), ("LaMP_4", "rouge-L"),
                                       ("LaMP_4", "n")]  # fmt: skip


def test_markdown_cell_bold_and_direction(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", str(runs_dir), "--layout", "lrm-vs-llm", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    header, rows = _header(out), _md_rows(out)
    col = header.index("reasoning / qwq / bm25 k=1") - 2
    expected = _summary(runs_dir, "LaMP_4", "qwq", "bm25-k1")["metrics"]["rouge-1"]["value"]
    assert rows[("LaMP_4", "ROUGE-1 ↑")][col].strip("*") == f"{expected:.4f}"
    assert rows[("LaMP_4", "n (scored samples)")][col] == "11"  # qwq's last trace never closed
    mae = rows[("LaMP_3", "MAE ↓")]
    assert ("LaMP_3", "RMSE ↓") in rows and ("LaMP_2", "F1 (macro) ↑") in rows
    numbers = [float(c.strip("*")) for c in mae if c != "—"]
    bold = [float(c.strip("*")) for c in mae if c.startswith("**")]
    assert bold == [min(numbers)] and numbers.count(min(numbers)) == 1  # MAE: lower is better, a unique best
    rouge = rows[("LaMP_4", "ROUGE-1 ↑")]
    bold = [float(c.strip("*")) for c in rouge if c.startswith("**")]
    assert bold == [max(float(c.strip("*")) for c in rouge)]
    assert not any(c.startswith("**") for c in rows[("LaMP_4", "n (scored samples)")])  # n has no direction
    assert LEGEND in out


def test_best_mask_bolds_only_a_unique_printed_best(runs) -> None:
    table = lrm_vs_llm(runs)
    best = table.best_mask()
    for row in table.frame.index:
        if row[1] == "n":
            assert not best.loc[row].any()
            continue
        shown = table.frame.loc[row].dropna().round(4)
        target = shown.min() if row[1] in ("MAE", "RMSE") else shown.max()
        winners = list(table.frame.loc[row][best.loc[row]].round(4))
        assert winners == ([target] if (shown == target).sum() == 1 else [])
    tied = table.frame.copy()
    tied.iloc[0, :] = 0.0  # a row of equal values: nobody is bold
    tied.iloc[1, :2] = [0.91234, 0.91231]  # equal as printed (0.9123): a tie too
    tied.iloc[1, 2:] = 0.5
    from harness.reporting.frame import Table

    again = Table(table.key, table.title, tied, table.absent, "metric", table.metric_info, bold_best=True)
    assert not again.best_mask().iloc[:2].to_numpy().any()


def test_t1_ci_prints_each_interval(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", str(runs_dir), "--ci"]) == 0
    out = capsys.readouterr().out
    col = _header(out).index("general / llama / bm25 k=4") - 2
    entry = _summary(runs_dir, "LaMP_3", "llama", "bm25-k4")["metrics"]["MAE"]
    low, high = entry["ci95"]
    assert _md_rows(out)[("LaMP_3", "MAE ↓")][col].strip("*") == f"{entry['value']:.4f} [{low:.4f}, {high:.4f}]"
    assert "95% bootstrap intervals" in out
    frame = pd.read_csv(io.StringIO(to_csv(lrm_vs_llm(find_runs(runs_dir, warn=lambda _m: None), ci=True))))
    row = frame[(frame.task == "LaMP_3") & (frame.metric == "MAE")].iloc[0]
    assert (row["general / llama / bm25 k=4 ci95 low"], row["general / llama / bm25 k=4 ci95 high"]) == (low, high)


def test_missing_cell_is_an_explicit_dash(runs_dir: Path, runs, capsys: pytest.CaptureFixture[str]) -> None:
    task, model, retriever, k = MISSING
    table = lrm_vs_llm(runs)
    assert table.absent.loc[(task, "MAE"), ("general", model, f"{retriever} k={k}")]
    assert table.absent.to_numpy().sum() == 3  # MAE, RMSE and n of that one cell, nothing else
    assert main(["table", str(runs_dir)]) == 0
    out = capsys.readouterr().out
    col = _header(out).index(f"general / {model} / {retriever} k={k}") - 2
    assert _md_rows(out)[(task, "MAE ↓")][col] == "—"
    assert _md_rows(out)[("LaMP_4", "ROUGE-1 ↑")][col] != "—"


def test_strict_makes_a_missing_cell_an_error(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", str(runs_dir), "--strict"]) == 2
    err = capsys.readouterr().err
    assert "missing cell" in err and "llama / contriever k=1" in err and "Traceback" not in err
    assert main(["table", str(runs_dir), "--layout", "ablation", "--strict"]) == 0  # complete: no error


def test_latex_is_booktabs_with_arrows_and_bold(runs) -> None:
    tex = to_latex(lrm_vs_llm(runs))
    for rule in (r"\toprule", r"\midrule", r"\bottomrule", r"\cmidrule(lr){3-10}"):
        assert rule in tex
    assert r"MAE $\downarrow$" in tex and r"ROUGE-1 $\uparrow$" in tex
    assert r"\textbf{" in tex and "---" in tex and r"LaMP\_3" in tex
    assert r"\multicolumn{8}{c}{reasoning}" in tex
    assert "\\\\\n" in tex and "LaMP_3" not in tex.replace(r"LaMP\_3", "")


def test_csv_parses_back_with_exact_values(runs_dir: Path, runs) -> None:
    frame = pd.read_csv(io.StringIO(to_csv(lrm_vs_llm(runs))))
    assert list(frame.columns[:3]) == ["task", "metric", "higher_is_better"]
    row = frame[(frame.task == "LaMP_3") & (frame.metric == "MAE")].iloc[0]
    assert not row["higher_is_better"]
    expected = _summary(runs_dir, "LaMP_3", "qwen-inst", "bm25-k1")["metrics"]["MAE"]["value"]
    assert row["general / qwen-inst / bm25 k=1"] == expected
    assert math.isnan(row["general / llama / contriever k=1"])  # missing cell: empty field
    rouge = frame[(frame.task == "LaMP_4") & (frame.metric == "rouge-L")].iloc[0]
    assert (
        rouge["reasoning / r1-distill / none"]
        == _summary(runs_dir, "LaMP_4", "r1-distill", "none")["metrics"]["rouge-L"]["value"]
    )


def test_csv_out_file_and_paired_sibling(runs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "t1.csv"
    assert main(["table", str(runs_dir), "--format", "csv", "--paired", "--out", str(out)]) == 0
    assert pd.read_csv(out).shape[0] == 9  # 6 metrics and 3 n rows
    paired = pd.read_csv(tmp_path / "t1.paired.csv")
    assert list(paired.columns) == ["reasoning model", "general model", "task", "setting", "metric", "higher_is_better",
                                    "diff", "ci95 low", "ci95 high", "n"]  # fmt: skip


def test_duplicates_use_the_newest_and_say_so(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages: list[str] = []
    runs = find_runs(runs_dir, warn=messages.append)
    task, model, retriever, k = DUPLICATE
    assert len(messages) == 1 and f"2 runs for {task} / {model} / {retriever} k={k} / direct" in messages[0]
    newest = _summary(runs_dir, task, model, f"{retriever}-k{k}")
    value = lrm_vs_llm(runs).frame.loc[(task, "MAE"), ("general", model, f"{retriever} k={k}")]
    assert value == newest["metrics"]["MAE"]["value"]
    main(["table", str(runs_dir)])
    assert "using the newest" in capsys.readouterr().err


def test_paired_difference_is_the_hand_computed_mean(runs_dir: Path, runs) -> None:
    table = paired_table(runs, resamples=1000, seed=0)

    def values(model: str, name: str) -> dict[str, float]:
        path = next(runs_dir.glob(f"LaMP_4__{model}__bm25-k1__direct__*/samples.jsonl"))
        return {s["id"]: s["metrics"][name] for s in read_jsonl(path) if s["status"] == "ok"}

    a, b = values("qwq", "rouge-1"), values("llama", "rouge-1")
    ids = sorted(set(a) & set(b))
    assert len(ids) == 11  # qwq's last sample never closed its trace: not scored, not paired
    expected = sum(a[i] for i in ids) / len(ids) - sum(b[i] for i in ids) / len(ids)
    row = table.frame.loc[("qwq", "llama", "LaMP_4", "bm25 k=1", "rouge-1")]
    assert row["diff"] == pytest.approx(expected, abs=1e-12)
    assert row["n"] == 11 and row["ci95 low"] <= row["diff"] <= row["ci95 high"]
    again = paired_table(runs, resamples=1000, seed=0)
    assert again.frame.equals(table.frame)  # seeded: the same intervals every time
    assert not any(key[4] == "f1" for key in table.frame.index)  # no per-sample values: not paired
    assert any("F1 (macro)" in note for note in table.notes)


def test_paired_rmse_is_a_difference_of_rmses(runs_dir: Path, runs) -> None:
    table = paired_table(runs, resamples=0)

    def errors(model: str) -> dict[str, float]:
        path = next(runs_dir.glob(f"LaMP_3__{model}__none__direct__*/samples.jsonl"))
        return {s["id"]: s["metrics"]["RMSE"] for s in read_jsonl(path) if s["status"] == "ok"}

    a, b = errors("r1-distill"), errors("qwen-inst")
    ids = sorted(set(a) & set(b))
    expected = math.sqrt(sum(a[i] ** 2 for i in ids) / len(ids)) - math.sqrt(sum(b[i] ** 2 for i in ids) / len(ids))
    assert table.frame.loc[("r1-distill", "qwen-inst", "LaMP_3", "none", "RMSE")]["diff"] == pytest.approx(expected)


def test_t4_token_numbers(runs_dir: Path, runs) -> None:
    table = tokens_table(runs)
    gens = read_jsonl(next(runs_dir.glob("LaMP_4__r1-distill__bm25-k4__direct__*/generations.jsonl")))
    row = table.frame.loc[("LaMP_4", "reasoning", "r1-distill", "bm25 k=4", "direct")]
    assert row["reasoning tokens"] == pytest.approx(sum(g["reasoning_tokens"] for g in gens) / len(gens))
    assert row["answer tokens"] == pytest.approx(sum(g["answer_tokens"] for g in gens) / len(gens))
    assert row["inserted tokens"] == 0.0
    assert row["generated total"] == pytest.approx(row["reasoning tokens"] + row["answer tokens"])
    assert row["trace never closed"] == pytest.approx(1 / 12)  # the last trace ran out: 1 of 12 traces
    assert row["answer hit the limit"] == 0.0  # the 11 answers all ended on their own
    counts = table.counts.loc[("LaMP_4", "reasoning", "r1-distill", "bm25 k=4", "direct")]
    assert (counts["trace never closed"], counts["answer hit the limit"]) == (12, 11)
    general = table.frame.loc[("LaMP_4", "general", "llama", "none", "direct")]
    assert math.isnan(general["reasoning tokens"]) and math.isnan(general["trace never closed"])  # no traces: n/a
    assert general["answer hit the limit"] == 0.0
    text = to_markdown(table)
    assert "| LaMP_4 | reasoning | r1-distill | bm25 k=4 | direct |" in text and "0.083 (12) | 0.000 (11) |" in text
    assert "| LaMP_4 | general | llama | none | direct | n/a |" in text and "| n/a | 0.000 (12) |" in text
    task, model, retriever, k = MISSING
    assert table.absent.loc[(task, "general", model, f"{retriever} k={k}", "direct")].all()


def test_t2_and_t3_methods(runs) -> None:
    t2 = methods_table(runs)
    assert [c[0] for c in t2.frame.columns] == ["direct", "cot", "hrt", "rpi", "srm", "r2p"]
    model, method = NO_METHOD
    assert t2.absent.loc[("LaMP_4", "rouge-1", "general", model, "bm25 k=1"), (method,)]
    assert "—" in to_markdown(t2)
    assert {r[3] for r in t2.frame.index} == {"r1-distill", "llama"}  # only models that ran other methods
    t3 = methods_table(runs, ablation=True)
    assert [c[0] for c in t3.frame.columns] == ["r2p", "r2p_no_hrt", "r2p_no_rpi", "r2p_no_srm"]
    assert not t3.absent.to_numpy().any()


def test_t5_one_table_per_mode_with_each_tags_n(runs_dir: Path, runs) -> None:
    tables = failure_tables(runs)
    assert [t.key for t in tables] == ["failures-divergent", "failures-format", "failures-retrieval"]
    by_mode = {t.key.split("-")[1]: t for t in tables}
    summary = _summary(runs_dir, "LaMP_2", "qwq", "bm25-k4")
    key = ("LaMP_2", "reasoning", "qwq", "bm25 k=4", "direct")
    for tag, rate in summary["failure_modes"].items():
        mode, name = tag.split(".")
        assert by_mode[mode].frame.loc[key, (name,)] == rate
        assert by_mode[mode].counts.loc[key, (name,)] == summary["failure_modes_n"][tag]
    # counted independently from the samples: scored samples of qwq with a format.think_leak tag
    samples = read_jsonl(next(runs_dir.glob("LaMP_2__qwq__bm25-k4__direct__*/samples.jsonl")))
    scored = [s for s in samples if s["status"] == "ok"]
    leaks = sum("format.think_leak" in s["tags"]["format_misalignment"]["tags"] for s in scored)
    assert by_mode["format"].frame.loc[key, ("think_leak",)] == pytest.approx(leaks / len(scored))
    assert list(by_mode["format"].frame.columns) == [("think_leak",), ("any",)]
    never = ("LaMP_2", "reasoning", "qwq", "contriever k=1", "direct")
    assert all(t.absent.loc[never].all() for t in tables)  # never analysed: "—"
    general = ("LaMP_2", "general", "llama", "bm25 k=4", "direct")
    assert math.isnan(by_mode["divergent"].frame.loc[general, ("loop",)])  # no trace: does not apply
    assert by_mode["divergent"].counts.loc[general, ("loop",)] == 0
    no_items = ("LaMP_2", "reasoning", "qwq", "none", "direct")
    assert math.isnan(by_mode["retrieval"].frame.loc[no_items, ("ignored",)])
    text = to_markdown(by_mode["divergent"])
    assert "| LaMP_2 | reasoning | qwq | contriever k=1 | direct | — | — |" in text
    assert "| LaMP_2 | general | llama | bm25 k=4 | direct | n/a | n/a |" in text
    rate, n = summary["failure_modes"]["divergent.loop"], summary["failure_modes_n"]["divergent.loop"]
    assert f"| LaMP_2 | reasoning | qwq | bm25 k=4 | direct | {rate:.3f} ({n}) |" in text
    assert LEGEND in text and max(len(line) for line in text.splitlines() if line.startswith("|")) < 110


def test_t5_csv_is_one_long_frame(runs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "t5.csv"
    assert main(["table", str(runs_dir), "--layout", "failures", "--format", "csv", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["task", "type", "model", "setting", "method", "tag", "rate", "n"]
    summary = _summary(runs_dir, "LaMP_4", "llama", "bm25-k1")
    row = frame[(frame.task == "LaMP_4") & (frame.model == "llama") & (frame.setting == "bm25 k=1")
                & (frame.method == "direct") & (frame.tag == "retrieval.ignored")].iloc[0]  # fmt: skip
    assert row["rate"] == summary["failure_modes"]["retrieval.ignored"]
    assert row["n"] == summary["failure_modes_n"]["retrieval.ignored"]
    assert len(failures_long(find_runs(runs_dir, warn=lambda _m: None)).frame) == len(frame)


def test_lenient_metrics(runs_dir: Path, runs) -> None:
    table = lrm_vs_llm(runs, parse="lenient")
    expected = _summary(runs_dir, "LaMP_2", "qwq", "none")["metrics"]["accuracy@lenient"]["value"]
    assert table.frame.loc[("LaMP_2", "accuracy@lenient"), ("reasoning", "qwq", "none")] == expected
    assert "Accuracy (lenient) ↑" in to_markdown(table)


def test_user_errors(tmp_path: Path, runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ReaperError, match="no run directories"):
        find_runs(tmp_path)
    assert main(["table", str(tmp_path / "nope")]) == 2
    assert main(["table", str(runs_dir), "--method", "nonesuch"]) == 2
    assert "methods found" in capsys.readouterr().err


def test_cli_modules_import_no_heavy_libraries() -> None:
    code = ("import sys, harness.cli.main; harness.cli.main.build_parser(); "
            "import harness.cli.table, harness.cli.plot, harness.cli.report; "
            "print([m for m in ('pandas', 'matplotlib') if m in sys.modules])")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
