"""Retrievers and the retrieval orchestrator: official BM25 parity, recency, random, none, the cache."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi
from standins import StandInTask

from harness.config import RetrieverConfig
from harness.errors import DataError, ReaperError
from harness.registry import RETRIEVERS
from harness.run import cached_retrieval as retrieval
from harness.run.cached_retrieval import RETRIEVAL_STATS, clear_memo, retrieve
from harness.types import Example
from retrievers.bm25 import bm25_scores, normalised

ROOT = Path(__file__).resolve().parents[1]


def build(name: str, **fields) -> object:
    return RETRIEVERS.get(name)(RetrieverConfig(name=name, **fields), Path("/nonexistent"))


def profile(*texts: str, dates: list[str] | None = None) -> list[dict]:
    items = [{"id": f"p{i + 1}", "text": t} for i, t in enumerate(texts)]
    for item, date in zip(items, dates or [], strict=False):
        item["date"] = date
    return items


def official_top(query: str, texts: list[str], k: int) -> list[int]:
    """The official LaMP procedure, on indices."""
    return BM25Okapi([t.split() for t in texts]).get_top_n(query.split(), list(range(len(texts))), n=k)


@pytest.fixture(autouse=True)
def fresh_stats():
    clear_memo()
    RETRIEVAL_STATS.update(computed=0, disk_hits=0, memo_hits=0)
    yield
    clear_memo()


# --- BM25: hand-checked orders -------------------------------------------------------------


def test_bm25_hand_checked_order():
    # "pasta" and "tomato" each occur in 2 of 5 items (same idf > 0). p1 has both words; p4 and
    # p2 one each, and p4 is shorter (2 words vs 3) so scores higher; p3 and p5 share no word
    # with the query and tie at 0, which the official reversed argsort puts later item first.
    items = profile(
        "pasta with tomato sauce", "tomato soup recipe", "running shoes review", "pasta salad", "running in the rain"
    )
    texts = [item["text"] for item in items]
    order = build("bm25").rank("pasta tomato", items, texts, 5)
    assert [items[i]["id"] for i in order] == ["p1", "p4", "p2", "p5", "p3"]
    assert order == official_top("pasta tomato", texts, 5)


def test_bm25_all_ties_come_out_later_items_first():
    # "cat" occurs in exactly half of the items: idf = log(2.5) - log(2.5) = 0, so every score
    # is 0 and get_top_n's reversed argsort returns the profile backwards (duplicates included).
    items = profile("the cat sat on the mat", "dogs bark loudly", "cat cat cat", "dogs bark loudly")
    texts = [item["text"] for item in items]
    order = build("bm25").rank("cat", items, texts, 3)
    assert [items[i]["id"] for i in order] == ["p4", "p3", "p2"]
    assert order == official_top("cat", texts, 3)


def test_bm25_case_and_punctuation_are_kept_unless_normalised():
    items = profile("I love Cats!", "cats are fine", "dogs only")
    texts = [item["text"] for item in items]
    assert build("bm25").rank("Cats!", items, texts, 1) == [0]  # only p1 has the token "Cats!"
    assert normalised("I love Cats!") == ["i", "love", "cats"]
    # normalised: "i love cats" and "cats are fine" both contain "cats" once in 3 words: a tie,
    # which comes out later item first
    order = build("bm25", tokenizer="normalised").rank("cats", items, texts, 2)
    assert [items[i]["id"] for i in order] == ["p2", "p1"]


def test_bm25_small_edge_cases_match_official():
    cases = [
        ("anything", ["one single item"]),  # one-item profile
        ("single", ["one single item"]),
        ("zzz qqq", ["a b c", "d e f", "a b c"]),  # zero overlap, duplicates
        ("", ["a b", "c d"]),  # empty query
        ("a a a b", ["a", "a b", "b b b", "a"]),  # repeated query words, words in > half the items
        ("x", ["", "x y", ""]),  # empty texts
    ]
    for query, texts in cases:
        for k in (1, 2, len(texts) + 3):
            assert build("bm25").rank(query, profile(*texts), texts, k) == official_top(query, texts, k), (query, texts)


def test_bm25_all_empty_texts_tie_instead_of_crashing():
    texts = ["", "  ", ""]
    with pytest.raises(ZeroDivisionError):  # the official procedure crashes on such a profile
        official_top("x", texts, 3)
    assert build("bm25").rank("x", profile(*texts), texts, 3) == [2, 1, 0]  # all tie at 0
    assert build("bm25").rank("x", [], [], 3) == []


def test_bm25_matches_rank_bm25_on_many_random_profiles():
    rng = random.Random(1234)
    vocab = [f"w{i}" for i in range(60)] + ["the", "a", "The", "good.", "good"]
    weights = [1 / (i + 1) for i in range(len(vocab))]

    def text(lo: int, hi: int) -> str:
        return " ".join(rng.choices(vocab, weights, k=rng.randint(lo, hi)))

    for case in range(600):
        n = rng.choice([1, 2, 3, 4, 8, 16, 17, 33, 120])
        texts = [text(0, 25) for _ in range(n)]
        for i in range(n):  # duplicate texts
            if rng.random() < 0.25:
                texts[i] = texts[rng.randrange(n)]
        query = text(0, 15) if rng.random() < 0.85 else "nothing matches here"
        if not any(t.split() for t in texts):
            continue
        docs, q = [t.split() for t in texts], query.split()
        assert np.array_equal(bm25_scores(q, docs), BM25Okapi(docs).get_scores(q)), case  # bit-identical
        k = rng.choice([1, 5, n])
        assert build("bm25").rank(query, profile(*texts), texts, k) == official_top(query, texts, k), case


def test_bm25_matches_rank_bm25_on_a_profile_of_lamp4_size():
    """1,700 items (the largest LaMP_4 profiles) over a Zipf vocabulary: common words hit the idf floor."""
    rng = random.Random(7)
    vocab = [f"v{i}" for i in range(4000)] + ["the", "of", "to", "a"]
    weights = [1 / (i + 1) for i in range(4000)] + [5.0, 3.0, 3.0, 2.0]
    texts = [" ".join(rng.choices(vocab, weights, k=rng.randint(5, 60))) for _ in range(1700)]
    texts[100] = texts[7]  # a duplicate: the two tie exactly
    for query in (texts[7], "the of v1 v2 v3 v3 unseen", " ".join(rng.choices(vocab, weights, k=30))):
        docs, q = [t.split() for t in texts], query.split()
        assert np.array_equal(bm25_scores(q, docs), BM25Okapi(docs).get_scores(q))
        assert build("bm25").rank(query, profile(*texts), texts, 10) == official_top(query, texts, 10)


def test_bm25_import_does_not_import_torch():
    code = (
        "import sys, retrievers.bm25, retrievers.dense, harness.run.cached_retrieval; assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_unknown_tokenizer_is_a_user_error():
    with pytest.raises(ReaperError, match="tokenizer"):
        build("bm25", tokenizer="porter")


# --- recency, random, none -----------------------------------------------------------------


def test_recency_newest_first_ties_in_profile_order():
    items = profile(
        "a", "b", "c", "d", "e", dates=["2014-03-01", "2019-12-31", "2014-03-01", "2019-12-31T08:00:00", "2001"]
    )
    order = build("recency").rank("q", items, [i["text"] for i in items], 4)
    assert [items[i]["id"] for i in order] == ["p4", "p2", "p1", "p3"]


def test_recency_missing_date_is_a_data_error(tmp_path):
    items = profile("a", "b", dates=["2014-03-01"])
    with pytest.raises(ReaperError, match="item p2 has none"):
        build("recency").rank("q", items, ["a", "b"], 1)
    examples = [Example(id="u7", input="q", profile=items)]
    with pytest.raises(DataError) as info:
        retrieve(StandInTask(), examples, RetrieverConfig(name="recency"), tmp_path, "h", source="dev_questions.json")
    err = info.value
    assert (err.path, err.record_id, err.field) == ("dev_questions.json", "u7", "profile[1].date")
    assert "recency retrieval needs a 'date' on every profile item; item p2 has none" in str(err)


def test_random_is_seeded_per_question_and_repeatable():
    items = profile(*[f"t{i}" for i in range(30)])
    texts = [i["text"] for i in items]
    first = build("random", seed=3).rank("question one", items, texts, 30)
    assert first == build("random", seed=3).rank("question one", items, texts, 30)  # rerun: same order
    assert sorted(first) == list(range(30))
    assert build("random", seed=3).rank("question one", items, texts, 5) == first[:5]  # k nests
    assert build("random", seed=3).rank("question two", items, texts, 30) != first  # per question
    assert build("random", seed=4).rank("question one", items, texts, 30) != first  # per seed
    code = (
        "from pathlib import Path; from harness.config import RetrieverConfig; from harness.registry import RETRIEVERS;"
        "r = RETRIEVERS.get('random')(RetrieverConfig(name='random', seed=3), Path('.'));"
        f"print(r.rank('question one', {items!r}, {texts!r}, 30))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    assert out.strip() == str(first)  # another process (another hash seed): same order


def test_none_returns_nothing(tmp_path):
    items = profile("a", "b")
    assert build("none").rank("q", items, ["a", "b"], 5) == []
    examples = [Example(id="1", input="a", profile=items)]
    assert retrieve(StandInTask(), examples, RetrieverConfig(name="none", k=3), tmp_path, "h") == {"1": []}


# --- the orchestrator and its cache --------------------------------------------------------


def examples() -> list[Example]:
    return [
        Example(
            id="q1",
            input="pasta tomato",
            profile=profile("pasta with tomato sauce", "tomato soup recipe", "shoes", "pasta salad", "rain"),
        ),
        Example(
            id="q2",
            input="cat",
            profile=profile("the cat sat on the mat", "dogs bark loudly", "cat cat cat", "dogs bark loudly"),
        ),
    ]


def test_retrieve_results_and_disk_cache(tmp_path):
    task, spec = StandInTask(), RetrieverConfig(name="bm25", k=2)
    expected = {"q1": ["p1", "p4"], "q2": ["p4", "p3"]}
    assert retrieve(task, examples(), spec, tmp_path, "data-v1") == expected
    assert RETRIEVAL_STATS == {"computed": 1, "disk_hits": 0, "memo_hits": 0}
    assert retrieve(task, examples(), spec, tmp_path, "data-v1") == expected  # same process: memo
    assert RETRIEVAL_STATS == {"computed": 1, "disk_hits": 0, "memo_hits": 1}
    clear_memo()
    assert retrieve(task, examples(), spec, tmp_path, "data-v1") == expected  # as a new process: disk
    assert RETRIEVAL_STATS == {"computed": 1, "disk_hits": 1, "memo_hits": 1}
    assert len(list((tmp_path / "retrieval").glob("*.json"))) == 1
    assert not list((tmp_path / "retrieval").glob("*.tmp"))
    relabelled = RetrieverConfig(name="bm25", k=2, label="BM25 (official)")
    assert retrieve(task, examples(), relabelled, tmp_path, "data-v1") == expected  # label: display only
    assert RETRIEVAL_STATS["computed"] == 1


@pytest.mark.parametrize(
    ("spec", "data_hash"),
    [
        (RetrieverConfig(name="bm25", k=2), "data-v2"),
        (RetrieverConfig(name="bm25", k=3), "data-v1"),
        (RetrieverConfig(name="bm25", k=2, tokenizer="normalised"), "data-v1"),
        (RetrieverConfig(name="random", k=2), "data-v1"),
    ],
)
def test_changed_data_or_spec_misses_the_cache(tmp_path, spec, data_hash):
    retrieve(StandInTask(), examples(), RetrieverConfig(name="bm25", k=2), tmp_path, "data-v1")
    clear_memo()
    retrieve(StandInTask(), examples(), spec, tmp_path, data_hash)
    assert RETRIEVAL_STATS == {"computed": 2, "disk_hits": 0, "memo_hits": 0}


def test_use_cache_false_recomputes(tmp_path):
    task, spec = StandInTask(), RetrieverConfig(name="bm25", k=1)
    retrieve(task, examples(), spec, tmp_path, "h")
    assert retrieve(task, examples(), spec, tmp_path, "h", use_cache=False) == {"q1": ["p1"], "q2": ["p4"]}
    assert RETRIEVAL_STATS == {"computed": 2, "disk_hits": 0, "memo_hits": 0}


def test_subset_hits_and_superset_recomputes(tmp_path):
    task, spec = StandInTask(), RetrieverConfig(name="bm25", k=1)
    assert retrieve(task, examples()[:1], spec, tmp_path, "h") == {"q1": ["p1"]}
    assert retrieve(task, examples(), spec, tmp_path, "h") == {"q1": ["p1"], "q2": ["p4"]}  # q2 was never retrieved
    assert retrieve(task, examples()[1:], spec, tmp_path, "h") == {"q2": ["p4"]}
    assert RETRIEVAL_STATS == {"computed": 2, "disk_hits": 0, "memo_hits": 1}


def test_corrupt_cache_file_is_recomputed(tmp_path):
    task, spec = StandInTask(), RetrieverConfig(name="bm25", k=1)
    retrieve(task, examples(), spec, tmp_path, "h")
    clear_memo()
    (path,) = (tmp_path / "retrieval").glob("*.json")
    path.write_text('{"results": {"q1": [')  # e.g. a disk filled up by something else
    assert retrieve(task, examples(), spec, tmp_path, "h") == {"q1": ["p1"], "q2": ["p4"]}
    assert RETRIEVAL_STATS["computed"] == 2


def test_missing_item_field_names_the_item(tmp_path):
    bad = [Example(id="q9", input="x", profile=[{"id": "a", "text": "x"}, {"id": "b"}])]
    with pytest.raises(DataError) as info:
        retrieve(StandInTask(), bad, RetrieverConfig(name="bm25"), tmp_path, "h", source="f.json")
    assert (info.value.record_id, info.value.field) == ("q9", "profile[1].text")


def test_cache_key_ignores_label_only():
    base = retrieval.cache_key("LaMP_3", "h", RetrieverConfig(name="bm25"))
    assert base == retrieval.cache_key("LaMP_3", "h", RetrieverConfig(name="bm25", label="x"))
    assert base != retrieval.cache_key("LaMP_4", "h", RetrieverConfig(name="bm25"))
    assert base != retrieval.cache_key("LaMP_3", "h", RetrieverConfig(name="bm25", k=2))
