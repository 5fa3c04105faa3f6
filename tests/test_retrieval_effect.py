"""Counterfactual retrieval effect (T6) on real run directories made by `reaper run` with the canned backend.

Every cell is a real run over small hand-written data files whose profiles have exactly k=2 items,
so BM25 retrieves the whole profile and every expectation below is worked out by hand from the
data and the canned replies: which answers changed, which moved toward the profile, each gain.
The none cells run with task.limit=5, so each task's sixth question has no twin sample; the model
"solo" ran only with retrieval (no twin at all); "verdicts" and "bare" are plugin tasks installed
through an entry point, "bare" declaring no label field.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
EFFECT = "retrieval_effect.json"
LAMP2_INPUT = ("Which tag does this movie relate to among the following tags? Just answer with the tag name without "
               "further explanation. tags: [sci-fi, based on a book, comedy, action, twist ending, dystopia, dark "
               "comedy, classic, psychology, fantasy, romance, thought-provoking, social commentary, violence, true "
               "story] description: ")  # fmt: skip
LAMP3_INPUT = ("What is the score of the following review on a scale of 1 to 5? just answer with 1, 2, 3, 4, or 5 "
               "without further explanation. review: ")  # fmt: skip
PLUGIN = """
class Verdicts:
    name = "verdicts"
    kind = "classification"
    labels = ("true", "false")
    metrics = ("accuracy",)
    item_fields = ("claim", "verdict")
    label_field = "verdict"
    output_field = None
    budget_field = "claim"
    sample_dir = None
    def labels_in(self, text): return [label for label in self.labels if label in text.lower()]
    def query(self, example): return example.input
    def item_text(self, item): return item["claim"]
    def render_item(self, item): return item["claim"] + " -> " + item["verdict"]
    def prompt(self, example, items): return "; ".join(map(self.render_item, items)) + " || " + example.input
    def parse_strict(self, text): return text.strip()
    def parse_lenient(self, text): return text.strip().lower()
    def check_gold(self, gold): return None

class Bare(Verdicts):
    name = "bare"
    label_field = None
"""


def movie(tags: list[str], n: int) -> list[dict]:
    return [
        {"id": f"p{n}{j}", "description": f"a film about topic {n} number {j}", "tag": t} for j, t in enumerate(tags)
    ]


# (id, profile, gold); replies per cell and model follow in REPLIES
DATA: dict[str, list[tuple[str, list[dict], str, str]]] = {
    "LaMP_2": [
        ("c1", movie(["comedy", "comedy"], 1), "comedy", "a film about topic 1"),
        ("c2", movie(["action", "romance"], 2), "romance", "a film about topic 2"),  # a tie: no majority
        ("c3", movie(["sci-fi", "sci-fi"], 3), "action", "a film about topic 3"),
        ("c4", movie(["classic", "classic"], 4), "classic", "a film about topic 4"),
        ("c5", movie(["sci-fi", "sci-fi"], 5), "sci-fi", "a film about topic 5"),
        ("c6", movie(["comedy", "comedy"], 6), "comedy", "a film about topic 6"),  # beyond the none cells' limit
    ],
    "LaMP_3": [
        (
            "r1",
            [{"id": "s10", "text": "fine pan", "score": "4"}, {"id": "s11", "text": "great pan", "score": "5"}],
            "5",
            "a pan",
        ),
        (
            "r2",
            [{"id": "s20", "text": "awful kettle", "score": "1"}, {"id": "s21", "text": "bad kettle", "score": "1"}],
            "2",
            "a kettle",
        ),
    ],  # fmt: skip
    "LaMP_4": [
        (
            "g1",
            [
                {"id": "t10", "title": "council backs bike lanes", "text": "bike lanes"},
                {"id": "t11", "title": "storm closes schools", "text": "storm"},
            ],
            "council approves bike lanes",
            "lanes",
        ),
        (
            "g2",
            [
                {"id": "t20", "title": "rain expected all week", "text": "rain"},
                {"id": "t21", "title": "rain returns", "text": "rain again"},
            ],
            "heavy rain expected",
            "rain",
        ),
    ],  # fmt: skip
    "verdicts": [
        (
            "v1",
            [
                {"id": "k10", "claim": "the moon is cheese", "verdict": "false"},
                {"id": "k11", "claim": "mars is cheese", "verdict": "false"},
            ],
            "false",
            "venus is cheese",
        ),
        (
            "v2",
            [
                {"id": "k20", "claim": "water is wet", "verdict": "true"},
                {"id": "k21", "claim": "fire is cold", "verdict": "false"},
            ],
            "true",
            "ice is cold",
        ),
    ],  # fmt: skip
}
DATA["bare"] = [(f"b{i[1:]}", profile, gold, text) for i, profile, gold, text in DATA["verdicts"]]
INPUT_PREFIX = {
    "LaMP_2": LAMP2_INPUT,
    "LaMP_3": LAMP3_INPUT,
    "LaMP_4": "Generate a headline for the following article: ",
}
NEVER_CLOSED = "<think>the trace runs out before any answer"
REPLIES = {
    ("m", "none"): {"c1": "action", "c2": "comedy", "c3": NEVER_CLOSED, "c4": "classic", "c5": "action",
                    "r1": "2", "r2": "1", "g1": "mayor opens new library", "g2": "heavy rain expected",
                    "v1": "true", "v2": "true", "b1": "true", "b2": "true"},
    ("m", "bm25"): {"c1": "comedy", "c2": "Tag: comedy", "c3": "sci-fi", "c4": "romance", "c5": "sci-fi",
                    "c6": "comedy", "r1": "4", "r2": "3", "g1": "council backs new bike lanes",
                    "g2": "heavy rain expected", "v1": "false", "v2": "true", "b1": "false", "b2": "true"},
    ("lrm", "none"): {},  # every answer "comedy"
    ("lrm", "bm25"): {"c5": "sci-fi"},
}  # fmt: skip


def reaper(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REAPER_CACHE": str(tmp / "cache"), "HF_HUB_OFFLINE": "1", "CI": "1",
           "PYTHONPATH": os.pathsep.join([str(tmp / "plugin"), str(REPO), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def write_data(tmp: Path) -> None:
    for task, rows in DATA.items():
        folder = tmp / "data" / task
        folder.mkdir(parents=True)
        prefix = INPUT_PREFIX.get(task, "")
        questions = [
            {"id": i, "input": prefix + text, "profile": profile, "user_id": i} for i, profile, _, text in rows
        ]
        (folder / "questions.json").write_text(json.dumps(questions))
        golds = [{"id": i, "output": gold} for i, _, gold, _ in rows]
        (folder / "outputs.json").write_text(json.dumps({"task": task, "golds": golds}))
    plugin = tmp / "plugin"
    (plugin / "cfx_plugin_tasks-1.0.dist-info").mkdir(parents=True)
    (plugin / "cfx_plugin_tasks.py").write_text(textwrap.dedent(PLUGIN))
    (plugin / "cfx_plugin_tasks-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: cfx-plugin-tasks\nVersion: 1.0\n"
    )
    (plugin / "cfx_plugin_tasks-1.0.dist-info" / "entry_points.txt").write_text(
        "[reaper.tasks]\nverdicts = cfx_plugin_tasks:Verdicts\nbare = cfx_plugin_tasks:Bare\n"
    )


def run_cells(tmp: Path, model: str, retriever: str, tasks: str, names: str | None = None) -> None:
    """One `reaper run -m` over tasks (and model names); the data path follows ${task.name}."""
    replies = ",".join(f"{k}:'{v}'" for k, v in REPLIES[(model, retriever)].items())
    args = ["run", "-m", "model=canned", f"model.name={names or model}", "model.reasoning_parser=think_tags",
            f"task.name={tasks}", f"task.questions={tmp}/data/${{task.name}}/questions.json",
            f"task.outputs={tmp}/data/${{task.name}}/outputs.json", f"retriever={retriever}", "retriever.k=2",
            f"++model.engine.replies={{{replies}}}", f"runs_dir={tmp / 'runs'}", f"hydra.sweep.dir={tmp / 'sweep'}"]  # fmt: skip
    if model == "lrm":
        args += ["model.reasoning=true", "++model.engine.think='I read the profile first.'"]
    if retriever == "none":
        args.append("task.limit=5")
    result = reaper(tmp, *args)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cfx")
    write_data(tmp)
    every = "LaMP_2,LaMP_3,LaMP_4,verdicts,bare"
    run_cells(tmp, "m", "none", every)
    run_cells(tmp, "m", "bm25", every, names="m,solo")
    run_cells(tmp, "lrm", "none", "LaMP_2")
    run_cells(tmp, "lrm", "bm25", "LaMP_2")
    result = reaper(tmp, "analyze", str(tmp / "runs"), "--retrieval-effect-only")
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp / "runs"


def record(runs: Path, task: str, model: str) -> dict:
    (path,) = runs.glob(f"{task}__{model}__bm25-k2__direct__*/{EFFECT}")
    return json.loads(path.read_text())


def by_id(rec: dict) -> dict[str, dict]:
    return {s["id"]: s for s in rec["samples"]}


def test_classification_changes_gains_and_moves_toward_the_majority_label(runs):
    rec = record(runs, "LaMP_2", "m")
    assert rec["twin"].startswith("LaMP_2__m__none__direct__")
    assert rec["counts"] == {"samples": 6, "paired": 4, "excluded": 2,
                             "excluded_by_reason": {"not in the twin run": 1, "unscorable without retrieval": 1}}  # fmt: skip
    samples = by_id(rec)
    assert samples["c3"] == {"id": "c3", "excluded": "unscorable without retrieval"}
    assert samples["c6"] == {"id": "c6", "excluded": "not in the twin run"}
    assert [samples[i]["strict"]["toward"] for i in ("c1", "c2", "c4", "c5")] == [True, None, False, True]
    assert [samples[i]["strict"]["away"] for i in ("c1", "c4", "c5")] == [False, True, False]
    assert samples["c2"]["answer_changed"] and samples["c2"]["strict"]["changed"]
    assert not samples["c2"]["lenient"]["changed"]  # "Tag: comedy" parses leniently to the same label
    strict, lenient = rec["strict"], rec["lenient"]
    assert (strict["n"], strict["unchanged"], lenient["unchanged"]) == (4, 0.0, 0.25)
    assert strict["toward"] == pytest.approx(2 / 3) and strict["away"] == pytest.approx(1 / 3)
    assert strict["toward_n"] == 3
    acc = strict["metrics"]["accuracy"]
    assert acc["gain"] == pytest.approx(0.5 - 0.25) and acc["n"] == 4 and acc["changed"] == 0.75
    gains = np.array([1.0, 0.0, -1.0, 1.0])  # per paired sample: with − without
    idx = np.random.default_rng(0).integers(0, 4, (1000, 4))
    means = gains[idx].mean(axis=1)
    assert acc["low"] == pytest.approx(np.percentile(means, 2.5)) and acc["high"] == pytest.approx(
        np.percentile(means, 97.5)
    )
    assert "f1" not in strict["metrics"]  # no per-sample values: no paired gain
    assert "accuracy@lenient" in lenient["metrics"]


def test_rating_moves_toward_the_mean_score_and_gains_are_oriented(runs):
    rec = record(runs, "LaMP_3", "m")
    strict = rec["strict"]
    assert (strict["n"], strict["unchanged"], strict["toward"], strict["away"]) == (2, 0.0, 0.5, 0.5)
    samples = by_id(rec)
    assert samples["r1"]["strict"]["closeness"] == [2.5, 0.5]  # |2 − 4.5| → |4 − 4.5|
    assert samples["r2"]["strict"]["closeness"] == [0.0, 2.0]
    # MAE is ↓: gain = without − with = mean(3, 1) − mean(1, 1)
    assert strict["metrics"]["MAE"]["gain"] == pytest.approx(1.0)
    assert strict["metrics"]["MAE"]["changed"] == 0.5
    assert strict["metrics"]["RMSE"]["gain"] == pytest.approx(math.sqrt(5) - 1)


def test_generation_moves_toward_the_retrieved_outputs_by_rouge_l(runs):
    rec = record(runs, "LaMP_4", "m")
    samples = by_id(rec)
    # "council backs new bike lanes" vs "council backs bike lanes": LCS 4, P 4/5, R 1 -> F 8/9
    assert samples["g1"]["strict"]["closeness"] == pytest.approx([0.0, 8 / 9])
    assert samples["g1"]["strict"]["toward"] is True and samples["g2"]["strict"]["toward"] is False
    # vs gold "council approves bike lanes": LCS 3, P 3/5, R 3/4 -> F 2/3; g2 is 1 -> 1
    assert rec["strict"]["metrics"]["rouge-L"]["gain"] == pytest.approx((2 / 3 + 1) / 2 - (0 + 1) / 2)
    assert (rec["strict"]["unchanged"], rec["strict"]["toward"], rec["strict"]["toward_n"]) == (0.5, 0.5, 2)


def test_plugin_tasks_use_their_declared_field_and_say_n_a_without_one(runs):
    verdicts = record(runs, "verdicts", "m")
    assert "'verdict'" in verdicts["toward_rule"]
    assert (verdicts["strict"]["toward"], verdicts["strict"]["toward_n"]) == (1.0, 1)  # v2's profile is a tie
    assert verdicts["strict"]["metrics"]["accuracy"]["gain"] == pytest.approx(0.5)
    bare = record(runs, "bare", "m")
    assert bare["toward_rule"] == "n/a: task bare declares no label_field"
    assert (bare["strict"]["toward"], bare["strict"]["toward_n"]) == (None, 0)
    assert all(s["strict"]["toward"] is None for s in bare["samples"])
    assert bare["strict"]["metrics"]["accuracy"]["gain"] == pytest.approx(0.5)  # the rest still applies


def test_a_missing_twin_is_not_applicable_never_zero(runs):
    solo = record(runs, "LaMP_2", "solo")
    assert solo["twin"] is None and "retriever none" in solo["twin_missing"]
    assert solo["strict"]["unchanged"] is None and solo["strict"]["metrics"] == {}
    assert solo["counts"]["excluded"] is None
    assert not list(runs.glob(f"*__none__*/{EFFECT}"))  # only retrieval runs get a record


def test_reasoning_model_has_its_own_pair(runs):
    rec = record(runs, "LaMP_2", "lrm")
    assert rec["model_type"] == "reasoning"
    strict = rec["strict"]
    assert (strict["n"], strict["unchanged"], strict["toward"]) == (5, 0.8, 0.25)
    assert strict["metrics"]["accuracy"]["gain"] == pytest.approx(0.2)


def test_t6_table_sets_reasoning_and_general_side_by_side(runs):
    result = reaper(runs.parent, "table", str(runs), "--layout", "retrieval-effect", "--format", "csv")
    assert result.returncode == 0, result.stderr
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(result.stdout))
    row = frame[(frame.task == "LaMP_2") & (frame.metric == "accuracy")].iloc[0]
    assert row["reasoning / lrm / gain"] == pytest.approx(0.2)
    assert row["general / m / gain"] == pytest.approx(0.25) and row["general / m / unchanged"] == 0.0
    assert row["general / m / excluded"] == 2 and row["general / m / n"] == 4
    assert math.isnan(row["general / solo / gain"])  # no twin: empty (n/a), never 0
    markdown = reaper(runs.parent, "table", str(runs), "--layout", "retrieval-effect")
    assert "T6." in markdown.stdout and "No retriever=none twin (n/a): solo / LaMP_2" in markdown.stdout
    lrm_row = frame[(frame.task == "LaMP_3")].iloc[0]
    assert pd.isna(lrm_row["reasoning / lrm / gain"])  # lrm never ran LaMP_3: absent
    lenient = reaper(runs.parent, "table", str(runs), "--layout", "retrieval-effect", "--metrics", "lenient")
    assert "Accuracy (lenient)" in lenient.stdout


def test_plot_and_report_show_the_effect(runs, tmp_path):
    plots = reaper(runs.parent, "plot", str(runs), "--out", str(tmp_path / "plots"), "--formats", "svg")
    assert plots.returncode == 0, plots.stderr
    assert (tmp_path / "plots" / "retrieval_effect.svg").stat().st_size > 1000
    report = reaper(runs.parent, "report", str(runs), "--out", str(tmp_path / "r.html"))
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "r.html").read_text()
    assert 'data-table="retrieval-effect"' in page and 'alt="retrieval_effect"' in page


def test_analyze_folder_also_tags_failure_modes_and_single_run_behaviour_is_kept(runs, tmp_path):
    (run,) = runs.glob("LaMP_4__m__bm25-k2__*")
    single = reaper(runs.parent, "analyze", str(run))
    assert single.returncode == 0, single.stderr
    assert "failure_modes" in json.loads(single.stdout) and "retrieval_effect" not in json.loads(single.stdout)
    wrong = reaper(runs.parent, "analyze", str(run), "--retrieval-effect-only")
    assert wrong.returncode == 2 and "needs a folder" in wrong.stderr and "Traceback" not in wrong.stderr
    empty = reaper(runs.parent, "analyze", str(tmp_path))
    assert empty.returncode == 2 and "no run directories" in empty.stderr and "Traceback" not in empty.stderr


def test_a_corrupt_samples_file_is_one_line_naming_it(runs, tmp_path):
    import shutil

    copy = tmp_path / "runs"
    for name in ("LaMP_3__m__none__", "LaMP_3__m__bm25-k2__"):
        (src,) = runs.glob(f"{name}*")
        shutil.copytree(src, copy / src.name)
    (bad,) = copy.glob("LaMP_3__m__none__*")
    (bad / "samples.jsonl").write_text('{"id": "r1", "status": "ok"}\n{not json\n')
    result = reaper(runs.parent, "analyze", str(copy), "--retrieval-effect-only")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "samples.jsonl: line 2: not a JSON record" in result.stderr and len(result.stderr.strip().splitlines()) == 1
