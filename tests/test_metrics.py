"""Parity with the official LaMP scoring rules; every expected value is computed by hand below."""

import math

import pytest

from harness.registry import get_task
from harness.run.metrics import METRICS, macro_f1_ids, score


def test_classification_accuracy_and_macro_f1_over_fixed_labels():
    task = get_task("LaMP_2")
    golds = ["comedy", "action", "sci-fi", "comedy"]
    preds = ["comedy", "Action", " sci-fi ", "drama"]  # case matters; whitespace is stripped; drama is -1
    result = score(task.metrics, preds, golds, task.labels)
    # hits: comedy, sci-fi -> 2/4. F1 per label: sci-fi 1, comedy 2*1/(1+2), action 0, others 0; mean over 15.
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["f1"] == pytest.approx((1 + 2 / 3) / 15)
    assert list(result) == ["accuracy", "f1"]


def test_citation_labels_are_bracketed():
    task = get_task("LaMP_1")
    result = score(task.metrics, ["[1]", "1", "[2]"], ["[1]", "[1]", "[1]"], task.labels)
    assert result["accuracy"] == pytest.approx(1 / 3)
    # label [1]: tp 1, predicted 1, actual 3 -> 2/4; label [2]: tp 0 -> 0; mean over 2 labels.
    assert result["f1"] == pytest.approx(0.25)


def test_rating_worst_extreme_rule_and_out_of_range_kept():
    task = get_task("LaMP_3")
    golds = ["5", "1", "3", "4", "2", "3"]
    preds = ["4", "great", "3.5", "7", "n/a", "x"]
    # errors: 1; unreadable vs gold 1 -> 5.0 (|1-1|=0 not > |5-1|) -> 4; 0.5; 7 kept -> 3;
    # unreadable vs gold 2 -> 5.0 -> 3; unreadable vs gold 3 (tie) -> 5.0 -> 2.
    errors = [1, 4, 0.5, 3, 3, 2]
    result = score(task.metrics, preds, golds, task.labels)
    assert result["MAE"] == pytest.approx(sum(errors) / 6)
    assert result["RMSE"] == pytest.approx(math.sqrt(sum(e * e for e in errors) / 6))
    assert list(result) == ["MAE", "RMSE"]


def test_rating_unreadable_against_high_gold_goes_to_one():
    task = get_task("LaMP_3")
    assert score(task.metrics, ["?"], ["4"], task.labels)["MAE"] == pytest.approx(3.0)  # 1.0 is farthest from 4
    assert score(task.metrics, ["?"], ["5"], task.labels)["MAE"] == pytest.approx(4.0)


def test_rouge_plain_mean_without_stemming():
    task = get_task("LaMP_4")
    golds = ["the cat sat on the mat", "Big News"]
    preds = ["the cat on the mat", ""]
    # pair 1: 5 overlapping unigrams, P=5/5, R=5/6 -> F=10/11; LCS also 5 -> 10/11. pair 2: 0.
    result = score(task.metrics, preds, golds, task.labels)
    assert result["rouge-1"] == pytest.approx((10 / 11) / 2)
    assert result["rouge-L"] == pytest.approx((10 / 11) / 2)
    # no stemming: "cats" does not match "cat"; case is folded by the rouge tokenizer
    assert score(task.metrics, ["Cats"], ["cat"], None)["rouge-1"] == 0.0
    assert score(task.metrics, ["The CAT"], ["the cat"], None)["rouge-1"] == pytest.approx(1.0)


def test_rouge_l_differs_from_rouge_1_on_order():
    task = get_task("LaMP_7")
    # unigrams all match (F=1) but the longest common subsequence is 2 of 3 tokens -> F=2/3.
    result = score(task.metrics, ["c a b"], ["a b c"], None)
    assert result["rouge-1"] == pytest.approx(1.0)
    assert result["rouge-L"] == pytest.approx(2 / 3)


def test_metric_metadata_declares_direction():
    assert METRICS["MAE"].higher_is_better is False and METRICS["RMSE"].higher_is_better is False
    assert all(METRICS[m].higher_is_better for m in ("accuracy", "f1", "rouge-1", "rouge-L"))
    assert METRICS["rouge-L"].display == "ROUGE-L"


def test_vectorised_macro_f1_matches_sklearn_definition():
    import numpy as np
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    for _ in range(100):
        n, labels = int(rng.integers(1, 40)), int(rng.integers(2, 16))
        pred, gold = rng.integers(-1, labels, n), rng.integers(0, labels, n)
        expected = f1_score(gold, pred, labels=list(range(labels)), average="macro", zero_division=0)
        assert macro_f1_ids(pred, gold, labels) == pytest.approx(expected)


def test_macro_f1_equals_sklearn_on_label_strings():
    from sklearn.metrics import f1_score

    task = get_task("LaMP_2")
    golds = ["comedy", "action", "sci-fi", "comedy", "romance", "classic"]
    preds = ["comedy", "drama", "sci-fi", "action", "romance", "Classic"]
    index = {label: i for i, label in enumerate(task.labels)}
    expected = f1_score([index.get(g, -1) for g in golds], [index.get(p, -1) for p in preds],
                        labels=list(range(15)), average="macro", zero_division=0)  # fmt: skip
    assert score(task.metrics, preds, golds, task.labels)["f1"] == pytest.approx(expected)
