"""R2P and its parts as one configurable method: a template, optional intervention, optional self-referencing.

Every reasoning method is a point in the same space, so ablations differ in exactly one switch:

==============  ========  =========  ==============
name            template  intervene  self_reference
==============  ========  =========  ==============
cot             cot       no         no
hrt             hrt       no         no
rpi             cot       yes        no
srm             cot       no         yes
r2p             hrt       yes        yes
r2p_no_hrt      cot       yes        yes
r2p_no_rpi      hrt       no         yes
r2p_no_srm      hrt       yes        no
==============  ========  =========  ==============

Each name is registered separately (tables group by method name); ``method.params`` may override
any setting, the switches included. Unknown parameters fail at start with the list of known ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from harness.config import GenerationConfig
from harness.errors import ReaperError
from harness.methods.continuation import Continuation, model_tokenizer, resolve_continuation
from harness.methods.instructed import generate_once, generated_tokens, instructed_messages
from harness.methods.instructions import Templates, load_templates
from harness.methods.monitor import Monitor, MonitorConfig
from harness.methods.rpi import SegmentRunner
from harness.methods.srm import candidate_configs, consolidate, consolidation_mode
from harness.registry import METHODS
from harness.text import content_words
from harness.types import Backend, Example, GenerateFn, Generation, Task

_MONITOR_FIELDS = {f.name for f in fields(MonitorConfig)}


@dataclass
class Settings:
    """Method parameters besides the monitor's (those are MonitorConfig's fields, passed flat too)."""

    template: str = "hrt"  # none | cot | hrt: the instruction appended after the official prompt
    intervene: bool = True  # rpi: segmented generation with the monitor
    self_reference: bool = True  # srm: sampled candidates, then consolidation
    max_new_tokens: int | None = None  # single generations (no rpi); None = the model's max_new_tokens
    template_dir: str | None = None  # a folder whose YAML files override the packaged templates
    segment_tokens: int = 256  # rpi: tokens per segment between two monitor checks
    continuation: str = "auto"  # rpi: auto | raw | chat
    tokenizer: str | None = None  # rpi: tokenizer path for raw prompts on OpenAI-compatible servers
    candidates: int = 3  # srm: sampled candidates per question
    temperature: float = 0.7  # srm: sampling temperature of the candidates
    consolidation: str = "auto"  # srm: auto (vote for classification/rating, else model) | vote | model
    skip_unanimous: bool = True  # srm: no consolidation call when every candidate gives the same answer
    consolidation_max_new_tokens: int | None = None  # srm: None = the model's max_new_tokens
    max_candidate_chars: int = 600  # srm: candidate answers are clipped to this in the consolidation prompt


@dataclass
class ReasoningParams(MonitorConfig, Settings):
    """``method.params`` of every reasoning method: Settings' fields and the monitor's, flat (Hydra's schema).

    Each variant's schema has its switches (VARIANTS) as defaults, so a method YAML only selects it.
    """

    think_budget: int | None = None  # type: ignore[assignment]  # None is resolved before the monitor sees it
    """reasoning tokens before the end of thinking is forced; None = the model's generation.max_new_tokens"""


@dataclass
class NoParams:
    """``method.params`` of a method without settings (direct): any key is a mistake."""


def method_schemas() -> dict[str, Any]:
    """The params schema of each built-in method, by method name (registered by harness.config)."""
    return {"direct": NoParams(), **{name: ReasoningParams(**switches) for name, switches in VARIANTS.items()}}


def parse_params(params: dict[str, Any], defaults: dict[str, Any]) -> tuple[Settings, dict[str, Any]]:
    """Split flat params into Settings and monitor fields; an unknown key is a one-line error."""
    merged = {**defaults, **dict(params)}
    own = {f.name for f in fields(Settings)}
    unknown = sorted(set(merged) - own - _MONITOR_FIELDS)
    if unknown:
        known = ", ".join(sorted(own | _MONITOR_FIELDS))
        raise ReaperError(f"unknown method parameter(s) {', '.join(unknown)}; known: {known}")
    settings = Settings(**{k: v for k, v in merged.items() if k in own})
    monitor = {k: v for k, v in merged.items() if k in _MONITOR_FIELDS}
    if "checks" in monitor:
        monitor["checks"] = tuple(monitor["checks"])
    return settings, monitor


TEMPLATES = ("none", "cot", "hrt")


def check_values(settings: Settings, monitor: dict[str, Any]) -> None:
    """Parameter values with a fixed set of choices, checked when the method is built (before any engine)."""
    from harness.methods.continuation import MODES as CONTINUATIONS
    from harness.methods.monitor import CHECKS
    from harness.methods.srm import MODES as CONSOLIDATIONS

    for key, value, known in (
        ("template", settings.template, TEMPLATES),
        ("continuation", settings.continuation, CONTINUATIONS),
        ("consolidation", settings.consolidation, CONSOLIDATIONS),
    ):
        if value not in known:
            raise ReaperError(f"method.params.{key}={value!r} is not one of {', '.join(known)}")
    unknown = [c for c in monitor.get("checks", ()) if c not in CHECKS]
    if unknown:
        raise ReaperError(
            f"method.params.checks: unknown check(s) {', '.join(map(str, unknown))}; known: {', '.join(CHECKS)}"
        )


class ReasoningMethod:
    """cot / hrt / rpi / srm / r2p and the ablations; subclasses only set ``name`` and ``defaults``."""

    name = "r2p"
    defaults: dict[str, Any] = {"template": "hrt", "intervene": True, "self_reference": True}
    requests_up_front: bool  # set per settings: interventions and self-reference feed replies back

    def __init__(self, **params: Any) -> None:
        self.settings, self.monitor_params = parse_params(params, self.defaults)
        check_values(self.settings, self.monitor_params)
        try:
            MonitorConfig(**self.monitor_params)  # type errors surface at construction, not mid-run
        except TypeError as exc:
            raise ReaperError(f"method {self.name}: {exc}") from None
        self.continuation: Continuation | None = None
        self.backend: Backend | None = None
        # cot/hrt only: interventions and candidate consolidation send requests built from replies
        self.requests_up_front = not (self.settings.intervene or self.settings.self_reference)

    def check(self, backend: Backend) -> None:
        """Resolve how traces continue (rpi) before any generation; unsupported backends fail here."""
        self.backend = backend
        if self.settings.intervene:
            s = self.settings
            self.continuation = resolve_continuation(backend, s.continuation, s.tokenizer)

    def _counter(self) -> Callable[[str], int] | None:
        """Token counts for explicit splits: the model's tokenizer, or None (unknown) without one."""
        if self.continuation is not None and self.continuation.tokenizer is not None:
            tok = self.continuation.tokenizer
        elif self.backend is not None:
            tok = model_tokenizer(self.backend, self.settings.tokenizer)
        else:
            return None
        if tok is None:
            return None
        return lambda text: len(tok.encode(text, add_special_tokens=False)) if text else 0

    def run(
        self, task: Task, examples: list[Example], prompts: list[str], generate: GenerateFn, gen: GenerationConfig
    ) -> list[Generation]:
        s = self.settings
        if s.self_reference:
            consolidation_mode(s.consolidation, task)  # validate before any generation
        templates = load_templates(s.template_dir)
        messages = instructed_messages(templates, s.template, task, prompts)
        base = dataclasses.replace(gen, max_new_tokens=s.max_new_tokens) if s.max_new_tokens else gen
        configs = candidate_configs(base, s.candidates, s.temperature) if s.self_reference else [base]
        count = self._counter()
        if s.intervene:
            per_config = self._intervened(task, templates, examples, messages, configs, generate, base)
        else:
            per_config = [generate_once(generate, examples, messages, c, count) for c in configs]
        if not s.self_reference:
            return [_with_total(g) for g in per_config[0]]
        candidates = [[per_config[i][q] for i in range(len(configs))] for q in range(len(examples))]
        judge = dataclasses.replace(gen, max_new_tokens=s.consolidation_max_new_tokens or gen.max_new_tokens)
        return consolidate(
            task, examples, prompts, candidates, [c.seed for c in configs], generate, judge, templates, count,
            mode=s.consolidation, skip_unanimous=s.skip_unanimous, max_candidate_chars=s.max_candidate_chars,
        )  # fmt: skip

    def _intervened(
        self,
        task: Task,
        templates: Templates,
        examples: list[Example],
        messages: list[list[dict[str, str]]],
        configs: list[GenerationConfig],
        generate: GenerateFn,
        base: GenerationConfig,
    ) -> list[list[Generation]]:
        """All candidates of all questions advance together, one segment per round."""
        if self.continuation is None:
            raise ReaperError(f"method {self.name}: check(backend) must run before run()")
        params = dict(self.monitor_params)
        if params.get("think_budget") is None:  # null = the model's generation budget
            params["think_budget"] = base.max_new_tokens
        if params.get("level_grace") is None:
            params["level_grace"] = self.settings.segment_tokens
        monitor = Monitor(
            task, templates, MonitorConfig(**params), self.continuation.count, self.settings.template == "hrt"
        )
        runner = SegmentRunner(monitor, self.continuation, self.settings.segment_tokens)
        sources = [set(content_words(m[0]["content"] + " " + " ".join(templates.levels))) for m in messages]
        jobs = [
            runner.job(e.id, m, c, src) for c in configs for e, m, src in zip(examples, messages, sources, strict=True)
        ]
        flat = runner.run(jobs, generate)
        n = len(examples)
        return [flat[i * n : (i + 1) * n] for i in range(len(configs))]


def _with_total(g: Generation) -> Generation:
    """A copy (stored generations are shared objects) that states what it cost."""
    return dataclasses.replace(g, extra={**g.extra, "generated_tokens_total": generated_tokens(g)})


VARIANTS: dict[str, dict[str, Any]] = {
    "cot": {"template": "cot", "intervene": False, "self_reference": False},
    "hrt": {"template": "hrt", "intervene": False, "self_reference": False},
    "rpi": {"template": "cot", "intervene": True, "self_reference": False},
    "srm": {"template": "cot", "intervene": False, "self_reference": True},
    "r2p": {"template": "hrt", "intervene": True, "self_reference": True},
    "r2p_no_hrt": {"template": "cot", "intervene": True, "self_reference": True},
    "r2p_no_rpi": {"template": "hrt", "intervene": False, "self_reference": True},
    "r2p_no_srm": {"template": "hrt", "intervene": True, "self_reference": False},
}

for _name, _defaults in VARIANTS.items():
    METHODS.register(_name)(type(f"Method_{_name}", (ReasoningMethod,), {"name": _name, "defaults": _defaults}))
