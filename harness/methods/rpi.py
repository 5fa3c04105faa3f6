"""Reasoning-process intervention (rpi): traces generated in segments, steered by the monitor in between.

Every round, all unfinished traces of the run advance by one segment in one store-backed
``generate`` call per distinct sampling config (candidates of srm differ by seed), so a killed run
resumes from the store segment by segment. After each segment the monitor may insert a corrective
text (and, for a broken answer, roll it back once); generation then continues from the new text.

How a trace continues (raw prompt or continued assistant message) is decided at ``check`` time by
harness.methods.continuation.

Token accounting: each segment adds only its newly generated tokens; inserted texts are counted
apart; the final Generation's reasoning/answer counts are the final trace's parts counted once,
and its prompt tokens are those of the original prompt (the first segment's).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.backends.reasoning_parsers import CLOSE, CLOSED_AT_BUDGET, CLOSED_BY_MODEL, OPEN, split_reasoning
from harness.config import GenerationConfig
from harness.methods.continuation import Continuation
from harness.methods.monitor import Intervention, Monitor, MonitorConfig, Trace
from harness.types import GenerateFn, Generation, Request, parts_record


@dataclass
class Job:
    """One trace to generate: its question, sampling config and running state."""

    id: str
    messages: list[dict[str, str]]
    gen: GenerationConfig
    source: set[str]  # content words of the prompt and instruction (the drift check's reference)
    prefix: str = ""  # rendered prompt (raw mode)
    opened_in_prompt: bool = False  # the chat template opened <think> itself
    trace: Trace = field(default_factory=Trace)
    prompt_tokens: int | None = None
    prefill_tokens: int = 0  # prompt tokens summed over segments: the price of re-reading the prefix
    latency_s: float = 0.0
    segments: int = 0
    error: str | None = None
    done: bool = False
    backend: str = ""
    model: str = ""


class SegmentRunner:
    """Generates traces segment by segment, batched across jobs, with the monitor in between."""

    def __init__(self, monitor: Monitor, continuation: Continuation, segment_tokens: int) -> None:
        self.monitor, self.continuation = monitor, continuation
        self.config: MonitorConfig = monitor.config
        self.segment_tokens = max(1, int(segment_tokens))
        self.count: Callable[[str], int] = continuation.count

    def job(self, request_id: str, messages: list[dict[str, str]], gen: GenerationConfig, source: set[str]) -> Job:
        """A new trace: raw mode renders the prompt and seeds ``<think>`` unless the template opened it."""
        job = Job(id=request_id, messages=messages, gen=gen, source=source)
        if self.continuation.mode == "raw":
            job.prefix = self.continuation.render(messages)
            job.opened_in_prompt = job.prefix.rstrip().endswith(OPEN)
        seed = "" if job.opened_in_prompt else OPEN + "\n"
        job.trace = Trace(text=seed, reasoning_start=len(seed), segment_start=len(seed), quiet_from=len(seed))
        if seed:
            job.trace.spans.append(inserted_span(0, seed, "open", "opened the trace"))
        return job

    def run(self, jobs: list[Job], generate: GenerateFn) -> list[Generation]:
        """Advance every unfinished job by one segment per round until all are done."""
        cfg = self.config
        per_segment = self.segment_tokens
        rounds = 6 + cfg.max_interventions + 2 * (-(-(cfg.think_budget + cfg.answer_budget) // per_segment))
        for _ in range(rounds):
            active = [j for j in jobs if not j.done]
            if not active:
                break
            groups: dict[str, tuple[GenerationConfig, list[Job]]] = {}
            for job in active:
                seg = dataclasses.replace(job.gen, max_new_tokens=self._segment_budget(job.trace))
                key = json.dumps(dataclasses.asdict(seg), sort_keys=True)
                groups.setdefault(key, (seg, []))[1].append(job)
            for seg, group in groups.values():
                outputs = generate([self._request(j) for j in group], seg)
                for job, output in zip(group, outputs, strict=True):
                    self._advance(job, output)
        for job in jobs:
            if not job.done:  # safety net against a pathological back-and-forth: stop as truncated
                job.trace.last_finish, job.done = "length", True
        return [self._finish(j) for j in jobs]

    # --- one segment ----------------------------------------------------------------------------

    def _segment_budget(self, t: Trace) -> int:
        """Fixed sizes per phase, so traces in the same phase share one engine call.

        Thinking advances by ``segment_tokens`` (the budget is checked between segments: a trace may
        pass it by less than one segment); the answer gets ``answer_budget`` tokens in one segment.
        """
        return self.segment_tokens if t.close_index() is None else max(1, self.config.answer_budget)

    def _request(self, job: Job) -> Request:
        text = job.trace.text
        if self.continuation.mode == "raw":
            return Request(id=job.id, raw_prompt=job.prefix + text)
        if not text:
            return Request(id=job.id, messages=job.messages)
        return Request(
            id=job.id, messages=[*job.messages, {"role": "assistant", "content": text}], continue_final_message=True
        )

    def _segment_text(self, g: Generation) -> str:
        """The new text; a server that split the reasoning into its own field gets it back in place."""
        if self.continuation.mode == "chat" and g.reasoning and g.reasoning not in g.raw_text:
            return g.reasoning + (f"\n{CLOSE}\n\n{g.raw_text}" if g.raw_text.strip() else "")
        return g.raw_text

    def _new_tokens(self, g: Generation, text: str) -> int:
        reported = g.extra.get("completion_tokens")
        if isinstance(reported, int):
            return reported
        if self.continuation.tokenizer is not None:
            return self.count(text)
        if g.reasoning_tokens is not None or g.answer_tokens is not None:
            return (g.reasoning_tokens or 0) + (g.answer_tokens or 0)
        return self.count(text)

    def _advance(self, job: Job, g: Generation) -> None:
        if g.error is not None:
            job.error, job.done = g.error, True
            return
        if job.segments == 0:
            job.prompt_tokens, job.backend, job.model = g.prompt_tokens, g.backend, g.model
        job.segments += 1
        job.prefill_tokens += g.prompt_tokens or 0
        job.latency_s += g.latency_s
        t = job.trace
        new = self._segment_text(g)
        n = self._new_tokens(g, new)
        thinking = t.close_index() is None
        t.segment_start = len(t.text)
        t.text += new
        t.generated += n
        t.last_finish = g.finish_reason or "stop"
        at = new.find(CLOSE) if thinking else -1
        if thinking and at < 0:
            t.reasoning_generated += n
        elif thinking:
            spent = min(n, self.count(new[: at + len(CLOSE)]))
            t.reasoning_generated += spent
            t.answer_generated += n - spent
        else:
            t.answer_generated += n
        found = self.monitor.inspect(t, job.source)
        if found is not None:
            self._apply(job, found)
        else:
            job.done = self._finished(t)

    def _finished(self, t: Trace) -> bool:
        """Done when the model stopped, or the budget of the phase it is in is spent."""
        cfg = self.config
        if t.last_finish != "length":
            return True
        if t.close_index() is not None:
            return t.answer_generated >= cfg.answer_budget
        # thinking with the budget check off: the trace ends at the whole budget, truncated
        return "budget" not in cfg.checks and t.generated >= cfg.think_budget + cfg.answer_budget

    def _apply(self, job: Job, iv: Intervention) -> None:
        t = job.trace
        record: dict[str, Any] = {"reason": iv.reason}
        if iv.rollback_to is not None:
            record["removed"] = t.text[iv.rollback_to :]
            t.text = t.text[: iv.rollback_to]
            t.answer_generated = 0
            t.spans = clip_spans(t.spans, iv.rollback_to)
        record.update(position=len(t.text), token_position=self.count(t.text), inserted=iv.text, segment=job.segments)
        if iv.detail:
            record["detail"] = iv.detail
        t.spans.append(inserted_span(len(t.text), iv.text, "close" if CLOSE in iv.text else "intervention", iv.reason))
        t.text += iv.text
        t.inserted_tokens += self.count(iv.text)
        t.segment_start = min(t.segment_start, len(t.text))
        t.quiet_from = len(t.text)
        t.last_finish = None
        if CLOSE in iv.text:
            t.fired["inserted_close"] += 1
        t.interventions.append(record)

    def _finish(self, job: Job) -> Generation:
        """The whole trace as one Generation: split once, counted once, original prompt tokens."""
        t = job.trace
        split = split_reasoning(
            t.text, "deepseek_r1" if job.opened_in_prompt else "think_tags", finish_reason=t.last_finish
        )
        exact = self.continuation.tokenizer is not None
        reasoning_tokens = self.count(split.reasoning or "") if exact else t.reasoning_generated
        answer_tokens = self.count(split.answer or "") if exact else t.answer_generated
        extra: dict[str, Any] = {
            "interventions": t.interventions,
            "n_interventions": len(t.interventions),
            "generated_tokens": t.generated,
            "inserted_tokens": t.inserted_tokens,
            "segments": job.segments,
            "prefill_tokens": job.prefill_tokens,
            "continuation": self.continuation.mode,
            "inserted": t.spans,
            "token_parts": parts_record(t.reasoning_generated, t.generated - t.reasoning_generated, t.inserted_tokens),
        }
        closed_by = trace_closed_by(t)
        if closed_by is not None:
            extra["trace_closed_by"] = closed_by
        return Generation(
            id=job.id,
            raw_text=t.text,
            reasoning=split.reasoning,
            answer=None if job.error else split.answer,
            prompt_tokens=job.prompt_tokens,
            reasoning_tokens=reasoning_tokens if split.reasoning is not None else 0,
            answer_tokens=answer_tokens if split.answer else 0,
            finish_reason=t.last_finish,
            truncated=split.truncated,
            latency_s=job.latency_s,
            backend=job.backend,
            model=job.model,
            error=job.error,
            extra=extra,
        )


def inserted_span(start: int, text: str, kind: str, reason: str) -> dict[str, Any]:
    """A stretch of the trace the harness wrote (kind: open | intervention | close), with its reason."""
    return {"start": start, "end": start + len(text), "kind": kind, "reason": reason}


def clip_spans(spans: list[dict[str, Any]], cut: int) -> list[dict[str, Any]]:
    """The spans that survive cutting the text at ``cut`` (a rollback), the one crossing it shortened."""
    return [{**s, "end": min(s["end"], cut)} for s in spans if s["start"] < cut]


def trace_closed_by(t: Trace) -> str | None:
    """Who wrote the end of thinking: the model, the harness (and why), or nobody (None: never closed)."""
    close = t.close_index()
    if close is None:
        return None
    for span in t.spans:
        if span["kind"] == "close" and span["start"] <= close < span["end"]:
            return CLOSED_AT_BUDGET if span["reason"] == "budget" else f"harness ({span['reason']})"
    return CLOSED_BY_MODEL
