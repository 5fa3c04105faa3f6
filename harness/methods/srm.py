"""Self-referencing (srm): n sampled candidates per question, consolidated into one answer.

Candidates differ by seed (``gen.seed + i``) at a configurable temperature, so each has its own
store key and a rerun finds them all. Consolidation is either a majority vote over the candidates'
parsed answers (classification and rating: cheap, no extra call) or a model call that sees the
official prompt (which holds the retrieved profile items) plus the candidates and selects or writes
the answer most consistent with the user. A vote selects a candidate and keeps its text as
written, so strict scoring still sees the model's own format. Everything is recorded:
``extra["candidates"]``, ``extra["chosen"]`` and ``extra["consolidation"]`` ("vote" | "model").
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from harness.config import GenerationConfig
from harness.methods.instructed import Count, generate_once, generated_tokens
from harness.methods.instructions import Templates, with_instruction
from harness.types import Example, GenerateFn, Generation, Task, parts_record, token_parts

MODES = ("auto", "vote", "model")


def candidate_configs(gen: GenerationConfig, n: int, temperature: float) -> list[GenerationConfig]:
    """One sampling config per candidate: same settings, the given temperature, distinct seeds."""
    return [dataclasses.replace(gen, temperature=temperature, seed=gen.seed + i) for i in range(max(1, n))]


def consolidation_mode(requested: str, task: Task) -> str:
    """``auto``: vote where answers come from a fixed label set, a model call for free text."""
    if requested not in MODES:
        raise ValueError(f"consolidation={requested!r}; known: {', '.join(MODES)}")
    if requested == "auto":
        return "vote" if task.kind in ("classification", "rating") else "model"
    return requested


def vote_key(task: Task, answer: str | None) -> str | None:
    """What a candidate votes for: its lenient parse (a label, or a score as a number)."""
    if answer is None or not answer.strip():
        return None
    parsed = task.parse_lenient(answer).strip()
    if task.kind == "rating":
        try:
            return str(float(parsed))
        except ValueError:
            return None
    if task.labels is not None and parsed not in task.labels:
        return None
    return parsed or None


def vote(task: Task, candidates: list[Generation]) -> int | None:
    """Index of the first candidate voting for the most voted answer (earliest wins ties), or None."""
    keys = [vote_key(task, c.answer) for c in candidates]
    counts = Counter(k for k in keys if k is not None)
    if not counts:
        return None
    first = {k: keys.index(k) for k in counts}
    winner = max(counts, key=lambda k: (counts[k], -first[k]))
    return first[winner]


def candidate_record(index: int, g: Generation, seed: int) -> dict[str, Any]:
    """What a sample keeps of one candidate (the trace too: analyzers read it)."""
    return {
        "index": index, "seed": seed, "answer": g.answer, "reasoning": g.reasoning,
        "reasoning_tokens": g.reasoning_tokens, "answer_tokens": g.answer_tokens, "generated_tokens": generated_tokens(g),
        "finish_reason": g.finish_reason, "truncated": g.truncated, "error": g.error,
        "n_interventions": g.extra.get("n_interventions", 0), "prefill_tokens": g.extra.get("prefill_tokens"),
        **({"raw_text": g.raw_text, "inserted": g.extra["inserted"]} if g.extra.get("inserted") else {}),
    }  # fmt: skip


def consolidate(
    task: Task,
    examples: list[Example],
    prompts: list[str],
    candidates: list[list[Generation]],
    seeds: list[int],
    generate: GenerateFn,
    gen: GenerationConfig,
    templates: Templates,
    count: Count | None,
    mode: str = "auto",
    skip_unanimous: bool = True,
    max_candidate_chars: int = 600,
) -> list[Generation]:
    """One final Generation per question from its candidates (``candidates[q][i]``)."""
    mode = consolidation_mode(mode, task)
    finals: list[Generation | None] = [None] * len(examples)
    asks: list[int] = []  # questions that need a consolidation call
    for q, cands in enumerate(candidates):
        failed = next((c for c in cands if c.error is not None), None)
        answers = {c.answer.strip() for c in cands if c.answer is not None and c.answer.strip()}
        if failed is not None:  # a failed candidate fails the sample; the rerun regenerates only it
            finals[q] = dataclasses.replace(failed, id=examples[q].id, answer=None, extra={})
        elif mode == "vote" or not answers or (skip_unanimous and len(answers) == 1):
            index = vote(task, cands) if mode == "vote" else _first_answer(cands)
            chosen: dict[str, Any] = {"index": index}
            if index is None:  # nothing parsed to a valid answer: keep the first candidate, say so
                index = _first_answer(cands) or 0
                chosen = {"index": index, "fallback": "no candidate gave a valid answer"}
            final = dataclasses.replace(cands[index], extra=_kept(cands[index]))
            final.extra["chosen"] = {**chosen, "answer": cands[index].answer}
            if mode == "model":
                final.extra["consolidation_skipped"] = "unanimous" if answers else "no answers"
            finals[q] = final
        else:
            asks.append(q)
    if asks:
        messages = []
        for q in asks:
            shown = [_clip(c.answer or "", max_candidate_chars) for c in candidates[q] if c.answer and c.answer.strip()]
            text = with_instruction(prompts[q], templates.consolidation(task, shown))
            messages.append([{"role": "user", "content": text}])
        judged = generate_once(
            generate, [examples[q] for q in asks], messages, dataclasses.replace(gen, temperature=0.0), count
        )
        for q, g in zip(asks, judged, strict=True):
            index = _matching(task, candidates[q], g.answer)
            final = dataclasses.replace(g, prompt_tokens=candidates[q][0].prompt_tokens, extra={})
            final.extra.update(
                consolidation_parts=list(token_parts(g)),
                chosen={"index": index, "answer": g.answer},
                consolidation_prompt_tokens=g.prompt_tokens,
                consolidation_tokens=generated_tokens(g),
            )
            final.latency_s = g.latency_s + sum(c.latency_s for c in candidates[q])
            finals[q] = final
    return [_annotate(f, candidates[q], seeds, mode) for q, f in enumerate(finals) if f is not None]


def _annotate(final: Generation, cands: list[Generation], seeds: list[int], mode: str) -> Generation:
    """Record candidates, consolidation and the total price; gather every candidate's interventions."""
    interventions = [{**iv, "candidate": i} for i, c in enumerate(cands) for iv in c.extra.get("interventions", [])]
    total = sum(generated_tokens(c) for c in cands) + int(final.extra.get("consolidation_tokens", 0))
    parts = [
        sum(column)
        for column in zip(
            *(token_parts(c) for c in cands), final.extra.pop("consolidation_parts", (0, 0, 0)), strict=True
        )
    ]
    final.extra.update(
        token_parts=parts_record(*parts),
        consolidation=mode,
        candidates=[candidate_record(i, c, s) for i, (c, s) in enumerate(zip(cands, seeds, strict=True))],
        generated_tokens_total=total,
    )
    if any("interventions" in c.extra for c in cands):
        final.extra.update(interventions=interventions, n_interventions=len(interventions))
    if "consolidation_tokens" not in final.extra:
        final.latency_s = sum(c.latency_s for c in cands)
    return final


def _kept(chosen: Generation) -> dict[str, Any]:
    """What the final record keeps of the chosen candidate's extra: its inserted spans and who closed it."""
    return {k: chosen.extra[k] for k in ("inserted", "trace_closed_by") if k in chosen.extra}


def _first_answer(cands: list[Generation]) -> int | None:
    return next((i for i, c in enumerate(cands) if c.answer is not None and c.answer.strip()), None)


def _matching(task: Task, cands: list[Generation], answer: str | None) -> int | None:
    """The candidate the model selected (same text, else same parse); None when it wrote its own."""
    if answer is None:
        return None
    for same in (lambda a: a.strip() == answer.strip(), lambda a: task.parse_lenient(a) == task.parse_lenient(answer)):
        for i, c in enumerate(cands):
            if c.answer is not None and same(c.answer):
                return i
    return None


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
