"""The official scorer's arithmetic on demand (``reaper score --official``, ``scoring.official=true``):
LaMP_3 over float32-rounded ratings, ROUGE as rouge_score's BootstrapAggregator mid (seeded,
recorded), and non-finite LaMP_3 predictions that keep every output valid JSON."""

import json
import math

import numpy as np
import pytest
from rouge_score import rouge_scorer, scoring
from sklearn.metrics import mean_absolute_error, mean_squared_error

from harness.cli.main import main
from harness.config import ModelConfig, RetrieverConfig, RunConfig, ScoringConfig, TaskConfig
from harness.data.load import bundled_files
from harness.registry import get_task
from harness.run.metrics import mae, rmse, rouge_bootstrap_mid, score, score_official
from harness.run.pipeline import run_cell

RATINGS = {"a": ("3.7", "3"), "b": ("4", "4"), "c": ("2.2", "2"), "d": ("1.3", "1")}
HEADLINES = {
    "a": ("council approves new bike lanes", "city council approves bike lanes downtown"),
    "b": ("storm closes schools", "schools close as storm hits coast"),
    "c": ("local team wins title", "home team wins the championship title"),
    "d": ("prices rise again", "consumer prices rise for third month"),
    "e": ("museum reopens", "art museum reopens after renovation"),
}


def files(tmp_path, task, pairs):
    preds = {"task": task, "golds": [{"id": i, "output": p} for i, (p, _) in pairs.items()]}
    golds = {"task": task, "golds": [{"id": i, "output": g} for i, (_, g) in pairs.items()]}
    (tmp_path / "p.json").write_text(json.dumps(preds))
    (tmp_path / "g.json").write_text(json.dumps(golds))
    return ["score", "--task", task, "--golds", str(tmp_path / "g.json"), "--preds", str(tmp_path / "p.json")]


def strict_json(text: str):
    def refuse(constant):
        raise AssertionError(f"bare {constant} in the output")

    return json.loads(text, parse_constant=refuse)


def test_lamp3_official_is_float32_arithmetic(tmp_path, capsys):
    preds = [p for p, _ in RATINGS.values()]
    golds = [g for _, g in RATINGS.values()]
    p32 = np.array([float(p) for p in preds], dtype=np.float32).astype(np.float64)  # what evaluate's features do
    g32 = np.array([float(g) for g in golds], dtype=np.float32).astype(np.float64)
    official_mae = mean_absolute_error(g32, p32)
    official_rmse = math.sqrt(mean_squared_error(g32, p32))
    assert abs(float(np.float32(3.7)) - 3 - 0.7000000476837158) < 1e-16  # LAMP.md's example
    assert main(files(tmp_path, "LaMP_3", RATINGS)) == 0
    plain = strict_json(capsys.readouterr().out)
    assert main([*files(tmp_path, "LaMP_3", RATINGS), "--official"]) == 0
    got = strict_json(capsys.readouterr().out)
    assert got["MAE"] == pytest.approx(official_mae, abs=1e-15) and got["RMSE"] == pytest.approx(
        official_rmse, abs=1e-15
    )
    exact = [abs(float(p) - float(g)) for p, g in zip(preds, golds, strict=True)]
    assert plain["MAE"] == pytest.approx(sum(exact) / 4, abs=1e-15)
    assert abs(got["MAE"] - plain["MAE"]) > 1e-8  # the float32 rounding is visible


def test_non_finite_ratings_score_as_the_worst_extreme_and_stay_valid_json(tmp_path, capsys):
    pairs = {"a": ("nan", "2"), "b": ("inf", "5"), "c": ("-inf", "1"), "d": ("1e39", "1"), "e": ("1e200", "3")}
    assert main(files(tmp_path, "LaMP_3", pairs)) == 0
    plain = strict_json(capsys.readouterr().out)
    # worst extremes by hand: gold 2 -> 5 (error 3), gold 5 -> 1 (4), gold 1 -> 5 (4); 1e39 and 1e200 are finite
    errors = [3.0, 4.0, 4.0, 1e39 - 1, 1e200 - 3]
    assert plain["MAE"] == pytest.approx(sum(errors) / 5, rel=1e-12)
    assert plain["RMSE"] == pytest.approx(1e200 * math.sqrt(1 / 5), rel=1e-12)  # 1e200 dominates; no overflow
    assert main([*files(tmp_path, "LaMP_3", pairs), "--official"]) == 0
    official = strict_json(capsys.readouterr().out)
    # float32 overflows 1e39 and 1e200 to inf: worst extremes too (gold 1 -> 5: 4, gold 3 -> 5: 2, |1-3| > |5-3| false)
    assert official["MAE"] == pytest.approx((3 + 4 + 4 + 4 + 2) / 5, abs=1e-15)
    assert official["RMSE"] == pytest.approx(math.sqrt((9 + 16 + 16 + 16 + 4) / 5), abs=1e-15)
    assert mae(["1e308", "1e308"], ["1", "1"], None) == pytest.approx(1e308)  # summing would overflow
    assert rmse(["1e308", "1e308"], ["1", "1"], None) == pytest.approx(1e308)


def aggregator_mid(pairs: dict, seed: int) -> dict:
    """The official aggregate: rouge_score's BootstrapAggregator (1,000 resamples), numpy seeded."""
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)
    aggregator = scoring.BootstrapAggregator()
    for pred, gold in pairs.values():
        aggregator.add_scores(scorer.score(gold, pred))
    np.random.seed(seed)
    result = aggregator.aggregate()
    return {"rouge-1": result["rouge1"].mid.fmeasure, "rouge-L": result["rougeL"].mid.fmeasure}


def test_rouge_official_is_the_seeded_bootstrap_mid_beside_the_plain_mean(tmp_path, capsys):
    expected = aggregator_mid(HEADLINES, seed=7)
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    assert main([*files(tmp_path, "LaMP_4", HEADLINES), "--official", "--rouge-seed", "7"]) == 0
    assert np.random.random() == before  # the global RNG is restored
    got = strict_json(capsys.readouterr().out)
    assert got["rouge-1"] == pytest.approx(expected["rouge-1"], abs=1e-15)
    assert got["rouge-L"] == pytest.approx(expected["rouge-L"], abs=1e-15)
    assert got["bootstrap"] == {"resamples": 1000, "seed": 7}
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=False)
    mean = sum(scorer.score(g, p)["rouge1"].fmeasure for p, g in HEADLINES.values()) / len(HEADLINES)
    assert got["plain_mean"]["rouge-1"] == pytest.approx(mean, abs=1e-15)
    assert got["rouge-1"] != got["plain_mean"]["rouge-1"]  # 5 questions: the two aggregates differ
    assert abs(got["rouge-1"] - mean) < 0.05


def canned(reply: str) -> ModelConfig:
    return ModelConfig(name="canned", backend="canned", path=f"canned-{reply}", engine={"reply": reply})


def test_a_run_with_scoring_official_records_both_values_and_the_seed(tmp_path):
    config = RunConfig(task=TaskConfig(name="LaMP_3"), retriever=RetrieverConfig(name="none", k=0),
                       model=canned("3.7"), scoring=ScoringConfig(official=True, rouge_seed=3),
                       runs_dir=str(tmp_path / "runs"), cache_dir=str(tmp_path / "cache"), analyze=False)  # fmt: skip
    summary = json.loads((run_cell(config) / "summary.json").read_text())
    _, outputs = bundled_files(get_task("LaMP_3"))
    golds = [float(g["output"]) for g in json.loads(outputs.read_text())["golds"]]
    official = mean_absolute_error(np.float32(golds).astype(float), np.full(len(golds), float(np.float32(3.7))))
    assert summary["metrics"]["MAE"]["value"] == pytest.approx(official, abs=1e-14)
    assert summary["metrics"]["MAE"]["plain"] == pytest.approx(sum(abs(3.7 - g) for g in golds) / len(golds), abs=1e-14)
    assert summary["scoring"] == {"official": True, "rouge_aggregate": "BootstrapAggregator mid",
                                  "rouge_resamples": 1000, "rouge_seed": 3}  # fmt: skip
    default = RunConfig(**{**config.__dict__, "scoring": ScoringConfig()})
    plain = json.loads((run_cell(default) / "summary.json").read_text())
    assert "plain" not in plain["metrics"]["MAE"] and "scoring" not in plain
    assert plain["metrics"]["MAE"]["value"] == summary["metrics"]["MAE"]["plain"]


def test_score_official_matches_default_where_the_rules_agree():
    labels = get_task("LaMP_2").labels
    preds, golds = ["comedy", "action", "drama"], ["comedy", "comedy", "action"]
    assert score_official(("accuracy", "f1"), preds, golds, labels) == score(("accuracy", "f1"), preds, golds, labels)
    mids = rouge_bootstrap_mid(["a b"], ["a b"], 10, 0)
    assert mids == {"rouge-1": 1.0, "rouge-L": 1.0}
