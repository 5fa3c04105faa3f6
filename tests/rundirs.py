"""Fabricated run directories for the table, plot and report tests, scored by the real pipeline.

Only the generations are invented (answers, traces, token counts). spec.json is built from a real
``RunConfig``, and samples.jsonl / summary.json come from ``harness.run.pipeline.score_run``, so the
tests read exactly what real runs produce. Failure-mode tags are written the way the analyzers
will write them (per-sample ``tags`` and summary ``failure_modes``), on some runs only.

The grid has planted features the tests assert on:
- ``MISSING``: a cell no run provides (llama never ran LaMP_3 with contriever k=1);
- ``DUPLICATE``: a cell run twice (different spec hash); the older copy has different numbers;
- ``INJECTED``: a run whose first answer and trace carry ``<script>`` payloads;
- ``NO_METHOD``: a method one model ran and the other did not (llama has no srm run).
"""

from __future__ import annotations

import json
import os
import random
import time
import zlib
from pathlib import Path
from typing import Any

from harness.config import MethodConfig, ModelConfig, RetrieverConfig, RunConfig, TaskConfig
from harness.io import read_jsonl, write_json_atomic, write_jsonl_atomic
from harness.registry import get_task
from harness.run.pipeline import run_directory, score_run, spec_dict

MODELS: dict[str, str] = {"r1-distill": "reasoning", "qwq": "reasoning", "llama": "general", "qwen-inst": "general"}
TASKS = ("LaMP_2", "LaMP_3", "LaMP_4")
SETTINGS: tuple[tuple[str, int, str | None], ...] = (("none", 0, None), ("bm25", 1, None), ("bm25", 4, None), ("dense", 1, "contriever"))  # fmt: skip
METHODS = ("cot", "hrt", "rpi", "srm", "r2p", "r2p_no_hrt", "r2p_no_rpi", "r2p_no_srm")
METHOD_MODELS = ("r1-distill", "llama")  # models that also ran every method (LaMP_4, bm25 k=1)
MISSING = ("LaMP_3", "llama", "contriever", 1)
DUPLICATE = ("LaMP_3", "llama", "bm25", 4)
INJECTED = ("LaMP_4", "qwq", "bm25", 1)
NO_METHOD = ("llama", "srm")
INTERVENED = ("r1-distill", "r2p")  # its first sample carries harness insertions and srm candidates
N_SAMPLES = 12
PAYLOAD_ANSWER = '<script>window.pwned=1;document.title="pwned"</script> Council backs bike lanes'
PAYLOAD_TRACE = '</script><script>window.pwned=2</script><img src=x onerror="window.pwned=3"> & so on'
TAGS = {
    "divergent_thinking": "divergent.loop",
    "format_misalignment": "format.think_leak",
    "retrieval_misuse": "retrieval.ignored",
}  # analyzer -> the one tag it plants

_LABELS = ("comedy", "action", "classic", "romance", "sci-fi")
_WORDS = [
    "city",
    "council",
    "approves",
    "new",
    "bike",
    "lanes",
    "after",
    "long",
    "public",
    "debate",
    "over",
    "safety",
    "and",
    "cost",
]
_QUALITY = {"r1-distill": 0.55, "qwq": 0.6, "llama": 0.62, "qwen-inst": 0.5}
_METHOD_BONUS = {"cot": 0.02, "hrt": 0.05, "rpi": 0.04, "srm": 0.06, "r2p": 0.12, "r2p_no_hrt": 0.07}


def make_runs(root: Path, duplicate: bool = True, inject: bool = True, resamples: int = 200) -> Path:
    """Write and score the whole grid under ``root``; returns ``root``."""
    for task in TASKS:
        for model in MODELS:
            for retriever, k, label in SETTINGS:
                if (task, model, label or retriever, k) == MISSING:
                    continue
                make_run(root, task, model, retriever, k, label, "direct", inject=inject, resamples=resamples)
    for model in METHOD_MODELS:
        for method in METHODS:
            if (model, method) != NO_METHOD:
                make_run(root, "LaMP_4", model, "bm25", 1, None, method, resamples=resamples)
    if duplicate:
        task, model, retriever, k = DUPLICATE
        old = make_run(root, task, model, retriever, k, None, "direct", salt="old", resamples=resamples)
        stamp = time.time() - 3600
        os.utime(old / "summary.json", (stamp, stamp))
    return root


def make_run(
    root: Path, task_name: str, model: str, retriever: str, k: int, label: str | None, method: str,
    salt: str = "", inject: bool = False, resamples: int = 200,
) -> Path:  # fmt: skip
    """One run directory: spec, inputs and invented generations, then the real scoring."""
    reasoning = MODELS[model] == "reasoning"
    cfg = RunConfig(
        task=TaskConfig(name=task_name), retriever=RetrieverConfig(name=retriever, k=k, label=label),
        model=ModelConfig(name=model, backend="openai", path=f"org/{model}", reasoning=reasoning),
        method=MethodConfig(name=method), runs_dir=str(root), seed=1 if salt else 0,
    )  # fmt: skip
    task = get_task(task_name)
    run_dir = run_directory(cfg, task)
    spec = {"config": spec_dict(cfg), "model_identity": f"openai:org/{model}", "model_is_reasoning": reasoning,
            "prompted_reasoning": False, "data": {"source": "fabricated", "hash": "0" * 10}}  # fmt: skip
    write_json_atomic(run_dir / "spec.json", spec)
    rng = random.Random(zlib.crc32(f"{task_name}/{model}/{retriever}{k}/{method}/{salt}".encode()))
    quality = _QUALITY[model] + 0.04 * min(k, 4) + _METHOD_BONUS.get(method, 0.0) - (0.2 if salt else 0.0)
    inputs, generations = [], []
    for i in range(N_SAMPLES):
        sid = f"{task_name}-{i:03d}"
        gold = _gold(task_name, i)
        retrieved = [f"{sid}-p{j}" for j in range(k)]
        inputs.append({"id": sid, "prompt": f"[{task_name} prompt {i} with {k} items] <b>user</b> & profile",
                       "retrieved_ids": retrieved, "gold": gold})  # fmt: skip
        answer = _answer(task_name, gold, rng, quality, reasoning)
        gen: dict[str, Any] = {"id": sid, "model": model, "backend": "openai", "finish_reason": "stop",
                               "prompt_tokens": 40 + 30 * k, "answer": answer,
                               "answer_tokens": len(answer.split())}  # fmt: skip
        if reasoning:
            gen["reasoning"] = f"The user often writes about {rng.choice(_WORDS)}. Let me check the format."
            gen["reasoning_tokens"] = 200 + 50 * i + 10 * k + rng.randint(0, 40) * len(model)
            if i == N_SAMPLES - 1:  # a trace that never closed: unscorable, never scored as an answer
                gen.update(answer=None, answer_tokens=0, reasoning_tokens=4096, truncated=True, finish_reason="length")
        if inject and i == 0 and (task_name, model, label or retriever, k) == INJECTED:
            gen.update(answer=PAYLOAD_ANSWER, reasoning=PAYLOAD_TRACE)
        gen["raw_text"] = f"<think>{gen.get('reasoning') or ''}</think>{gen['answer'] or ''}"
        if (model, method) == INTERVENED and i == 0:
            intervene(gen, task)
        generations.append(gen)
    write_jsonl_atomic(run_dir / "inputs.jsonl", inputs)
    write_jsonl_atomic(run_dir / "generations.jsonl", generations)
    score_run(run_dir, resamples=resamples, seed=0)
    if label != "contriever":  # contriever runs were never analysed: T5 shows "—" for them
        add_failure_tags(run_dir, reasoning, offset=len(model) + k)
    return run_dir


def intervene(gen: dict[str, Any], task: Any) -> None:
    """Make ``gen`` what r2p records when the model stopped without closing its trace.

    The harness opened the trace, then closed it with the real "no_answer" text; three candidates
    were consolidated by the model, which chose the second.
    """
    from harness.methods.instructions import Templates

    trace, close = (
        "The user often writes about bikes. Let me check the format.",
        Templates().rpi_text("close", task, "no_answer"),
    )
    head = "<think>\n"
    gen["raw_text"] = head + trace + close + gen["answer"]
    gen["reasoning"] = (trace + close.split("</think>")[0]).strip()
    start = len(head) + len(trace)
    gen["extra"] = {
        "inserted": [{"start": 0, "end": len(head), "kind": "open", "reason": "opened the trace"},
                     {"start": start, "end": start + len(close), "kind": "close", "reason": "no_answer"}],
        "interventions": [{"reason": "no_answer", "inserted": close, "position": start, "candidate": 1,
                           "detail": {"problem": "stopped before closing the thinking"}}],
        "trace_closed_by": "harness (no_answer)",
        "candidates": [{"index": c, "seed": c, "answer": a, "generated_tokens": 30 + c, "n_interventions": c % 2}
                       for c, a in enumerate(["Bikes lanes", gen["answer"], "Council news"])],
        "chosen": {"index": 1, "answer": gen["answer"]}, "consolidation": "model",
        "token_parts": {"reasoning": 300, "answer": 12, "inserted": 25},
    }  # fmt: skip


def add_failure_tags(run_dir: Path, reasoning: bool, offset: int = 0) -> None:
    """Tag samples and write summary rates in the analyzers' format (harness.analyzers.run_analysis).

    Per sample ``tags[analyzer]`` with ``na`` where the check cannot judge it (no trace; no retrieved
    items); per tag and per ``<mode>.any`` a rate over the samples it applies to, and that n.
    Divergent thinking counts over generated traces, the rest over scored samples.
    """
    samples = read_jsonl(run_dir / "samples.jsonl")
    hits: dict[str, int] = {}
    eligible: dict[str, int] = {}
    for n, sample in enumerate(samples):
        tags: dict[str, Any] = {}
        for j, (analyzer, tag) in enumerate(TAGS.items()):
            family = tag.split(".")[0]
            if analyzer == "divergent_thinking":
                applies = reasoning and sample["status"] != "failed"
            elif analyzer == "retrieval_misuse":
                applies = bool(sample["retrieved_ids"]) and sample["status"] == "ok"
            else:
                applies = sample["status"] == "ok"
            if not applies:
                tags[analyzer] = {"tags": [], "score": 0.0, "evidence": ["does not apply"], "na": True}
                continue
            hit = (n + j * offset) % (3 + j) == 0
            tags[analyzer] = {"tags": [tag] if hit else [], "score": round(0.3 * j + 0.1 * (n % 3), 3),
                              "evidence": [f"sentence {n}: <i>wanders</i>"] if hit else []}  # fmt: skip
            for key in (tag, f"{family}.any"):
                eligible[key] = eligible.get(key, 0) + 1
                hits[key] = hits.get(key, 0) + hit
        sample["tags"] = tags
    keys = [key for tag in TAGS.values() for key in (tag, f"{tag.split('.')[0]}.any")]
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    summary["failure_modes"] = {k: (hits[k] / eligible[k] if eligible.get(k) else None) for k in keys}
    summary["failure_modes_n"] = {k: eligible.get(k, 0) for k in keys}
    write_jsonl_atomic(run_dir / "samples.jsonl", samples)
    write_json_atomic(run_dir / "summary.json", summary)


def _gold(task: str, i: int) -> str:
    if task == "LaMP_2":
        return _LABELS[i % len(_LABELS)]
    if task == "LaMP_3":
        return str(1 + (i * 2) % 5)
    return " ".join(_WORDS[i % 4 : i % 4 + 6])


def _answer(task: str, gold: str, rng: random.Random, quality: float, reasoning: bool) -> str:
    """A plausible answer: right with probability ``quality``; reasoning models sometimes chatter."""
    right = rng.random() < quality
    if task == "LaMP_2":
        answer = gold if right else rng.choice([lab for lab in _LABELS if lab != gold])
        return f"The tag is {answer}." if reasoning and rng.random() < 0.3 else answer
    if task == "LaMP_3":
        value = int(gold) if right else min(5, max(1, int(gold) + rng.choice((-2, -1, 1, 2))))
        return f"Rating: {value} out of 5" if reasoning and rng.random() < 0.3 else str(value)
    words = [w for w in gold.split() if right or rng.random() < quality] + rng.sample(_WORDS, 2)
    text = " ".join(words)
    return f"Here is a headline:\n{text}" if reasoning and rng.random() < 0.3 else text
