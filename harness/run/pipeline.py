"""One run (a grid cell): data -> retrieval -> prompts -> method/backend -> samples -> summary.

Generation is the only expensive step and goes through the durable store; everything after it
(samples, summary, analysis) is rebuilt from ``generations.jsonl`` by ``rescore`` without a model.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from harness.backends.base import model_identity, model_path
from harness.backends.pool import get_backend
from harness.backends.served_model import named_model
from harness.config import GenerationConfig, RunConfig
from harness.data.layout import resolve_sources
from harness.data.load import Dataset, Subset, load_dataset
from harness.errors import ReaperError
from harness.io import read_jsonl, write_json_atomic, write_jsonl_atomic
from harness.paths import cache_dir as default_cache_dir
from harness.progress import note
from harness.registry import get_task
from harness.run.cached_retrieval import item_ids, retrieve_items
from harness.run.generation_store import (
    GenerationStore,
    OnBatch,
    StoreTally,
    generate_with_store,
    generation_settings,
)
from harness.run.preflight import preflight
from harness.run.profile_prompts import WHITESPACE, build_prompts, hf_counter
from harness.run.run_files import write_samples
from harness.run.scoring import make_sample, summarize
from harness.safe import path_component, public_url
from harness.types import Backend, Example, GenerateFn, Generation, Item, Method, Request, Task

log = logging.getLogger("reaper")


def _report_batch(batch: list[Generation], done: int, total: int) -> None:
    """Progress inside a long pass; the pass's last batch is left to the one summary line."""
    if done < total:
        note(f"generating: {done}/{total} new")


@dataclass
class PreparedCell:
    """A cell up to its first engine call: data, retrieval, prompts, method and the store-backed generator.

    Shared by ``run_cell`` and the grid's pooled pre-generation (harness.run.pooling), so both build
    exactly the same requests.
    """

    cfg: RunConfig
    task: Task
    dataset: Dataset
    backend: Backend
    method: Method
    retrieved: dict[str, list[Item]]
    """each question's retrieved items: all that is kept of the profiles (packed in ``dataset``)."""
    prompts: list[str]
    store: GenerationStore

    def generator(self, on_batch: OnBatch | None = _report_batch) -> GenerateFn:
        """Generation through the store (and the two-phase wrapper of prompted reasoning models).

        Each call of the method ends with one line, ``generated 2/4, 2 from the store`` (counted
        over questions, so a prompted model's two phases are one line); ``on_batch=None`` is silent.
        """
        cfg = self.cfg

        def through_store(requests: list[Request], gen: GenerationConfig, tally: StoreTally) -> list[Generation]:
            settings = generation_settings(cfg.model, gen)  # the request itself is keyed by the store
            return generate_with_store(
                self.backend, requests, gen, self.store, settings, batch_size=cfg.model.batch_size,
                use_cache=cfg.use_cache, on_batch=on_batch, tally=tally,
            )  # fmt: skip

        def generate(requests: list[Request], gen: GenerationConfig) -> list[Generation]:
            tally = StoreTally()

            def counted(requests: list[Request], gen: GenerationConfig) -> list[Generation]:
                return through_store(requests, gen, tally)

            if cfg.model.prompted_reasoning:
                from harness.backends.prompted_reasoning import two_phase

                generations = two_phase(counted, cfg.model)(requests, gen)
            else:
                generations = counted(requests, gen)
            if on_batch is not None:
                note(tally.line(requests))
            return generations

        return generate


def prepare_cell(cfg: RunConfig) -> PreparedCell:
    """Everything before generation; bad paths, data and methods fail here, before any engine."""
    cfg = replace(cfg, model=named_model(cfg.model))  # a served model's real name
    method = preflight(cfg)  # every setting checked in one place, in one line each
    task = get_task(cfg.task.name)
    cfg = replace(cfg, task=replace(cfg.task, name=task.name))  # task.name=lamp4 is LaMP_4 in spec and hash
    cache = cell_cache(cfg)
    dataset = load_cell_data(task, cfg)
    backend = get_backend(cfg.model)
    method.check(backend)  # an unsupported method fails here, before any work
    retrieved = retrieve_items(task, dataset.examples, cfg.retriever, cache, dataset.data_hash, dataset.source)
    prompts = make_prompts(task, dataset.examples, retrieved, cfg)
    store = open_store(cache / "generations" / f"{path_component(model_identity(cfg.model))}.sqlite")
    return PreparedCell(cfg, task, dataset, backend, method, retrieved, prompts, store)


def cell_cache(cfg: RunConfig) -> Path:
    """The cache folder of a cell: ``cache_dir`` when set, else REAPER_CACHE."""
    return Path(cfg.cache_dir).expanduser() if cfg.cache_dir else default_cache_dir()


def run_cell(cfg: RunConfig) -> Path:
    """Run one cell end to end and return its run directory."""
    cell = prepare_cell(cfg)
    cfg, task, dataset = cell.cfg, cell.task, cell.dataset
    generations = cell.method.run(task, dataset.examples, cell.prompts, cell.generator(), cfg.model.generation)
    run_dir = run_directory(cfg, task)
    write_run(run_dir, cfg, dataset, task, cell.prompts, cell.retrieved, generations)
    if cfg.analyze:
        from harness.analyzers.run_analysis import analyze_run

        analyze_run(run_dir, cfg.analyzer.by_name(), cfg.analyzer.names)
    return run_dir


def load_cell_data(task: Task, cfg: RunConfig) -> Dataset:
    """The cell's questions and golds: explicit files, else the data root, else the bundled sample."""
    if cfg.task.limit is not None and cfg.task.sample is not None:
        raise ReaperError("task.limit and task.sample are both set: keep the first N (limit) or a random N (sample)")
    sources = resolve_sources(task.name, cfg.task.questions, cfg.task.outputs, cfg.data.root, cfg.data.split,
                              cfg.data.partition)  # fmt: skip
    subset = None if cfg.task.sample is None else Subset(cfg.task.sample, cfg.task.sample_seed, cfg.task.sample_by_user)
    dataset = load_dataset(task, sources.questions, sources.outputs, cfg.task.limit, subset)
    if subset is not None and len(dataset.examples) < subset.n:
        note(f"{task.name}: task.sample={subset.n} but the file has {len(dataset.examples)} questions: using all")
    if not any(e.gold is not None for e in dataset.examples):
        note(f"{task.name}: no golds in {dataset.source}: generating and analyzing only, metrics n/a")
    return dataset


_STORES: dict[Path, GenerationStore] = {}


def open_store(path: Path) -> GenerationStore:
    """One connection per store file and process, shared by a grid's cells."""
    if path not in _STORES:
        _STORES[path] = GenerationStore(path)
    return _STORES[path]


def make_prompts(task: Task, examples: list[Example], retrieved: dict[str, list[Item]], cfg: RunConfig) -> list[str]:
    """The official prompt per question for its retrieved items (best first), within the budget."""
    counter = WHITESPACE
    if cfg.task.max_prompt_tokens is not None and cfg.model.backend != "openai":
        from harness.backends.embedded_model import resolve_model_path

        counter = hf_counter(resolve_model_path(model_path(cfg.model)))
    return build_prompts(task, examples, retrieved, cfg.task.max_prompt_tokens, counter)


FORMAT_VERSION = 1
"""Version of the run directory's format, in spec.json and summary.json (absent: written before versions)."""
HASHED_AS_DEFAULT = ("analyze", "bootstrap")
"""Settings that change neither generations nor metric values, so not the run directory either."""
NOT_HASHED = ("analyzer",)
"""Settings left out of the spec hash altogether (added after hashes existed, so runs keep theirs)."""


def spec_dict(cfg: RunConfig) -> dict[str, Any]:
    """The resolved config as plain JSON (caches and output folders excluded: they do not change results).

    The API base URL is recorded (and hashed) without its user-info: spec.json never holds a password.
    """
    data = json.loads(json.dumps(asdict(cfg), default=str))
    data["model"]["api"]["base_url"] = public_url(data["model"]["api"]["base_url"])
    for key in ("runs_dir", "cache_dir", "use_cache"):
        data.pop(key, None)
    return data


def spec_hash(cfg: RunConfig) -> str:
    """The run directory's hash: everything that changes generations or scores, and nothing else.

    ``analyze`` (rerun any time with ``reaper analyze``) and ``bootstrap`` (the intervals'
    resamples) enter it at their defaults whatever their value, so changing only
    them rewrites the same run directory instead of making a second one. Hashed as their defaults
    rather than dropped, so that every run made with the defaults keeps the hash it had before.
    The analyzers' settings (``analyzer``) are left out for the same reason: they key the analysis
    cache instead, so new thresholds re-analyse the same run directory.
    """
    data = spec_dict(cfg)
    defaults = asdict(RunConfig())
    data.update({key: defaults[key] for key in HASHED_AS_DEFAULT})
    for key in NOT_HASHED:
        data.pop(key, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]


def run_directory(cfg: RunConfig, task: Task | str) -> Path:
    """runs_dir/<task>__<model>__<retriever>-k<k>__<method>__<spec hash>: readable and unique."""
    retriever = cfg.retriever.label or cfg.retriever.name
    k = f"-k{cfg.retriever.k}" if cfg.retriever.name != "none" else ""
    task_name = task if isinstance(task, str) else task.name
    parts = (task_name, str(cfg.model.name), f"{retriever}{k}", cfg.method.name, spec_hash(cfg))
    name = "__".join(path_component(part) for part in parts)  # a name never escapes runs_dir
    return Path(cfg.runs_dir) / name


def cell_directory(cfg: RunConfig) -> Path:
    """The cell's run directory, also when its task name does not resolve (a failure is recorded there)."""
    try:
        return run_directory(cfg, get_task(cfg.task.name))
    except ReaperError:
        return run_directory(cfg, cfg.task.name)  # the name is sanitised like every part


def write_run(
    run_dir: Path, cfg: RunConfig, dataset: Dataset, task: Task, prompts: list[str],
    retrieved: dict[str, list[Item]], generations: list[Generation],
) -> None:  # fmt: skip
    """spec.json, generations.jsonl and the rows rescore needs, then samples and summary."""
    from harness.run.provenance import plugin_packages, provenance

    spec = {"format_version": FORMAT_VERSION, "spec_hash": spec_hash(cfg), "config": spec_dict(cfg),
            "model_identity": model_identity(cfg.model), "model_is_reasoning": cfg.model.reasoning,
            "prompted_reasoning": cfg.model.prompted_reasoning, "data": data_record(dataset),
            **provenance(), "plugins": plugin_packages(cfg)}  # fmt: skip
    write_json_atomic(run_dir / "spec.json", spec, durable=False)
    inputs = [  # the retrieved items themselves: analysis never needs the (possibly huge) data file again
        {"id": e.id, "prompt": p, "retrieved_ids": item_ids(retrieved[e.id]), "gold": e.gold, "input": e.input,
         "retrieved_items": retrieved[e.id], "profile_size": len(e.profile)}
        for e, p in zip(dataset.examples, prompts, strict=True)
    ]  # fmt: skip
    write_jsonl_atomic(run_dir / "inputs.jsonl", inputs, durable=False)
    write_jsonl_atomic(run_dir / "generations.jsonl", (g.to_record() for g in generations), durable=False)
    score_run(run_dir)


def data_record(dataset: Dataset) -> dict[str, Any]:
    """What spec.json says was read: the files actually used and a digest of the question ids."""
    ids = "\n".join(e.id for e in dataset.examples)
    return {"source": dataset.source, "outputs": dataset.outputs, "hash": dataset.data_hash,
            "n_questions": len(dataset.examples), "ids_sha256": hashlib.sha256(ids.encode()).hexdigest(),
            "golds": any(e.gold is not None for e in dataset.examples)}  # fmt: skip


def score_run(run_dir: Path, resamples: int | None = None, seed: int | None = None) -> dict[str, Any]:
    """(Re)build samples.jsonl and summary.json from inputs and generations; no model needed.

    The intervals use the run's own ``bootstrap`` and ``seed`` (spec.json) unless given.
    """
    spec = json.loads((run_dir / "spec.json").read_text(encoding="utf-8"))
    config = spec["config"]
    resamples = int(config.get("bootstrap", 1000)) if resamples is None else resamples
    seed = int(config.get("seed", 0)) if seed is None else seed
    task = get_task(config["task"]["name"])
    inputs = read_jsonl(run_dir / "inputs.jsonl")
    generations = {g["id"]: Generation.from_dict(g) for g in read_jsonl(run_dir / "generations.jsonl")}
    missing = [row["id"] for row in inputs if row["id"] not in generations]
    if missing:
        raise ReaperError(f"{run_dir / 'generations.jsonl'}: no generation for {len(missing)} of {len(inputs)} "
                          f"questions (first: {missing[0]!r}); the file is torn: rerun the cell")  # fmt: skip
    method = config["method"]["name"]
    samples = [
        make_sample(task, row["prompt"], row["retrieved_ids"], row["gold"], generations[row["id"]], method)
        for row in inputs
    ]
    summary = {"format_version": FORMAT_VERSION, **summarize(task, samples, resamples, seed, config.get("scoring"))}
    summary["run"] = run_identity(config, spec)
    write_samples(run_dir, [s.to_dict() for s in samples], durable=False)
    write_json_atomic(run_dir / "summary.json", summary)
    return summary


def run_identity(config: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The labels tables group by: model and its type, retriever and k, method, task."""
    retriever = config["retriever"]
    return {
        "task": config["task"]["name"],
        "model": config["model"]["name"],
        "model_type": "reasoning" if spec.get("model_is_reasoning") else (
            "prompted-reasoning" if spec.get("prompted_reasoning") else "general"),
        "retriever": retriever.get("label") or retriever["name"],
        "k": retriever["k"] if retriever["name"] != "none" else 0,
        "method": config["method"]["name"],
    }  # fmt: skip
