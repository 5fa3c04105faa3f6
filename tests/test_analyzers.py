"""Failure-mode analyzers: rules on small cases, the labelled set's precision/recall, the judge, end to end."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from harness.analyzers.common import Context, attach_context
from harness.analyzers.llm_judge import agreement, parse_verdict
from harness.analyzers.run_analysis import analyze_run, build_analyzers
from harness.cli.main import main
from harness.io import read_jsonl, write_json_atomic, write_jsonl_atomic
from harness.registry import get_task
from harness.run.pipeline import score_run
from harness.types import Generation, Sample

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "labelled_failures.jsonl"
LEXICAL = {"divergent_thinking": {"similarity": "lexical"}}  # no model needed for unit tests


def _bench():
    spec = importlib.util.spec_from_file_location("bench_analyzers", ROOT / "bench" / "bench_analyzers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sample(task: str, answer: str | None, reasoning: str | None = None, items=None, gold="x", **kw) -> Sample:
    t = get_task(task)
    status = "ok" if answer is not None else "unscorable"
    s = Sample(id=kw.pop("id", "s"), task=task, prompt="p", retrieved_ids=[i["id"] for i in items or []], gold=gold,
               reasoning=reasoning, answer=answer, status=status, **kw)  # fmt: skip
    if answer is not None:
        s.strict_pred, s.lenient_pred = t.parse_strict(answer), t.parse_lenient(answer)
    return attach_context(
        s, Context(input="Generate a headline for the following article: rain", retrieved_items=items)
    )


def _tags(name: str, samples: list[Sample], task: str, config=None) -> dict[str, list[str]]:
    analyzer = build_analyzers([name], config)[name]
    return {sid: r["tags"] for sid, r in analyzer.analyze(samples, get_task(task)).items()}


# --- format misalignment --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "answer", "expected"),
    [
        ("LaMP_2", "comedy", []),
        ("LaMP_2", "Tag: comedy", ["format.not_a_label", "format.recoverable"]),
        ("LaMP_2", "drama", ["format.not_a_label", "format.unrecoverable"]),
        ("LaMP_3", "4.0", []),
        ("LaMP_3", "4.5", ["format.not_a_label", "format.unrecoverable"]),
        ("LaMP_3", "</think> 4", ["format.not_a_label", "format.recoverable", "format.think_leak"]),
        ("LaMP_4", "Here is a headline:\nRain Floods Town", ["format.meta_text"]),
        ("LaMP_4", '"Rain Floods Town"', ["format.quoted"]),
        ("LaMP_4", "1. Rain Floods Town\n2. Town Under Water", ["format.multiple"]),
        ("LaMP_4", "", ["format.empty"]),
        ("LaMP_4", "Budget Fight: Council Delays Vote", []),
    ],
)
def test_format_rules(task: str, answer: str, expected: list[str]) -> None:
    assert sorted(_tags("format_misalignment", [_sample(task, answer)], task)["s"]) == sorted(expected)


def test_format_length_against_profile_and_truncation() -> None:
    items = [{"id": "a", "title": "Council Votes to Expand Riverside Park", "text": "t"},
             {"id": "b", "title": "Mayor Unveils New City Budget", "text": "t"}]  # fmt: skip
    long = _sample("LaMP_4", " ".join(["word"] * 20), items=items, id="long")
    truncated = _sample("LaMP_4", None, reasoning="Okay, let me think", items=items, id="cut", truncated=True)
    tags = _tags("format_misalignment", [long, truncated], "LaMP_4")
    assert tags == {"long": ["format.length"], "cut": ["format.truncated"]}


# --- divergent thinking ----------------------------------------------------------------------------


def test_switches_flips_and_loop_excluding_the_answer() -> None:
    switching = (
        "Okay, comedy. Wait, maybe romance. Hmm, could be dark comedy. Actually, comedy fits. Alternatively, classic."
    )
    loop = "So the tag is comedy because the user likes funny movies a lot. " * 3
    restating = "I will answer with the tag comedy because it fits the user best. " * 3
    samples = [
        _sample("LaMP_2", "comedy", switching, id="switch"),
        _sample("LaMP_2", "comedy", loop, id="loop"),
        _sample("LaMP_2", "I will answer with the tag comedy because it fits the user best.", restating, id="restate"),
    ]
    tags = _tags("divergent_thinking", samples, "LaMP_2", LEXICAL)
    assert set(tags["switch"]) == {"divergent.switches", "divergent.flips"}
    assert tags["loop"] == ["divergent.loop"]
    assert "divergent.loop" not in tags["restate"]


def test_divergent_not_applicable_without_trace() -> None:
    analyzer = build_analyzers(["divergent_thinking"], LEXICAL)["divergent_thinking"]
    out = analyzer.analyze([_sample("LaMP_2", "comedy")], get_task("LaMP_2"))
    assert out["s"]["na"] is True


# --- retrieval misuse --------------------------------------------------------------------------------


def test_retrieval_contradicted_copied_and_not_applicable() -> None:
    comedy = [{"id": str(i), "description": f"funny movie {i}", "tag": "comedy"} for i in range(4)]
    against = _sample("LaMP_2", "romance", "The user's previous tags are comedy.", comedy, gold="comedy", id="c")
    past = [{"id": "h1", "title": "Council Approves Riverside Park Expansion", "text": "t"}]
    copied = _sample("LaMP_4", "Council Approves Riverside Park Expansion", "The user's headline fits.", past, id="p")
    none = _sample("LaMP_4", "Rain Floods Town", "Okay.", [], id="n")
    tags = _tags("retrieval_misuse", [against], "LaMP_2")
    assert tags["c"] == ["retrieval.contradicted", "retrieval.contradicted_gold_agrees"]
    analyzer = build_analyzers(["retrieval_misuse"])["retrieval_misuse"]
    out = analyzer.analyze([copied, none], get_task("LaMP_4"))
    assert out["p"]["tags"] == ["retrieval.copied"] and out["n"]["na"] is True


# --- labelled validation set ------------------------------------------------------------------------------


def test_labelled_set_is_broad_enough() -> None:
    rows = read_jsonl(LABELLED)
    assert len(rows) >= 60
    assert {"LaMP_2", "LaMP_3", "LaMP_4", "LaMP_7"} <= {r["task"] for r in rows}
    assert sum(not r["expected_tags"] for r in rows) >= 15  # clean cases
    positives: dict[str, int] = {}
    for r in rows:
        for tag in r["expected_tags"]:
            positives[tag] = positives.get(tag, 0) + 1
    assert min(positives.values()) >= 5 and len(positives) == 19


def test_labelled_precision_and_recall_per_tag() -> None:
    bench = _bench()
    assert len(bench.LABELLED) >= 2  # every labelled file in tests/data is read
    table, mistakes = bench.precision_recall(bench.LABELLED)
    low = {t for t, r in table.items() if (r["precision"] or 0) < 0.8 or (r["recall"] or 0) < 0.8}
    assert low <= bench.KNOWN_BELOW, f"{low - bench.KNOWN_BELOW} below 0.8\n" + "\n".join(mistakes)


# --- LLM judge -------------------------------------------------------------------------------------------


def test_parse_verdict_is_robust() -> None:
    fenced = 'Sure.\n```json\n{"format": true, "divergent": "no", "retrieval": false, "evidence": "quoted"}\n```'
    assert parse_verdict(fenced) == {"format": True, "divergent": False, "retrieval": False, "evidence": "quoted"}
    thinking = '<think>{"format": maybe}</think>{"Format": "yes", "Divergent": 1, "Retrieval": 0}'
    assert parse_verdict(thinking)["format"] is True
    assert parse_verdict("format: no, divergent: yes, retrieval: no")["divergent"] is True
    assert parse_verdict("I cannot tell.") is None


def test_agreement_and_kappa() -> None:
    assert agreement([(True, True), (False, False)]) == {"n": 2, "agreement": 1.0, "kappa": 1.0}
    assert agreement([(True, False), (False, True)])["kappa"] == -1.0
    assert agreement([])["agreement"] is None


class CannedJudge:
    """Answers every judge request with the same canned verdict (a unit-test double)."""

    name, model_id = "canned", "canned:judge"

    def __init__(self, reply: str) -> None:
        self.reply, self.prompts = reply, []

    def generate(self, requests, gen):
        self.prompts += [r.messages[0]["content"] for r in requests]
        return [Generation(id=r.id, raw_text=self.reply, answer=self.reply) for r in requests]

    def close(self) -> None:
        pass


# --- end to end: a run directory, `reaper analyze` -------------------------------------------------------

PROFILE = [
    {"id": "p1", "description": "Office workers rebel against their boss.", "tag": "comedy"},
    {"id": "p2", "description": "Two slackers travel through time.", "tag": "comedy"},
    {"id": "p3", "description": "A family vacation goes wrong.", "tag": "comedy"},
]
QUESTIONS = [
    {"id": f"q{i}", "input": f"Which tag does this movie relate to? description: a silly movie number {i}",
     "profile": PROFILE, "output": "comedy"}
    for i in range(6)
]  # fmt: skip
OUTPUTS = {  # id -> (raw output with the deepseek_r1 split applied by hand)
    "q0": ("The user's previous tags are comedy: office workers, slackers. So comedy.", "comedy"),
    "q1": ("The user's previous tags are comedy. Wait, romance? Hmm, maybe. Actually, romance.", "romance"),
    "q2": ("The user tagged comedies. Tag is comedy.", "Tag: comedy"),
    "q3": ("The user likes comedies.", "comedy"),
    "q4": ("Okay, let me think about the slackers again and again. " * 5, None),
    "q5": (None, "comedy"),
}


def _run_dir(tmp_path: Path) -> Path:
    questions = tmp_path / "questions.json"
    questions.write_text(json.dumps(QUESTIONS), encoding="utf-8")
    run = tmp_path / "run"
    config = {"task": {"name": "LaMP_2", "questions": str(questions), "outputs": None, "limit": None},
              "retriever": {"name": "bm25", "k": 3, "label": None}, "model": {"name": "fake-r1"},
              "method": {"name": "direct", "params": {}}}  # fmt: skip
    write_json_atomic(run / "spec.json", {"config": config, "model_is_reasoning": True})
    write_jsonl_atomic(run / "inputs.jsonl", [
        {"id": q["id"], "prompt": q["input"], "retrieved_ids": ["p1", "p2", "p3"], "gold": "comedy"} for q in QUESTIONS
    ])  # fmt: skip
    gens = [Generation(id=i, raw_text=(r or "") + (a or ""), reasoning=r, answer=a, truncated=a is None)
            for i, (r, a) in OUTPUTS.items()]  # fmt: skip
    write_jsonl_atomic(run / "generations.jsonl", [g.to_dict() for g in gens])
    score_run(run, resamples=0)
    return run


def test_reaper_analyze_end_to_end(tmp_path: Path, capsys) -> None:
    run = _run_dir(tmp_path)
    assert main(["analyze", str(run)]) == 0
    printed = json.loads(capsys.readouterr().out)
    samples = {s["id"]: s for s in read_jsonl(run / "samples.jsonl")}
    summary = json.loads((run / "summary.json").read_text())
    assert summary["metrics"] and printed["failure_modes"] == summary["failure_modes"]
    assert samples["q1"]["tags"]["retrieval_misuse"]["tags"] == [
        "retrieval.contradicted", "retrieval.contradicted_gold_agrees"]  # fmt: skip
    assert "divergent.switches" in samples["q1"]["tags"]["divergent_thinking"]["tags"]
    assert samples["q2"]["tags"]["format_misalignment"]["tags"] == ["format.not_a_label", "format.recoverable"]
    assert samples["q4"]["tags"]["format_misalignment"]["tags"] == ["format.truncated"]
    assert samples["q4"]["tags"]["divergent_thinking"]["tags"] == ["divergent.long", "divergent.loop"]
    assert samples["q5"]["tags"]["divergent_thinking"]["na"] is True
    modes, n = summary["failure_modes"], summary["failure_modes_n"]
    assert n["format.truncated"] == 6 and modes["format.truncated"] == pytest.approx(1 / 6)  # over generated
    assert n["format.not_a_label"] == 5 and modes["format.not_a_label"] == pytest.approx(1 / 5)  # over ok
    assert n["divergent.loop"] == 5  # q5 has no trace: not judged
    assert modes["retrieval.contradicted"] == pytest.approx(1 / 5)


def test_analyze_with_canned_judge_reports_agreement(tmp_path: Path) -> None:
    run = _run_dir(tmp_path)
    judge = CannedJudge('{"format": false, "divergent": false, "retrieval": false, "evidence": "fine"}')
    entries = analyze_run(run, config={"llm_judge": {"backend": judge}, **LEXICAL})
    assert len(judge.prompts) == 6 and "USER PROFILE ITEMS" in judge.prompts[0]
    agreement_ = entries["judge_agreement"]
    assert agreement_["format"]["n"] == 6 and agreement_["format"]["agreement"] == pytest.approx(4 / 6)
    samples = {s["id"]: s for s in read_jsonl(run / "samples.jsonl")}
    assert samples["q0"]["tags"]["llm_judge"]["tags"] == [] and "format_misalignment" in samples["q0"]["tags"]


def test_cli_errors_are_one_line(tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(tmp_path / "missing")]) == 2
    run = _run_dir(tmp_path)
    assert main(["analyze", str(run), "--analyzers", "nope"]) == 2
    assert main(["analyze", str(run), "--analyzers", "llm_judge"]) == 2
    assert "reaper: error:" in capsys.readouterr().err


# --- the defect classes: a positive and a near miss for each rule ---------------------------------


@pytest.mark.parametrize(
    ("task", "answer", "lenient"),
    [
        ("LaMP_2", "Tag: dark comedy", "dark comedy"),  # one label (the longest name) is recoverable
        ("LaMP_2", ", ".join(get_task("LaMP_2").labels), None),  # the echoed label list is ambiguous
        ("LaMP_1", "[1] and [2]", None),
        ("LaMP_1", "Reference 2", "[2]"),
        ("LaMP_3", "4 or 5", None),
        ("LaMP_3", "I would rate it 4 out of 5", "4"),  # the scale is not a second score
    ],
)
def test_lenient_parse_never_credits_several_labels(task: str, answer: str, lenient: str | None) -> None:
    t = get_task(task)
    assert t.parse_lenient(answer) == (lenient if lenient is not None else answer)
    tags = _tags("format_misalignment", [_sample(task, answer)], task)["s"]
    if lenient is None:
        assert {"format.unrecoverable", "format.multiple"} <= set(tags)
    else:
        assert "format.unrecoverable" not in tags and "format.multiple" not in tags


def test_ignored_needs_a_trace_and_reads_history_in_any_phrasing() -> None:
    items = [{"id": "a", "description": "A hitman hunts smugglers across Miami skyscrapers.", "tag": "action"}]
    answer_only = _sample("LaMP_2", "action", None, items, id="bare")
    generic = _sample("LaMP_2", "action", "This movie looks good and exciting, so action is right.", items, id="g")
    phrased = _sample("LaMP_2", "action", "Going by this person's earlier picks, action it is.", items, id="p")
    specific = _sample("LaMP_2", "action", "Like the Miami smugglers one with the hitman, action.", items, id="w")
    analyzer = build_analyzers(["retrieval_misuse"])["retrieval_misuse"]
    out = analyzer.analyze([answer_only, generic, phrased, specific], get_task("LaMP_2"))
    assert "retrieval.ignored" in out["bare"]["na_tags"] and out["bare"]["tags"] == []
    assert out["g"]["tags"] == ["retrieval.ignored"]  # generic words only: ignored
    assert "retrieval.ignored" not in out["p"]["tags"] and "retrieval.ignored" not in out["w"]["tags"]


def test_switches_are_a_rate_not_a_count() -> None:
    block = "The review praises the motor and the blades and the jar. Wait, the lid leaks a little bit though. "
    calm = "The review praises the motor and the blades and the jar and the price and the quiet running. " * 3
    short = _sample("LaMP_3", "4", block * 2 + calm, id="short")
    long = _sample("LaMP_3", "4", (block * 2 + calm) * 8, id="long")
    sparse = _sample("LaMP_3", "4", block + calm * 12, id="sparse")
    tags = _tags("divergent_thinking", [short, long, sparse], "LaMP_3", LEXICAL)
    assert "divergent.switches" in tags["short"] and "divergent.switches" in tags["long"]  # same rate, same verdict
    assert "divergent.switches" not in tags["sparse"]


def test_flips_count_reversals_of_committed_answers_only() -> None:
    flipping = "I think comedy. Maybe romance then. No, I'll go with comedy. Actually, romance fits."
    converging = "Could it be romance? The user tagged the last film as romance. But I'll go with comedy."
    tags = _tags("divergent_thinking", [_sample("LaMP_2", "comedy", flipping, id="f"),
                                        _sample("LaMP_2", "comedy", converging, id="c")], "LaMP_2", LEXICAL)  # fmt: skip
    assert "divergent.flips" in tags["f"] and "divergent.flips" not in tags["c"]


def test_loop_ignores_phrases_quoted_from_the_input() -> None:
    quote = "a retired hitman returns to his old life after gangsters break in"
    ctx_input = f"description: {quote}."
    quoting = f"The movie says {quote}. So {quote}, and again {quote}. Action."
    s = _sample("LaMP_2", "action", quoting, id="q")
    s.extra["_analysis_context"].input = ctx_input
    looping = _sample("LaMP_2", "action", "I keep thinking about what the right tag would be here. " * 4, id="l")
    tags = _tags("divergent_thinking", [s, looping], "LaMP_2", LEXICAL)
    assert "divergent.loop" not in tags["q"] and "divergent.loop" in tags["l"]


def test_plugin_task_gets_profile_checks_or_na_never_zero(tmp_path: Path) -> None:
    from reaper_recipe_task import RecipeTag

    task = RecipeTag()
    items = [{"id": str(i), "recipe": f"lentil soup {i}", "tag": "healthy"} for i in range(4)]
    s = Sample(id="r", task="recipe_tag", prompt="p", retrieved_ids=[i["id"] for i in items], gold="healthy",
               reasoning="The cook's previous recipes are all healthy, but this is dessert.", answer="dessert",
               strict_pred="dessert", lenient_pred="dessert")  # fmt: skip
    attach_context(s, Context(input="recipe: chocolate cake", retrieved_items=items))
    analyzers = build_analyzers(["retrieval_misuse", "format_misalignment"])
    from harness.analyzers.run_analysis import summarize_failures

    results = {name: a.analyze([s], task) for name, a in analyzers.items()}
    assert results["retrieval_misuse"]["r"]["tags"] == ["retrieval.contradicted", "retrieval.contradicted_gold_agrees"]
    summary = summarize_failures(analyzers, results, [s], task)
    assert summary["failure_modes"]["retrieval.copied"] is None and summary["failure_modes_n"]["retrieval.copied"] == 0
    assert summary["failure_modes"]["format.length"] is None
    assert summary["failure_modes"]["retrieval.contradicted"] == 1.0


def test_drift_embeddings_are_cached_on_disk(tmp_path: Path) -> None:
    from harness.embeddings import CachedEmbedder

    texts = ["The blender broke after two weeks.", "Jupiter has dozens of moons."]
    cold = CachedEmbedder(cache=tmp_path)
    first = cold.vectors(texts)
    warm = CachedEmbedder(cache=tmp_path)
    again = warm.vectors(texts)
    assert cold.encoded == 2 and warm.encoded == 0
    assert all(abs(float(first[t] @ again[t]) - 1.0) < 1e-5 for t in texts)
