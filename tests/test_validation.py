"""Bad input: one line on stderr naming file, record id and field; exit 2; no traceback; no output file.
Awkward but valid input works."""

import json
from pathlib import Path

import pytest

from harness.cli.main import main

GOOD_ITEM = {"id": "p1", "title": "Old title", "text": "An article about bikes."}
PREFIX = "Generate a headline for the following article: "


def question(qid="1", **changes):
    row = {"id": qid, "input": PREFIX + "New bike lanes open downtown.", "profile": [dict(GOOD_ITEM)]}
    row.update(changes)
    return row


def write(path: Path, data) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def run_retrieve(tmp_path, questions: str, task="LaMP_4", retriever="bm25"):
    out = tmp_path / "out.json"
    code = main(["retrieve", "--task", task, "--questions", questions, "--retriever", retriever, "--k", "2",
                 "--out", str(out), "--cache-dir", str(tmp_path / "cache")])  # fmt: skip
    return code, out


def assert_one_line_error(capsys, code, *needles):
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ('[{"id": "1", "input": "x", "profile": []},', ["invalid JSON"]),
        ([question("7", input=None)], ["record 7", "'input'"]),
        ([{k: v for k, v in question("8").items() if k != "profile"}], ["record 8", "'profile'"]),
        ([question("9", profile=[{"id": "p1", "title": 5, "text": "t"}])], ["record 9", "profile[0].title"]),
        ([question("10", profile=[{"title": "a", "text": "t"}])], ["record 10", "profile[0].id"]),
        ([question(11)], ["record 11", "'id'"]),
        ([question("3"), question("3")], ["record 3", "duplicate"]),
        ({"id": "1"}, ["JSON list"]),
        ([], ["no questions"]),
    ],
)  # fmt: skip
def test_malformed_questions(tmp_path, capsys, content, needles):
    path = write(tmp_path / "q.json", content)
    code, out = run_retrieve(tmp_path, path)
    assert_one_line_error(capsys, code, "q.json", *needles)
    assert not out.exists()


def test_non_utf8_bytes(tmp_path, capsys):
    path = tmp_path / "q.json"
    path.write_bytes(json.dumps([question()]).encode().replace(b"bike", b"b\xffke"))
    code, out = run_retrieve(tmp_path, str(path))
    assert_one_line_error(capsys, code, "q.json", "UTF-8")
    assert not out.exists()


def test_recency_without_dates(tmp_path, capsys):
    path = write(tmp_path / "q.json", [question("5")])
    code, out = run_retrieve(tmp_path, path, retriever="recency")
    assert_one_line_error(capsys, code, "q.json", "record 5", "date")
    assert not out.exists()


def test_lamp1_input_without_candidates(tmp_path, capsys):
    row = {"id": "4", "input": "Which reference?", "profile": [{"id": "a", "title": "t", "abstract": "x"}]}
    code, out = run_retrieve(tmp_path, write(tmp_path / "q.json", [row]), task="LaMP_1")
    assert_one_line_error(capsys, code, "q.json", "record 4", "input")
    assert not out.exists()


def score(tmp_path, golds, preds, task="LaMP_3"):
    g = write(tmp_path / "golds.json", golds)
    p = write(tmp_path / "preds.json", preds)
    return main(["score", "--task", task, "--golds", g, "--preds", p])


def outputs(task, pairs):
    return {"task": task, "golds": [{"id": i, "output": o} for i, o in pairs]}


def test_score_mismatched_ids_lists_missing_and_extra(tmp_path, capsys):
    code = score(tmp_path, outputs("LaMP_3", [("1", "4"), ("2", "5")]), outputs("LaMP_3", [("1", "4"), ("3", "5")]))
    line = assert_one_line_error(capsys, code, "preds.json", "missing 1 [2]", "extra 1 [3]")
    assert "'id'" in line


def test_score_wrong_task_name(tmp_path, capsys):
    code = score(tmp_path, outputs("LaMP_2", [("1", "4")]), outputs("LaMP_3", [("1", "4")]))
    assert_one_line_error(capsys, code, "golds.json", "'task'", "LaMP_2")


def test_score_out_of_range_rating_gold(tmp_path, capsys):
    code = score(tmp_path, outputs("LaMP_3", [("1", "4"), ("2", "6")]), outputs("LaMP_3", [("1", "4"), ("2", "5")]))
    assert_one_line_error(capsys, code, "golds.json", "record 2", "'output'")


def test_score_unknown_label_gold(tmp_path, capsys):
    code = score(tmp_path, outputs("LaMP_1", [("1", "[3]")]), outputs("LaMP_1", [("1", "[1]")]), task="LaMP_1")
    assert_one_line_error(capsys, code, "golds.json", "record 1", "'output'")


def test_score_duplicate_and_missing_fields(tmp_path, capsys):
    code = score(tmp_path, outputs("LaMP_3", [("1", "4"), ("1", "5")]), outputs("LaMP_3", [("1", "4")]))
    assert_one_line_error(capsys, code, "golds.json", "record 1", "duplicate")
    code = score(tmp_path, {"task": "LaMP_3", "golds": [{"id": "1"}]}, outputs("LaMP_3", [("1", "4")]))
    assert_one_line_error(capsys, code, "golds.json", "record 1", "'output'")


def test_score_prints_official_keys(tmp_path, capsys):
    code = score(tmp_path, outputs("LaMP_3", [("1", "4"), ("2", "2")]), outputs("LaMP_3", [("1", " 5 "), ("2", 2)]))
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"MAE": 0.5, "RMSE": pytest.approx(0.5**0.5)}


def test_awkward_but_valid_data_works(tmp_path, capsys):
    long_text = " ".join(["lengthy"] * 20000)
    rows = [
        question("u1", profile=[{"id": "a", "title": "Café “ünïcode” 🚲", "text": "Ciclovías en la ciudad"}]),
        question("u2", input="New bike lanes open downtown.", extra_field={"x": 1}),  # no instruction prefix
        question("u3", profile=[{"id": "a", "title": 't "q"', "text": "same"}, {"id": "b", "title": "u", "text": "same"},
                                {"id": "c", "title": "v", "text": long_text, "unknown": 3}]),
    ]  # fmt: skip
    path = write(tmp_path / "q.json", rows)
    code, out = run_retrieve(tmp_path, path)
    assert code == 0, capsys.readouterr().err
    result = json.loads(out.read_text())
    assert [r["id"] for r in result] == ["u1", "u2", "u3"]
    assert result[0]["profile_ids"] == ["a"]
    assert len(result[2]["profile_ids"]) == 2
    prompts = tmp_path / "p.jsonl"
    assert main(["prompts", "--task", "LaMP_4", "--questions", path, "--retriever", "bm25", "--k", "1",
                 "--out", str(prompts), "--cache-dir", str(tmp_path / "cache")]) == 0  # fmt: skip
    first = json.loads(prompts.read_text().splitlines()[0])
    assert first["prompt"] == '"Café “ünïcode” 🚲" is the title for "Ciclovías en la ciudad" . ' + rows[0]["input"]


def test_json_lines_questions(tmp_path, capsys):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(question(str(i))) for i in range(3)) + "\n", encoding="utf-8")
    code, out = run_retrieve(tmp_path, str(path))
    assert code == 0
    assert len(json.loads(out.read_text())) == 3
    path.write_text(json.dumps(question("1")) + "\n{bad\n", encoding="utf-8")
    code, out2 = run_retrieve(tmp_path, str(path))
    assert_one_line_error(capsys, code, "q.jsonl", "line 2")


def test_unknown_task_is_one_line(tmp_path, capsys):
    code = score(tmp_path, outputs("LaMP_3", [("1", "4")]), outputs("LaMP_3", [("1", "4")]), task="LaMP_9")
    assert_one_line_error(capsys, code, "unknown task")
