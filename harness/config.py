"""Structured configs (Hydra ConfigStore): every field has a default and an attribute docstring here only.

The docstrings are the schema of spec.json's ``config`` (a run directory's resolved config):
``harness.schema_docs`` reads them, so documentation can be generated from this file.

YAML files in hydra_conf/ select and parameterise these; a misspelt key fails at composition
with Hydra's own message because the schemas are registered below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from harness.backends.reasoning_parsers import ReasoningParser
from harness.errors import ReaperError

T = TypeVar("T")


@dataclass
class TaskConfig:
    """Which task and which data files."""

    name: str = "LaMP_4"
    """registered task name (LaMP_N or a plugin's name)"""
    questions: str | None = None
    """questions file (JSON, JSON lines, HF dataset dir/hub id); None = bundled sample."""
    outputs: str | None = None
    """gold outputs file; None = bundled sample (or no golds)"""
    limit: int | None = None
    """keep only the first N questions (demo sizing)"""
    sample: int | None = None
    """draw N questions at random (seeded: the same ids in every cell and session)"""
    sample_seed: int = 0
    """seed of task.sample."""
    sample_by_user: bool = False
    """task.sample spreads over as many users as possible (time split: user_id)"""
    max_prompt_tokens: int | None = None
    """token budget for profile items in the prompt; None = no truncation."""


@dataclass
class DataConfig:
    """Where every task finds its real LaMP files (``reaper data fetch`` writes this layout)."""

    root: str | None = None
    """data root; None = bundled sample (or task.questions)"""
    split: str = "user"
    """user | time (LaMP's user-based or time-based split)"""
    partition: str = "dev"
    """train | dev | test (test has no golds: generate and analyze, no scores)"""


@dataclass
class ScoringConfig:
    """Which arithmetic the metrics use: the harness's (default) or the official scorer's exactly."""

    official: bool = False
    """LaMP_3 in float32, ROUGE as rouge_score's BootstrapAggregator mid (seeded)"""
    rouge_resamples: int = 1000
    """official ROUGE: bootstrap resamples (the official scorer's 1,000)"""
    rouge_seed: int = 0
    """official ROUGE: seed of the bootstrap (the official scorer is unseeded)"""


@dataclass
class RetrieverConfig:
    """How profile items are chosen for the prompt."""

    name: str = "bm25"
    """registered retriever name: none | bm25 | dense | recency | random (or a plugin's)."""
    k: int = 1
    """number of items put in the prompt."""
    tokenizer: str = "whitespace"
    """bm25: whitespace (official, str.split) | normalised (lower-case, punctuation stripped)."""
    model: str | None = None
    """dense: sentence-transformers model id or path; None = embedded all-MiniLM-L6-v2."""
    pooling: str = "model"
    """dense: "model" (the model's own pooling) | "mean" (Contriever's official mean pooling)"""
    similarity: str = "cosine"
    """dense: cosine | dot (Contriever's official dot product)"""
    seed: int = 0
    """random: seed of the shuffle."""
    label: str | None = None
    """display name in tables, e.g. "contriever"; None = name."""


@dataclass
class GenerationConfig:
    """Sampling parameters; part of every generation's store key."""

    max_new_tokens: int = 4096
    """generated tokens per call at most (reasoning and answer together): large enough for traces."""
    temperature: float = 0.0
    """sampling temperature; 0 = greedy."""
    top_p: float = 1.0
    """nucleus sampling mass; 1.0 = off."""
    top_k: int = -1
    """top-k sampling; -1 = off."""
    min_p: float = 0.0
    """min-p sampling; 0 = off."""
    seed: int = 0
    """sampling seed (passed to the backend with every request)."""
    stop: list[str] = field(default_factory=list)
    """extra stop strings (the output ends before them)."""


@dataclass
class ApiConfig:
    """OpenAI-compatible server settings (backend=openai). Keys only ever come from the environment."""

    base_url: str = "http://127.0.0.1:8000/v1"
    """server URL of the OpenAI-compatible API (part of the model identity)."""
    api_key_env: str | None = "OPENAI_API_KEY"
    """name of the env variable holding the key (never the key)"""
    concurrency: int = 8
    """requests in flight at once."""
    timeout_s: float = 600.0
    """per-request timeout in seconds."""
    max_retries: int = 5
    """retries on 429, 5xx, connection errors and 2xx replies that are not JSON or hold no choices, with exponential backoff."""
    backoff_s: float = 1.0
    """first backoff in seconds; doubles each retry."""


@dataclass
class ModelConfig:
    """One model: identity, backend, reasoning behaviour and sampling."""

    name: str | None = "smollm2"
    """short display name in tables; unset (null): the path, or the id a server serves (GET /models)."""
    backend: str = "vllm"
    """registered backend name: vllm | openai | hf | canned (or a plugin's)."""
    path: str | None = "embedded:smollm2"
    """hub id, local dir, API model name, or embedded:smollm2; unset (null) for a server serving one model."""
    revision: str | None = None
    """hub revision (part of the identity)"""
    reasoning: bool = False
    """a large reasoning model (LRM); prompted reasoning never counts as one."""
    prompted_reasoning: bool = False
    """instruct a non-reasoning model to think in <think></think> first."""
    prompted_answer_tokens: int = 64
    """prompted reasoning: answer tokens after the trace is closed."""
    reasoning_parser: ReasoningParser = ReasoningParser.none
    """how the output is split into reasoning and answer: none | think_tags | deepseek_r1 | qwen3 | api_field."""
    chat_template_kwargs: dict[str, Any] = field(default_factory=dict)
    """extra keyword arguments of the chat template, e.g. {enable_thinking: true} (Qwen3)."""
    system_prompt: str | None = None
    """optional system message put before every prompt."""
    engine: dict[str, Any] = field(default_factory=dict)
    """backend engine settings, checked at preflight against the backend's engine_schema: vllm.LLM keywords (vllm), HfEngine (hf), OpenAIEngine (openai), CannedEngine (canned)."""
    api: ApiConfig = field(default_factory=ApiConfig)
    """server settings; used by backend=openai only."""
    batch_size: int = 64
    """requests per backend call (each batch is stored before the next starts)"""
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    """sampling parameters of every call."""


@dataclass
class MethodConfig:
    """How a prompt becomes generation calls (direct, cot, hrt, rpi, srm, r2p)."""

    name: str = "direct"
    """registered method name: direct | cot | hrt | rpi | srm | r2p | r2p_no_* (or a plugin's)."""
    params: Any = field(default_factory=dict)
    """method-specific settings (keyword arguments of the method); typed by the method's schema when it has one."""


def _settings(name: str) -> Any:
    """A default factory of a built-in analyzer's settings node (harness.analyzers.settings)."""
    from harness.analyzers.settings import SETTINGS

    return field(default_factory=SETTINGS[name])


@dataclass
class AnalyzerConfig:
    """Which failure-mode analyzers run and with which thresholds (``reaper run`` and ``reaper analyze``).

    Each built-in's node is made from its constructor (the one place a threshold's default is
    written), so ``analyzer.divergent_thinking.drift_share=0.4`` is checked at composition. Not part
    of the spec hash: changing them re-analyses the same run directory (the analysis cache is keyed
    by them).
    """

    names: list[str] | None = None
    """analyzers to run; None = format_misalignment, divergent_thinking, retrieval_misuse (+ llm_judge when its model is set)."""
    format_misalignment: Any = _settings("format_misalignment")
    """thresholds of format_misalignment (keyword arguments of FormatMisalignment)."""
    divergent_thinking: Any = _settings("divergent_thinking")
    """thresholds of divergent_thinking (keyword arguments of DivergentThinking)."""
    retrieval_misuse: Any = _settings("retrieval_misuse")
    """thresholds of retrieval_misuse (keyword arguments of RetrievalMisuse)."""
    llm_judge: Any = _settings("llm_judge")
    """the optional LLM judge: model (a hydra_conf/model name or YAML path; null = off) and its budgets."""
    plugins: dict[str, Any] = field(default_factory=dict)
    """settings of plugin analyzers by name (their constructors' keyword arguments), e.g. +analyzer.plugins.mine.k=2"""

    def by_name(self) -> dict[str, dict[str, Any]]:
        """Every analyzer's settings as plain keyword arguments, built-ins and plugins alike."""
        from dataclasses import asdict, is_dataclass

        from harness.analyzers import BUILTINS as built_in

        out = {name: dict(settings) for name, settings in self.plugins.items()}
        for name in set(out) & set(built_in):
            raise ReaperError(f"analyzer.plugins.{name}: {name} is built in; set analyzer.{name}.<key>=VALUE instead")
        for name in built_in:
            node = getattr(self, name)
            out[name] = asdict(node) if is_dataclass(node) and not isinstance(node, type) else dict(node or {})
        return out


@dataclass
class RunConfig:
    """One cell of a grid: task x retriever x model x method."""

    task: TaskConfig = field(default_factory=TaskConfig)
    """task and its data files."""
    data: DataConfig = field(default_factory=DataConfig)
    """data root shared by every task of a grid."""
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    """default or official arithmetic."""
    retriever: RetrieverConfig = field(default_factory=RetrieverConfig)
    """retriever and k."""
    model: ModelConfig = field(default_factory=ModelConfig)
    """model and backend."""
    method: MethodConfig = field(default_factory=MethodConfig)
    """prompting method."""
    runs_dir: str = "results/runs"
    """where run directories are written."""
    cache_dir: str | None = None
    """Caches (retrieval, embeddings, generations, prepared models); None = $REAPER_CACHE or ~/.cache/reaper."""
    use_cache: bool = True
    """read finished generations and retrievals from the caches; false = regenerate (--no-cache)."""
    analyze: bool = True
    """run the failure-mode analyzers at the end of a run."""
    analyzer: AnalyzerConfig = field(default_factory=AnalyzerConfig)
    """the analyzers and their thresholds (hydra_conf/analyzer presets; not in the spec hash)."""
    bootstrap: int = 1000
    """bootstrap resamples for 95% intervals."""
    seed: int = 0
    """seed of the bootstrap intervals (sampling has model.generation.seed)."""


@dataclass
class AnalysisConfig:
    """``reaper analyze`` and ``reaper rescore``: the analyzers' settings alone (hydra_conf/analysis.yaml)."""

    analyzer: AnalyzerConfig = field(default_factory=AnalyzerConfig)
    """the analyzers and their thresholds, composed exactly as reaper run's ``analyzer``."""


def register_configs() -> None:
    """Register the schemas so Hydra validates YAML and overrides against them.

    Each method with parameters has its schema in the ``method_params`` group (its defaults are the
    Python dataclass's, written once); a method YAML selects it as its ``params`` and sets only its
    name. The group is not a ``method`` option, so no schema is offered as a preset.
    """
    from harness.methods.r2p import method_schemas

    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)  # validates every group from the root; no group offers a schema
    cs.store(name="analysis_schema", node=AnalysisConfig)  # reaper analyze/rescore: the analyzer group alone
    for name, params in method_schemas().items():
        cs.store(group="method_params", name=name, node=params)


def engine_settings(schema: type[T], engine: Any, backend: str) -> T:
    """``model.engine`` checked against a backend's engine schema (OmegaConf structured merge), typed.

    The bag stays a plain mapping in the config (it is part of store keys and run hashes); a backend
    with a schema reads it through here, so an unknown key or a wrong type is one line naming the
    setting, and each default lives in the schema only.
    """
    from dataclasses import fields

    raw = OmegaConf.to_container(engine, resolve=True) if isinstance(engine, DictConfig) else dict(engine or {})
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), raw)
    except OmegaConfBaseException as err:
        known = ", ".join(f.name for f in fields(schema))  # type: ignore[arg-type]
        problem = " ".join(str(err).split("\n")[0].split())
        raise ReaperError(f"model.engine for backend={backend}: {problem}; known keys: {known}") from None
    return OmegaConf.to_object(merged)  # type: ignore[return-value]


@dataclass(frozen=True)
class EngineKeywords:
    """An open engine schema: ``model.engine`` passes through to a library call whose keyword names are checked.

    For a backend whose engine takes a library's own (large, version-dependent) argument set, such as
    vllm.LLM's: the names come from the installed library (``names``), so the check is neither a
    copied subset nor stale; values are the library's to check.
    """

    library: str
    """what the keys are passed to, as an error names it (e.g. "vllm.LLM")."""
    names: Callable[[], frozenset[str] | None]
    """the accepted keyword names of the installed library; None when it is not installed (no check)."""
    elsewhere: dict[str, str] = field(default_factory=dict)
    """keys the harness sets from other settings -> that setting (e.g. model -> model.path)."""
    docs: str = ""
    """where the keys are documented."""

    def check(self, engine: Any, backend: str) -> None:
        """One line naming the first key the library does not accept (and the closest known ones)."""
        import difflib

        known = self.names()
        if known is None:
            return
        keys = [str(k) for k in engine] if isinstance(engine, (DictConfig, dict)) else []
        for key in keys:
            if key in self.elsewhere:
                raise ReaperError(f"model.engine.{key} for backend={backend}: set {self.elsewhere[key]} instead")
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=3, cutoff=0.6)
                hint = f"did you mean {' or '.join(close)}? " if close else ""
                raise ReaperError(
                    f"model.engine for backend={backend}: unknown key {key!r}; {hint}known keys: the {len(known)} "
                    f"keyword arguments of the installed {self.library}{f' ({self.docs})' if self.docs else ''}"
                )


def to_run_config(cfg: DictConfig) -> RunConfig:
    """The composed config as a RunConfig; a key no schema has (added with ``+``) is a one-line error.

    Hydra's ``+key=value`` opens the config for writing, and ``OmegaConf.to_object`` then drops
    keys its dataclass lacks, so a misspelt appended setting would be ignored without this check.
    """
    unknown = unknown_keys(cfg)
    if unknown:
        key, known = unknown[0]
        raise ReaperError(f"unknown setting {key} (no such key in its schema); known: {', '.join(known) or 'none'}")
    return OmegaConf.to_object(cfg)  # type: ignore[return-value]


def unknown_keys(node: Any, prefix: str = "") -> list[tuple[str, list[str]]]:
    """(dotted key, known keys) of every key of a typed node that its dataclass does not declare."""
    from dataclasses import fields, is_dataclass

    if not isinstance(node, DictConfig):
        return []
    found: list[tuple[str, list[str]]] = []
    schema = OmegaConf.get_type(node)
    declared = [f.name for f in fields(schema)] if isinstance(schema, type) and is_dataclass(schema) else None
    for key in node:
        name = prefix + str(key)
        if key == "hydra" and not prefix:
            continue
        if declared is not None and key not in declared:
            found.append((name, declared))
        elif not OmegaConf.is_missing(node, key):
            found += unknown_keys(node._get_node(key), f"{name}.")
    return found
