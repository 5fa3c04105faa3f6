"""LLM judge (optional): a configured model rates each sample against a fixed rubric for the three modes.

The rule-based analyzers are cheap and reproducible but literal; a judge reads the trace as a human
would. Running both and reporting their agreement (per mode: simple agreement and Cohen's kappa)
says how far the rules can be trusted on a given run. The judge's output is parsed robustly: the
first JSON object anywhere in its answer, else ``"mode": yes/no`` patterns; unparsable replies are
recorded as such and left out of the agreement.
"""

from __future__ import annotations

import json
import re
from typing import Any

from harness.analyzers.common import context_of, not_applicable, result
from harness.registry import ANALYZERS
from harness.types import Backend, Request, Sample, Task

NAME = "llm_judge"
MODES = ("format", "divergent", "retrieval")
RUBRIC = """You audit one answer of a model on a personalization task. Decide for each failure mode whether it occurs.
- format: the answer breaks the task's output contract ({contract}): extra text, quotes, several candidates,
  reasoning left in the answer, an empty answer, a length far from the user's own examples, or no answer at all.
- divergent: the reasoning wanders instead of converging: keeps switching hypotheses, flips between answers,
  repeats itself in loops, or drifts to things unrelated to the input and the user's profile.
- retrieval: the user's profile items are misused: ignored, contradicted without reason (the answer goes
  against a clear majority of the profile), or copied verbatim into the answer.
Reply with JSON only: {{"format": true|false, "divergent": true|false, "retrieval": true|false, "evidence": "..."}}

TASK INPUT:
{input}

USER PROFILE ITEMS:
{items}

REASONING:
{reasoning}

ANSWER:
{answer}"""
_CONTRACT = {
    "classification": "exactly one label from {labels}, nothing else",
    "rating": "exactly one integer from 1 to 5, nothing else",
    "generation": "only the requested text, one candidate, no preamble or quotes",
}
_YES = {"true", "yes", "y", "1"}
_NO = {"false", "no", "n", "0"}


@ANALYZERS.register(NAME)
class LLMJudge:
    """Asks a backend to judge each sample; tags ``judge.<mode>`` for each mode it finds."""

    name = NAME

    def __init__(
        self, backend: Backend | None = None, model: Any = None, max_chars: int = 3000,
        max_new_tokens: int = 512, batch_size: int = 16,
    ) -> None:  # fmt: skip
        self.backend, self.model = backend, model  # a live backend (tests) or a ModelConfig/dict to build one
        self.max_chars, self.max_new_tokens, self.batch_size = max_chars, max_new_tokens, batch_size

    def tag_names(self, task: Task) -> list[str]:
        return [f"judge.{m}" for m in MODES]

    def population(self, tag: str) -> str:
        return "generated"

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]:
        from harness.config import GenerationConfig

        backend = self.backend or _build_backend(self.model)
        todo = [s for s in samples if s.status != "failed"]
        gen = GenerationConfig(max_new_tokens=self.max_new_tokens, temperature=0.0)
        out: dict[str, dict[str, Any]] = {s.id: not_applicable("backend error: nothing to judge") for s in samples}
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            requests = [Request(id=s.id, messages=[{"role": "user", "content": self.prompt(s, task)}]) for s in batch]
            for s, g in zip(batch, backend.generate(requests, gen), strict=True):
                out[s.id] = _verdict_result(g.answer if g.answer is not None else g.raw_text, g.error)
        return out

    def prompt(self, sample: Sample, task: Task) -> str:
        ctx = context_of(sample)
        items = ctx.retrieved_items or []
        contract = _CONTRACT[task.kind].format(labels=", ".join(task.labels or ()))
        return RUBRIC.format(
            contract=contract, input=_clip(ctx.input or sample.prompt, self.max_chars),
            items=_clip("\n".join(f"- {task.render_item(i)}" for i in items) or "(none)", self.max_chars),
            reasoning=_clip(sample.reasoning or "(none)", self.max_chars),
            answer="(no answer: the reasoning was truncated)" if sample.answer is None else _clip(sample.answer, 1000),
        )  # fmt: skip


def parse_verdict(text: str | None) -> dict[str, Any] | None:
    """{mode: bool, "evidence": str} from a judge reply, or None when no verdict can be read."""
    if not text:
        return None
    text = re.sub(r"<think>.*?</think>", "", text, flags=re.DOTALL)
    for candidate in _json_objects(text):
        verdict = {m: _boolean(candidate.get(m, candidate.get(f"{m}_misalignment", candidate.get(f"{m}_thinking",
                   candidate.get(f"{m}_misuse"))))) for m in MODES}  # fmt: skip
        if all(v is not None for v in verdict.values()):
            return {**verdict, "evidence": str(candidate.get("evidence", ""))[:500]}
    verdict = {}
    for m in MODES:
        match = re.search(rf'"?{m}\w*"?\s*[:=]\s*"?(\w+)', text, re.IGNORECASE)
        verdict[m] = _boolean(match.group(1)) if match else None
    return {**verdict, "evidence": ""} if all(v is not None for v in verdict.values()) else None


def agreement(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    """Simple agreement and Cohen's kappa of (rules, judge) pairs; kappa is None when undefined."""
    n = len(pairs)
    if n == 0:
        return {"n": 0, "agreement": None, "kappa": None}
    observed = sum(a == b for a, b in pairs) / n
    p_rules, p_judge = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    expected = p_rules * p_judge + (1 - p_rules) * (1 - p_judge)
    kappa = None if expected >= 1.0 else (observed - expected) / (1 - expected)
    return {"n": n, "agreement": observed, "kappa": kappa}


def _verdict_result(text: str | None, error: str | None) -> dict[str, Any]:
    if error:
        return {**not_applicable(f"judge backend error: {error}")}
    verdict = parse_verdict(text)
    if verdict is None:
        return {**not_applicable(f"unparsable judge reply: {(text or '')[:200]!r}")}
    tags = [f"judge.{m}" for m in MODES if verdict[m]]
    return result(tags, len(tags) / len(MODES), [verdict["evidence"]] if verdict["evidence"] else [], verdict=verdict)


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every balanced {...} in the text that parses as a JSON object (code fences and prose around ignored)."""
    found, depth, start = [], 0, -1
    for i, ch in enumerate(text):
        if ch == "{":
            start = i if depth == 0 else start
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                try:
                    value = json.loads(text[start : i + 1])
                except json.JSONDecodeError:
                    continue
                if isinstance(value, dict):
                    found.append({str(k).lower(): v for k, v in value.items()})
    return found


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().strip('"').lower()
        return True if word in _YES else False if word in _NO else None
    return None


def _clip(text: str, limit: int) -> str:
    """Head and tail of a long text: a trace's start and its conclusion both matter."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit} characters omitted ...]\n{text[-half:]}"


def _build_backend(model: Any) -> Backend:
    """A backend from a ModelConfig, a dict of its fields, or the name/path of a model YAML."""
    from harness.backends.pool import get_backend

    if model is None:
        from harness.errors import ReaperError

        raise ReaperError("the llm_judge analyzer needs a model: pass --judge-model (a model config name or YAML)")
    return get_backend(load_model_config(model))


def load_model_config(model: Any) -> Any:
    """ModelConfig from itself, a dict, a hydra_conf/model name (e.g. ``smollm2``) or a YAML path."""
    from pathlib import Path

    from omegaconf import OmegaConf

    from harness.config import ModelConfig
    from harness.errors import ReaperError

    if isinstance(model, ModelConfig):
        return model
    if isinstance(model, str):
        path = Path(model).expanduser()
        if not path.exists():
            path = Path(__file__).resolve().parents[2] / "hydra_conf" / "model" / f"{model}.yaml"
        if not path.exists():
            raise ReaperError(f"judge model {model!r}: no such YAML file or hydra_conf/model config")
        model = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    merged = OmegaConf.merge(OmegaConf.structured(ModelConfig), model)
    return OmegaConf.to_object(merged)
