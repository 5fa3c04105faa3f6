"""The whole contract of the harness: records that travel through a run and the protocols of its plugins.

Records are plain dataclasses that serialise to JSON lines (``to_dict``/``from_dict``); their
attribute docstrings are the run directory's schema (``harness.schema_docs``). Protocols declare
every attribute and method the harness reads or calls on a plugin, so a plugin author reads this one
file to know what to write; the registry checks each plugin against its protocol when it loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from harness.config import GenerationConfig, ModelConfig

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
    profile: Sequence[Item]
    """the user's profile items (the retrieval pool), in file order. Loaded data holds them packed
    (``harness.data.packed``: compressed, parsed on each read), so read a profile once per question."""
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

    def to_record(self) -> dict[str, Any]:
        """``to_dict`` with the trace written once (generations.jsonl, the store).

        A reasoning or answer that is a verbatim part of ``raw_text`` is written as
        ``reasoning_span``/``answer_span`` = [start, end] offsets into it instead of a second copy:
        traces of 1,000-8,000 tokens would otherwise fill every file twice.
        """
        data = self.to_dict()
        for name in SPAN_FIELDS:
            text = data[name]
            start = self.raw_text.find(text) if text and len(text) >= _SPAN_MIN_CHARS else -1
            if start >= 0:
                data[name] = None
                data[f"{name}_span"] = [start, start + len(text)]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Generation:
        """Reads both forms: texts written out, or spans of ``raw_text`` (``to_record``)."""
        data = dict(data)
        for name in SPAN_FIELDS:
            span = data.pop(f"{name}_span", None)
            if span is not None:
                data[name] = str(data.get("raw_text") or "")[span[0] : span[1]]
        return super().from_dict(data)  # type: ignore[no-any-return]


SPAN_FIELDS = ("reasoning", "answer")
_SPAN_MIN_CHARS = 32  # shorter texts cost less written out than as a span


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
    """the model's output as returned (``Generation.raw_text``); not written to samples.jsonl, where
    ``harness.run.run_files.read_samples`` restores it from generations.jsonl."""
    reasoning: str | None = None
    """the reasoning trace; None = no trace (restored from generations.jsonl like ``raw_output``)."""
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

    Every member below is required: the registry checks a plugin against this list when it loads
    it (``harness.registry.check_protocol``), so a missing member is one error at start, never an
    AttributeError mid-run. A member that does not apply is declared as None (``output_field``,
    ``label_field``, ``sample_dir``).
    """

    name: str
    """the registered name, e.g. "LaMP_4" (run directories and spec.json use it)."""
    kind: TaskKind
    """classification | rating | generation: which analyses and table columns apply."""
    labels: tuple[str, ...] | None
    """fixed label set (classification/rating), else None."""
    metrics: tuple[str, ...]
    """metric names from harness.run.metrics, official keys first."""
    item_fields: tuple[str, ...]
    """required string fields of a profile item besides "id"."""
    budget_field: str
    """the item field ``task.max_prompt_tokens`` shortens (the official code's choice for LaMP)."""
    output_field: str | None
    """the item field holding the user's own output (generation tasks); None = none, analyses say n/a."""
    label_field: str | None
    """the item field holding the user's own label or score (classification, rating); None = none."""
    sample_dir: Path | None
    """folder with the task's bundled questions.json/outputs.json; None = the harness's tasks/data/<name>/."""

    def query(self, example: Example) -> str:
        """The retrieval query of a question."""
        ...

    def item_text(self, item: Item) -> str:
        """The text of a profile item that retrievers rank."""
        ...

    def render_item(self, item: Item) -> str:
        """One profile item as the prompt writes it."""
        ...

    def prompt(self, example: Example, items: list[Item]) -> str:
        """The prompt for a question and its retrieved items (best first)."""
        ...

    def parse_strict(self, text: str) -> str:
        """The answer as the official scorer reads it."""
        ...

    def parse_lenient(self, text: str) -> str:
        """A forgiving extraction, recorded and scored beside the strict parse."""
        ...

    def labels_in(self, text: str) -> list[str]:
        """The distinct labels a text names, first mention first ([] for free-text tasks).

        The lenient parse, the format checks and the divergent candidates all read labels through it
        (``harness.text.label_mentions`` over ``labels`` is the usual implementation).
        """
        ...

    def check_gold(self, gold: str) -> str | None:
        """None if ``gold`` is a valid answer of the task, else why not."""
        ...


@runtime_checkable
class Retriever(Protocol):
    """Ranks one user's profile items for a query; built from a frozen spec and the cache folder."""

    name: str
    """the registered name."""

    def prepare(self, texts: Iterable[str]) -> None:
        """Called once per task with every query and item text before ``rank`` (batching); may do nothing.

        ``texts`` is a lazy iterator that parses the profiles as it goes: a retriever that does not
        batch leaves it unconsumed (then no profile is parsed for it), one that does reads it once.
        """
        ...

    def rank(self, query: str, items: list[Item], texts: list[str], k: int) -> list[int]:
        """Positions of the best ``k`` items (best first); ``texts[i]`` is ``task.item_text(items[i])``."""
        ...


@runtime_checkable
class Backend(Protocol):
    """Generates for a batch of requests, same order out. One instance holds one loaded model.

    Capabilities are declared attributes. A value set on the class is read without starting the
    engine (the model pool loads lazily); a value that depends on the model config is declared by
    annotation on the class and set in ``__init__`` (then the pool builds the backend to read it).
    Optionally, ``engine_schema`` on the class (a dataclass, or a ``harness.config.EngineKeywords``
    for keys passed through to a library) is what preflight checks ``model.engine`` against.
    """

    name: str
    """the registered name (vllm, openai, hf, canned, ...)."""
    model_id: str
    """identity used in store keys: backend + path[server] + revision."""

    @property
    def model(self) -> ModelConfig:
        """The model config the backend was built from (the pool updates it per cell)."""
        ...

    @property
    def tokenizer(self) -> Any | None:
        """The model's tokenizer (chat template, token counts); None when there is none (hosted APIs)."""
        ...

    @property
    def supports_raw_prompt(self) -> bool:
        """Accepts ``Request.raw_prompt`` (raw-prompt continuations of rpi/r2p)."""
        ...

    @property
    def supports_continue_final_message(self) -> bool:
        """Accepts ``Request.continue_final_message`` (chat continuations of a partial assistant message)."""
        ...

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        """One Generation per request, same order; a failed request is a Generation with ``error``."""
        ...

    def close(self) -> None:
        """Release the model (engine processes, GPU memory, connections)."""
        ...


class GenerateFn(Protocol):
    """Store-backed generation handed to methods: finished requests are never generated twice."""

    def __call__(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]: ...


@runtime_checkable
class Method(Protocol):
    """Turns prompts into generation calls (direct, cot, hrt, rpi, srm, r2p); one Generation per prompt.

    Built with ``method.params`` as keyword arguments.
    """

    name: str
    """the registered name (tables group by it)."""
    requests_up_front: bool
    """True when ``run`` makes one generate call whose requests follow from the prompts alone (no
    reply feeds a later request): a grid then pools those requests with other cells' (harness.run.pooling)."""

    def check(self, backend: Backend) -> None:
        """Raise ReaperError at start if the backend cannot run this method (before any generation)."""
        ...

    def run(
        self, task: Task, examples: list[Example], prompts: list[str], generate: GenerateFn, gen: GenerationConfig
    ) -> list[Generation]:
        """One Generation per prompt, same order."""
        ...


AnalyzerPopulation = Literal["ok", "generated"]


@runtime_checkable
class Analyzer(Protocol):
    """Reads saved samples and returns per-sample tags, a score and evidence, keyed by sample id.

    Built with its settings as keyword arguments: a built-in's from ``analyzer.<name>`` (a node made
    from its constructor, harness.analyzers.settings), a plugin's from ``analyzer.plugins.<name>``.
    """

    name: str
    """the registered name (the key of ``sample.tags`` and of summary.json's scores)."""

    def tag_names(self, task: Task) -> list[str]:
        """Every tag this analyzer can give on ``task`` (summary.json reports a rate for each)."""
        ...

    def population(self, tag: str) -> AnalyzerPopulation:
        """Which samples a tag's rate counts over: "ok" (answered) or "generated" (ok + unscorable)."""
        ...

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]:
        """Per sample id: ``harness.analyzers.common.result(...)`` or ``not_applicable(...)``."""
        ...


PROTOCOLS: dict[str, type] = {
    "task": Task,
    "retriever": Retriever,
    "backend": Backend,
    "method": Method,
    "analyzer": Analyzer,
}
"""Registry kind -> the protocol its plugins implement."""


def protocol_members(protocol: type) -> tuple[str, ...]:
    """The members a plugin of ``protocol`` must have: its annotated attributes and its methods."""
    names = list(protocol.__annotations__)
    names += [n for n, v in vars(protocol).items() if isinstance(v, property | Callable) and not n.startswith("_")]
    return tuple(dict.fromkeys(names))
