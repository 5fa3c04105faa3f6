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
    """the question id, as in the task's files (always a string)."""
    input: str
    """the question text the prompt is built around."""
    profile: list[Item]
    """the user's profile items (the retrieval pool), in file order."""
    gold: str | None = None
    """the gold output from the outputs file; None when no golds are known (test partition)."""
    user_id: str | None = None
    """the user the question belongs to, when the files say (time split); None otherwise."""


@dataclass
class Request(Record):
    """One generation call: chat messages (the usual path) or a raw prompt (continuations)."""

    id: str
    """the question id (methods with several calls per question add a suffix)."""
    messages: list[dict[str, str]] = field(default_factory=list)
    """chat messages ({role, content}) without the model's system prompt, which the backend adds."""
    raw_prompt: str | None = None
    """a raw prompt continued as it is (no chat template); None = use ``messages``."""
    continue_final_message: bool = False
    """continue the last (assistant) message instead of opening a new turn."""


@dataclass
class Generation(Record):
    """What a backend returns for one request; reasoning is kept apart from the answer.

    ``answer`` is None when the output cannot be scored (reasoning never closed, or a backend error):
    a truncated trace is never scored as an answer. ``error`` marks a failed sample (not wrong):
    it is excluded from metrics, counted, and retried on the next run.
    """

    id: str
    """the request id (the question id for single-call methods)."""
    raw_text: str = ""
    """the model's output as returned, reasoning included when the backend returns it inline."""
    reasoning: str | None = None
    """the reasoning trace split off by the model's parser; None = the output has no trace."""
    answer: str | None = None
    """the answer text after the trace; None = nothing scorable (trace never closed, or an error)."""
    prompt_tokens: int | None = None
    """tokens of the prompt as sent (None = unknown)."""
    reasoning_tokens: int | None = None
    """tokens of the reasoning trace (None = unknown; 0 = no trace)."""
    answer_tokens: int | None = None
    """tokens of the answer text (None = unknown)."""
    finish_reason: str | None = None
    """why generation stopped, as the backend says: "stop", "length", ..."""
    truncated: bool = False
    """the trace was cut off before it closed (no answer is taken from it)."""
    latency_s: float = 0.0
    """wall-clock seconds of the call (batched calls share the batch's time)."""
    backend: str = ""
    """the backend that generated it (vllm, openai, hf, canned, ...)."""
    model: str = ""
    """the model identity that keys the store (backend:path[server]@revision)."""
    error: str | None = None
    """the backend error of a failed request (excluded from metrics, retried on the next run); None = served."""
    extra: dict[str, Any] = field(default_factory=dict)
    """method-specific details, e.g. ``token_parts`` of multi-call methods, candidates, interventions."""


@dataclass
class Sample(Record):
    """One scored question of a run: everything needed to read, rescore and analyse it."""

    id: str
    """the question id."""
    task: str
    """the registered task name (LaMP_N or a plugin's)."""
    prompt: str
    """the task prompt with the retrieved items (byte-identical to the official construction)."""
    retrieved_ids: list[str]
    """ids of the items put in the prompt, best first."""
    gold: str | None
    """the gold output; None when no golds are known."""
    raw_output: str | None = None
    """the model's output as returned (``Generation.raw_text``)."""
    reasoning: str | None = None
    """the reasoning trace; None = no trace."""
    answer: str | None = None
    """the answer text after the trace; None = nothing scorable."""
    strict_pred: str | None = None
    """the official parse of the answer (what the official scorer sees)."""
    lenient_pred: str | None = None
    """the lenient extraction ("Answer: [1]" -> "[1]"), scored separately as ``metric@lenient``."""
    metrics: dict[str, float] = field(default_factory=dict)
    """per-sample metric values of the strict parse (empty when unscorable or without gold)."""
    lenient_metrics: dict[str, float] = field(default_factory=dict)
    """per-sample metric values of the lenient parse."""
    prompt_tokens: int | None = None
    """tokens of the prompt (None = unknown)."""
    reasoning_tokens: int | None = None
    """tokens of the reasoning trace (None = unknown)."""
    answer_tokens: int | None = None
    """tokens of the answer (None = unknown)."""
    finish_reason: str | None = None
    """why generation stopped, as the backend says."""
    truncated: bool = False
    """the trace was cut off before it closed."""
    status: SampleStatus = "ok"
    """ok (scored) | unscorable (no answer: trace never closed) | failed (backend error, retried on rerun)."""
    model: str = ""
    """the model identity that generated it."""
    method: str = "direct"
    """the method that produced it."""
    extra: dict[str, Any] = field(default_factory=dict)
    """the generation's method-specific details (``Generation.extra``)."""
    tags: dict[str, Any] = field(default_factory=dict)
    """failure-mode analysis per analyzer name: {tags, score, evidence[, na, na_tags]}."""


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
    requests_up_front: bool
    """True when ``run`` makes one generate call whose requests follow from the prompts alone (no
    reply feeds a later request): a grid then pools those requests with other cells' (harness.run.pooling)."""

    def check(self, backend: Backend) -> None: ...  # raise ReaperError at start if unsupported
    def run(
        self, task: Task, examples: list[Example], prompts: list[str], generate: GenerateFn, gen: GenerationConfig
    ) -> list[Generation]: ...


@runtime_checkable
class Analyzer(Protocol):
    """Reads saved samples and returns per-sample tags, a score and evidence, keyed by sample id."""

    name: str

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]: ...
