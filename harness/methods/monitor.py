"""The reasoning-process monitor: after each generated segment, decide whether to steer the trace.

Pure logic over text and counters (no model), so every rule is unit-tested with plain strings. The
rpi driver (harness.methods.rpi) owns generation; it hands the monitor a ``Trace`` after each
segment and applies the returned ``Intervention``: an optional rollback, then a short inserted text
from which generation continues.

Checks (each can be switched off through ``MonitorConfig.checks``):

- ``budget``: the reasoning spent its token budget -> insert the end-of-thinking text.
- ``template`` (hrt only): a level header missing after the first segment, a level skipped (a later
  header before an earlier one, which is also how out-of-order levels show), a level over its share
  of the budget, or thinking closed before every level was visited -> insert the due header.
- ``repetition``: an n-gram repeated within the recent window -> a short break (then the next
  level, or the end of thinking on a second loop).
- ``drift``: the latest segment shares few content words with the prompt (input + profile) and the
  instruction -> a pointer back to the profile items.
- ``format``: the model stopped without closing its thinking, or the answer breaks the task's
  format (or is about to) -> close the thinking / roll the answer back once and restate the format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.backends.reasoning_parsers import CLOSE
from harness.methods.instructions import Templates, header_pattern
from harness.text import LABEL_PREFIX, PREAMBLE, as_label, content_words
from harness.text import words as text_words
from harness.types import Task

CHECKS = ("budget", "template", "repetition", "drift", "format")


@dataclass
class MonitorConfig:
    """Budgets and thresholds of the monitor (tokens are the model's tokens when a tokenizer is known)."""

    think_budget: int = 512  # reasoning tokens before the end-of-thinking text is inserted
    answer_budget: int = 64  # answer tokens after the end of thinking
    level_budget: int | None = None  # tokens per hrt level before the next header; None = think_budget // levels
    level_grace: int = 128  # reasoning tokens allowed before the first level header must appear
    checks: tuple[str, ...] = CHECKS  # which checks run
    max_interventions: int = 8  # per trace; the budget close and the stop close are always allowed
    repetition_ngram: int = 8  # words in a repeated n-gram
    repetition_times: int = 3  # occurrences of one n-gram that make a loop
    repetition_window: int = 240  # words looked at (since the last intervention)
    drift_threshold: float = 0.15  # minimum share of a segment's content words found in prompt or instruction
    drift_min_words: int = 8  # segments with fewer content words are not judged
    drift_max: int = 2  # profile pointers per trace


@dataclass
class Trace:
    """One trace being generated: the assistant text after the prompt and its counters."""

    text: str = ""  # seed ("<think>\n" unless the prompt opened it), generated and inserted text
    reasoning_start: int = 0  # where the reasoning starts in ``text``
    reasoning_generated: int = 0  # newly generated tokens while thinking (never counts inserted text)
    answer_generated: int = 0  # newly generated tokens of the current answer
    generated: int = 0  # every newly generated token, discarded answers included
    inserted_tokens: int = 0  # tokens of inserted texts
    segment_start: int = 0  # where the latest generated segment starts in ``text``
    quiet_from: int = 0  # text before this was judged already (end of the last intervention)
    last_finish: str | None = None  # finish reason of the latest segment
    interventions: list[dict[str, Any]] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(
        default_factory=list
    )  # harness-inserted text in ``text`` (start, end, kind, reason)
    fired: Counter[str] = field(default_factory=Counter)  # how often each one-shot rule fired

    def close_index(self) -> int | None:
        """Where the end-of-thinking tag starts, or None while thinking."""
        at = self.text.find(CLOSE, self.reasoning_start)
        return at if at >= 0 else None


@dataclass(frozen=True)
class Intervention:
    """What to do to a trace: cut it at ``rollback_to`` (if set), then append ``text``."""

    reason: str
    text: str
    rollback_to: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class Monitor:
    """Judges traces of one task with one template; ``count`` maps text to tokens."""

    def __init__(
        self, task: Task, templates: Templates, config: MonitorConfig, count: Callable[[str], int], use_levels: bool
    ) -> None:
        unknown = set(config.checks) - set(CHECKS)
        if unknown:
            raise ValueError(f"unknown monitor checks {sorted(unknown)}; known: {', '.join(CHECKS)}")
        self.task, self.templates, self.config, self.count = task, templates, config, count
        self.levels = templates.levels if use_levels else ()
        self.patterns = [header_pattern(h) for h in self.levels]
        self.level_budget = config.level_budget or max(1, config.think_budget // max(1, len(self.levels)))

    def inspect(self, trace: Trace, source: set[str]) -> Intervention | None:
        """The intervention due after the latest segment, or None to let generation go on."""
        close = trace.close_index()
        if close is not None:
            return self._after_close(trace, close)
        on = set(self.config.checks)
        if "budget" in on and trace.reasoning_generated >= self.config.think_budget:
            return self._close("budget", {"reasoning_tokens": trace.reasoning_generated})
        if "format" in on and trace.last_finish == "stop":
            return self._close("no_answer", {"problem": "stopped before closing the thinking"})
        if len(trace.interventions) >= self.config.max_interventions:
            return None
        checks = (
            ("repetition", self._repetition),
            ("template", self._template),
            ("drift", lambda t: self._drift(t, source)),
        )
        for name, check in checks:
            if name in on:
                found = check(trace)
                if found is not None:
                    return found
        return None

    # --- thinking -----------------------------------------------------------------------------

    def _close(self, reason: str, detail: dict[str, Any] | None = None) -> Intervention:
        return Intervention(reason, self.templates.rpi_text("close", self.task, reason), detail=detail or {})

    def _header(self, level: int, reason: str, prefix: str = "", **detail: Any) -> Intervention:
        text = prefix + self.templates.rpi_text("level_header", self.task, header=self.levels[level])
        return Intervention(reason, text, detail={"level": level + 1, **detail})

    def _first_seen(self, reasoning: str) -> dict[int, tuple[int, int]]:
        """Level -> (start, end) of its first header in the reasoning."""
        seen = {}
        for level, pattern in enumerate(self.patterns):
            match = pattern.search(reasoning)
            if match:
                seen[level] = (match.start(), match.end())
        return seen

    def _template(self, trace: Trace) -> Intervention | None:
        if not self.levels:
            return None
        reasoning = trace.text[trace.reasoning_start :]
        seen = self._first_seen(reasoning)
        if not seen:
            if trace.reasoning_generated >= self.config.level_grace and not trace.fired["level_missing"]:
                trace.fired["level_missing"] += 1
                return self._header(0, "level_missing")
            return None
        missing = [level for level in range(max(seen)) if level not in seen]
        if missing and not trace.fired[f"skip{missing[0]}"]:
            trace.fired[f"skip{missing[0]}"] += 1
            return self._header(missing[0], "level_skipped", seen=[s + 1 for s in sorted(seen)])
        current, end = self._last_header(reasoning)
        if self.count(reasoning[end:]) < self.level_budget or trace.fired[f"over{current}"]:
            return None
        trace.fired[f"over{current}"] += 1
        later = [level for level in range(current + 1, len(self.levels)) if level not in seen]
        if later:
            return self._header(later[0], "level_over_budget", previous=current + 1)
        return self._close("level_over_budget", {"level": current + 1})

    def _last_header(self, reasoning: str) -> tuple[int, int]:
        """The level whose header occurs last in the reasoning, and where that header's line ends."""
        best = (-1, 0, 0)  # (start, level, end of line)
        for level, pattern in enumerate(self.patterns):
            for match in pattern.finditer(reasoning):
                eol = reasoning.find("\n", match.end())
                best = max(best, (match.start(), level, eol if eol >= 0 else len(reasoning)))
        return best[1], best[2]

    def _repetition(self, trace: Trace) -> Intervention | None:
        cfg = self.config
        start = max(trace.quiet_from, trace.reasoning_start)
        words = text_words(trace.text[start:])[-cfg.repetition_window :]
        grams = Counter(
            tuple(words[i : i + cfg.repetition_ngram]) for i in range(len(words) - cfg.repetition_ngram + 1)
        )
        if not grams:
            return None
        gram, times = grams.most_common(1)[0]
        if times < cfg.repetition_times:
            return None
        detail = {"ngram": " ".join(gram), "times": times}
        trace.fired["repetition"] += 1
        if trace.fired["repetition"] > 1:  # looping again after a break: stop thinking
            return self._close("repetition", detail)
        brk = self.templates.rpi_text("repetition", self.task)
        seen = self._first_seen(trace.text[trace.reasoning_start :])
        later = [level for level in range(len(self.levels)) if level not in seen]
        if later:
            return self._header(later[0], "repetition", prefix=brk, **detail)
        return Intervention("repetition", brk + "\n", detail=detail)

    def _drift(self, trace: Trace, source: set[str]) -> Intervention | None:
        cfg = self.config
        if trace.fired["drift"] >= cfg.drift_max:
            return None
        words = set(content_words(trace.text[max(trace.segment_start, trace.quiet_from) :]))
        if len(words) < cfg.drift_min_words:
            return None
        overlap = len(words.intersection(source)) / len(words)
        if overlap >= cfg.drift_threshold:
            return None
        trace.fired["drift"] += 1
        text = self.templates.rpi_text("profile_pointer", self.task)
        return Intervention("drift", text, detail={"overlap": round(overlap, 3), "words": len(words)})

    # --- after the end of thinking ---------------------------------------------------------------

    def _after_close(self, trace: Trace, close: int) -> Intervention | None:
        on = set(self.config.checks)
        answer = trace.text[close + len(CLOSE) :]
        if (
            "template" in on
            and self.levels
            and not trace.fired["early_close"]
            and not trace.fired["inserted_close"]  # only a close the model wrote itself is "early"
            and trace.reasoning_generated < self.config.think_budget
            and len(trace.interventions) < self.config.max_interventions
        ):
            seen = self._first_seen(trace.text[trace.reasoning_start : close])
            missing = [level for level in range(len(self.levels)) if level not in seen]
            if missing:
                trace.fired["early_close"] += 1
                found = self._header(missing[0], "level_skipped", seen=[s + 1 for s in sorted(seen)])
                return Intervention(
                    found.reason, found.text, rollback_to=close, detail={**found.detail, "closed_early": True}
                )
        if "format" not in on or trace.fired["format"]:
            return None
        complete = trace.last_finish != "length" or trace.answer_generated >= self.config.answer_budget
        problem = self.format_problem(answer, complete)
        if problem is None:
            return None
        trace.fired["format"] += 1
        text = self.templates.rpi_text("format_reminder", self.task)
        return Intervention(
            "format", text, rollback_to=close, detail={"problem": problem, "answer": answer.strip()[:200]}
        )

    def format_problem(self, answer: str, complete: bool) -> str | None:
        """Why ``answer`` breaks (or, unfinished, is about to break) the task's format; None if fine."""
        text = answer.strip()
        kind, labels = self.task.kind, self.task.labels or ()
        if "<think>" in text or CLOSE in text:
            return "think tag in the answer"
        if kind == "classification":
            if text in labels:
                return None
            if complete:
                return "not a label"
            longest = max((len(label) for label in labels), default=0)
            return "longer than any label" if len(text) > longest + 8 else None
        if kind == "rating":
            if as_label(text, self.task) is not None:
                return None
            return "not a score" if complete or len(text) > 6 else None
        lines = [line for line in text.splitlines() if line.strip()]
        if PREAMBLE.match(text) or LABEL_PREFIX.match(text):
            return "preamble before the answer"
        if len(lines) > 1:
            return "more than one line"
        return "empty answer" if complete and not text else None
