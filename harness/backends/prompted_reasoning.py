"""Prompted reasoning for general models, in two phases so a small model's trace can be scored.

A general model told to "think in <think></think>" rarely opens or closes the tags itself (the
embedded 135M model never does). So the harness opens the trace by prefilling the assistant turn
with ``<think>``; phase 1 generates the trace until the model writes ``</think>``, ends its turn, or
spends ``max_new_tokens``; phase 2 continues the same assistant message after ``</think>`` and
generates only the answer (``prompted_answer_tokens``). The answer is thus never trace text. A trace
cut by the budget is closed by the harness and marked truncated (``extra.trace_closed_by``).
Both phases go through the generation store, batched over all questions: a run resumes as any other.
This is *prompted* reasoning on a general model, labelled as such everywhere, never an LRM.
"""

from __future__ import annotations

import dataclasses

from harness.backends.reasoning_parsers import CLOSE, CLOSED_AT_BUDGET, CLOSED_BY_MODEL, OPEN
from harness.config import GenerationConfig, ModelConfig
from harness.types import GenerateFn, Generation, Request


def two_phase(generate: GenerateFn, model: ModelConfig) -> GenerateFn:
    """Wrap a store-backed generate function so plain chat requests reason first, then answer."""

    def run(requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        plain = [r for r in requests if r.raw_prompt is None and not r.continue_final_message]
        rest = [r for r in requests if r.raw_prompt is not None or r.continue_final_message]
        if not plain:
            return generate(requests, gen)
        traces = generate([_open(r) for r in plain], dataclasses.replace(gen, stop=[*gen.stop, CLOSE]))
        answer_gen = dataclasses.replace(gen, max_new_tokens=model.prompted_answer_tokens)
        ok = [(r, t) for r, t in zip(plain, traces, strict=True) if t.error is None]
        answers = generate([_close(r, _trace_text(t)) for r, t in ok], answer_gen)
        merged = {t.id: t for t in traces} | {
            r.id: _merge(t, a) for (r, t), a in zip(ok, answers, strict=True)
        }  # fmt: skip
        others = {g.id: g for g in generate(rest, gen)} if rest else {}
        return [merged.get(r.id) or others[r.id] for r in requests]

    return run


def _open(request: Request) -> Request:
    messages = [*request.messages, {"role": "assistant", "content": f"{OPEN}\n"}]
    return Request(id=request.id, messages=messages, continue_final_message=True)


def _close(request: Request, trace: str) -> Request:
    content = f"{OPEN}\n{trace}\n{CLOSE}\n\n"
    return Request(id=request.id, messages=[*request.messages, {"role": "assistant", "content": content}],
                   continue_final_message=True)  # fmt: skip


def _trace_text(trace: Generation) -> str:
    """Phase 1's text up to the closing tag (servers that keep stop strings include it)."""
    return trace.raw_text.split(CLOSE, 1)[0].strip()


def _merge(trace: Generation, answer: Generation) -> Generation:
    """One record: the trace as reasoning, phase 2 as the answer, tokens counted once per phase.

    The tags around the trace are the harness's (the open always; the close too unless the model
    wrote it), so ``extra["inserted"]`` marks them and ``trace_closed_by`` says who ended the trace.
    """
    text = _trace_text(trace)
    head, close = f"{OPEN}\n", f"\n{CLOSE}\n\n"
    closed_by = _closed_by(trace)
    inserted = [{"start": 0, "end": len(head), "kind": "open", "reason": "opened the trace"}]
    if closed_by == CLOSED_AT_BUDGET or closed_by.startswith("harness"):
        start = len(head) + len(text)
        reason = "budget" if closed_by == CLOSED_AT_BUDGET else "model ended its turn without closing"
        inserted.append({"start": start, "end": start + len(close), "kind": "close", "reason": reason})
    return dataclasses.replace(
        answer,
        raw_text=f"{head}{text}{close}{answer.raw_text}",
        reasoning=text,
        answer=answer.raw_text.strip() if answer.error is None else None,
        prompt_tokens=trace.prompt_tokens,
        reasoning_tokens=trace.extra.get("completion_tokens", trace.answer_tokens),
        answer_tokens=answer.extra.get("completion_tokens", answer.answer_tokens),
        truncated=closed_by == CLOSED_AT_BUDGET or answer.finish_reason == "length",
        latency_s=trace.latency_s + answer.latency_s,
        extra={**answer.extra, "prompted_reasoning": "two-phase", "trace_closed_by": closed_by, "inserted": inserted},
    )  # fmt: skip


STOP_REPORTING = ("vllm", "hf")  # backends that always report the stop string that ended a generation


def _closed_by(trace: Generation) -> str:
    """Who ended phase 1: the budget, the model's own ``</think>``, or the model ending its turn.

    In-process backends and vLLM servers report the stop string, which tells the last two apart;
    for a server that does not, the record says so instead of guessing.
    """
    if trace.finish_reason == "length":
        return CLOSED_AT_BUDGET
    stop = trace.extra.get("stop_reason")
    if stop == CLOSE or CLOSE in trace.raw_text:
        return CLOSED_BY_MODEL
    if stop is not None or trace.backend in STOP_REPORTING:
        return "harness (model ended its turn without closing)"
    return "unknown (the server does not report stop strings)"
