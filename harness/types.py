"""The whole contract of the harness: records that travel through a run and the protocols of its plugins.

Records are plain dataclasses that serialise to JSON lines (``to_dict``/``from_dict``). Protocols
declare every method the pipeline calls, so a plugin author reads this one file to know what to write.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from harness.config import GenerationConfig

TaskKind = Literal["classification", "rating", "generation"]
SampleStatus = Literal["ok", "unscorable", "failed"]
Item = dict[str, Any]  # one profile item, fields as in the task's files (always a string "id")


class Record:
    """Mixin: JSON round-trip that ignores unknown keys, so old run directories stay readable."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Example(Record):
    """One question of a task: the official {id, input, profile} plus its gold output when known."""

    id: str
    input: str
    profile: list[Item]
    gold: str | None = None
    user_id: str | None = None


@dataclass
class Request(Record):
    """One generation call: chat messages (the usual path) or a raw prompt (continuations)."""

    id: str
    messages: list[dict[str, str]] = field(default_factory=list)
    raw_prompt: str | None = None
    continue_final_message: bool = False


@dataclass
class Generation(Record):
    """What a backend returns for one request; reasoning is kept apart from the answer.

    ``answer`` is None when the output cannot be scored (reasoning never closed, or a backend error):
    a truncated trace is never scored as an answer. ``error`` marks a failed sample (not wrong):
    it is excluded from metrics, counted, and retried on the next run.
    """

    id: str
    raw_text: str = ""
    reasoning: str | None = None
    answer: str | None = None
    prompt_tokens: int | None = None
    reasoning_tokens: int | None = None
    answer_tokens: int | None = None
    finish_reason: str | None = None
    truncated: bool = False
    latency_s: float = 0.0
    backend: str = ""
    model: str = ""
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sample(Record):
    """One scored question of a run: everything needed to read, rescore and analyse it."""

    id: str
    task: str
    prompt: str
    retrieved_ids: list[str]
    gold: str | None
    raw_output: str | None = None
    reasoning: str | None = None
    answer: str | None = None
    strict_pred: str | None = None
    lenient_pred: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    lenient_metrics: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int | None = None
    reasoning_tokens: int | None = None
    answer_tokens: int | None = None
    finish_reason: str | None = None
    truncated: bool = False
    status: SampleStatus = "ok"
    model: str = ""
    method: str = "direct"
    extra: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)


def token_parts(record: Generation | Sample) -> tuple[int, int, int]:
    """(reasoning, answer, inserted) tokens a generation or sample cost, every call of its method summed.

    Multi-call methods (rpi, srm, r2p) record their sums in ``extra["token_parts"]``: model-written
    reasoning, model-written answer text (rolled-back answers included) and text the harness
    inserted into the trace. A single call is its own counts; an unknown count (None) is 0 here.
    """
    parts = record.extra.get("token_parts")
    if isinstance(parts, dict):
        return int(parts.get("reasoning") or 0), int(parts.get("answer") or 0), int(parts.get("inserted") or 0)
    return record.reasoning_tokens or 0, record.answer_tokens or 0, 0


def parts_record(reasoning: int, answer: int, inserted: int) -> dict[str, int]:
    """The ``extra["token_parts"]`` entry (see ``token_parts``)."""
    return {"reasoning": int(reasoning), "answer": int(answer), "inserted": int(inserted)}


@runtime_checkable
class Task(Protocol):
    """A personalization task: its data contract, retrieval texts, prompt, parsing and metrics.

    Optional attributes, read with ``getattr(task, name, None)`` so older plugins keep working:
    ``output_field`` and ``label_field`` name the profile-item fields that hold the user's own output
    (generation) and own label or score (classification, rating). Analyses that compare an answer
    with the profile use only these; a task that declares neither gets "not applicable" there.
    ``labels_in(text) -> list[str]``: the distinct labels a text names in the task's own reading
    (first mention first); without it, ``harness.text.label_mentions`` over ``labels`` is used. The
    lenient parse, the format checks and the divergent candidates all read labels through it.
    """

    name: str  # e.g. "LaMP_4"
    kind: TaskKind
    labels: tuple[str, ...] | None  # fixed label set (classification/rating), else None
    metrics: tuple[str, ...]  # metric names from harness.run.metrics, official keys first
    item_fields: tuple[str, ...]  # required string fields of a profile item besides "id"

    def query(self, example: Example) -> str: ...
    def item_text(self, item: Item) -> str: ...
    def render_item(self, item: Item) -> str: ...
    def prompt(self, example: Example, items: list[Item]) -> str: ...
    def parse_strict(self, text: str) -> str: ...
    def parse_lenient(self, text: str) -> str: ...
    def check_gold(self, gold: str) -> str | None: ...  # None if valid, else why not


@runtime_checkable
class Retriever(Protocol):
    """Ranks one user's profile items for a query; built from a frozen spec."""

    name: str

    def rank(self, query: str, items: list[Item], texts: list[str], k: int) -> list[int]: ...


@runtime_checkable
class Backend(Protocol):
    """Generates for a batch of requests, same order out. One instance holds one loaded model."""

    name: str
    model_id: str  # identity used in store keys: name + path/revision + backend

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]: ...
    def close(self) -> None: ...


class GenerateFn(Protocol):
    """Store-backed generation handed to methods: finished requests are never generated twice."""

    def __call__(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]: ...


@runtime_checkable
class Method(Protocol):
    """Turns prompts into generation calls (direct, cot, hrt, rpi, srm, r2p); one Generation per prompt."""

    name: str

    def check(self, backend: Backend) -> None: ...  # raise ReaperError at start if unsupported
    def run(
        self, task: Task, examples: list[Example], prompts: list[str], generate: GenerateFn, gen: GenerationConfig
    ) -> list[Generation]: ...


@runtime_checkable
class Analyzer(Protocol):
    """Reads saved samples and returns per-sample tags, a score and evidence, keyed by sample id."""

    name: str

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]: ...
