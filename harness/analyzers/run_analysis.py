"""Failure-mode analysis of a finished run directory: no model needed (except the optional LLM judge).

Reads samples.jsonl plus the question inputs and retrieved items (inputs.jsonl when it carries
them, else the run's questions reloaded through spec.json), runs the analyzers, writes each one's
per-sample result into ``sample["tags"][name]`` and the rates into summary.json:

- ``failure_modes[tag]``: the share of samples showing the tag, over the samples the tag applies
  to. Most tags count over answered samples (status ``ok``); truncation and every divergent-thinking
  tag count over all generated samples (``ok`` + ``unscorable``), because a trace that loops until
  the token limit is the clearest case of divergence and has no answer. Samples an analyzer cannot
  judge (no trace; no retrieved items) are left out. ``<mode>.any`` is the share with any tag of
  the mode. ``None`` when no sample qualifies.
- ``failure_modes_n[tag]``: that denominator. ``failure_mode_scores[analyzer]``: mean score.
- ``judge_agreement[mode]``: rules vs LLM judge (n, simple agreement, Cohen's kappa), when judged.
- ``analyzers[name]``: the package and version of each analyzer that ran.
- ``analyzer_settings[name]``: the thresholds it ran with (the run's ``analyzer`` config,
  defaults included), so a rate can be read with the settings that produced it.

Results are cached per analyzer in the run directory (``analysis_cache.json``), keyed by what decides
them: the analyzer's name and settings (every constructor parameter, defaults included), the code of
the analysis (``harness.analyzers.cache``) and the content of what it reads (samples without their
tags, inputs, retrieved items). A rerun or rescore of a finished cell whose inputs and settings did not
change runs no analyzer; new thresholds (``analyzer.<name>.<key>=…``) re-analyse, in the same run
directory (the settings are not in the spec hash).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from harness.analyzers import BUILTINS, MODE_OF, RULE_BASED
from harness.analyzers.cache import AnalysisCache, effective_settings, inputs_digest
from harness.analyzers.common import Context, attach_context
from harness.errors import ReaperError
from harness.io import read_jsonl, write_json_atomic
from harness.progress import note
from harness.registry import ANALYZERS, get_task
from harness.run.run_files import read_samples, write_samples
from harness.types import Sample, Task

log = logging.getLogger("reaper")
CACHE_FILE = "analysis_cache.json"


def analyze_run(run_dir: Path, config: dict[str, Any] | None = None, names: list[str] | None = None) -> dict[str, Any]:
    """Run the analyzers over a run directory; returns the summary entries it wrote.

    ``config``: per analyzer name, the keyword arguments it is built with (``AnalyzerConfig.by_name``;
    a missing one takes the constructor's defaults). ``names``: which run (default: ``default_names``).
    """
    run_dir = Path(run_dir)
    for needed in ("spec.json", "samples.jsonl"):
        if not (run_dir / needed).exists():
            raise ReaperError(f"{run_dir}: not a scored run directory (no {needed})")
    spec = json.loads((run_dir / "spec.json").read_text(encoding="utf-8"))
    task = get_task(spec["config"]["task"]["name"])
    rows = read_samples(run_dir)
    samples = [Sample.from_dict(row) for row in rows]
    contexts = load_contexts(run_dir, spec, task, samples)
    for sample in samples:
        attach_context(sample, contexts[sample.id])
    analyzers = build_analyzers(names or default_names(config), config)
    cache = AnalysisCache(run_dir / CACHE_FILE, inputs_digest(samples, contexts), task)
    results, reused = {}, []
    for name, analyzer in analyzers.items():
        settings = analyzer_settings(name, config)
        cached = cache.get(name, analyzer, settings)
        if cached is not None:
            results[name] = cached
            reused.append(name)
            continue
        results[name] = analyzer.analyze(samples, task)
        cache.put(name, analyzer, settings, results[name])
    cache.save()
    if reused:
        note(f"analysis: inputs and settings unchanged, results reused for {', '.join(reused)}")
    for row in rows:
        tags = row.get("tags") or {}
        for name in analyzers:
            tags[name] = results[name][row["id"]]
        row["tags"] = tags
    write_samples(run_dir, rows)
    entries = summarize_failures(analyzers, results, samples, task)
    entries["analyzers"] = {name: ANALYZERS.package(name) for name in analyzers}  # which package tagged them
    entries["analyzer_settings"] = {
        name: recorded_settings(a, analyzer_settings(name, config)) for name, a in analyzers.items()
    }
    summary_path = run_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    summary.update(entries)
    write_json_atomic(summary_path, summary)
    return entries


def default_names(config: dict[str, Any] | None) -> list[str]:
    """The rule-based analyzers, plus the judge when a judge model or backend is configured."""
    judge = (config or {}).get("llm_judge") or {}
    return [*RULE_BASED, *(["llm_judge"] if judge.get("model") or judge.get("backend") else [])]


def analyzer_settings(name: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The keyword arguments ``name`` is built with: its entry of ``config`` (``AnalyzerConfig.by_name``).

    Only what is given: every default is the analyzer's constructor's, written there once.
    """
    return dict((config or {}).get(name) or {})


def build_analyzers(names: list[str], config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Instantiate analyzers by name (built-ins imported on demand, then the registry's plugins)."""
    out = {}
    for name in names:
        try:
            factory = ANALYZERS.get(name)
        except LookupError as err:
            raise ReaperError(f"{err}; built-in: {', '.join(BUILTINS)}") from None
        try:
            out[name] = factory(**analyzer_settings(name, config))
        except TypeError as err:
            raise ReaperError(f"analyzer {name}: bad setting ({err}); set analyzer.plugins.{name}.<key>") from None
    return out


def recorded_settings(analyzer: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """The settings an analyzer ran with as summary.json records them (plain data only)."""
    return {k: v for k, v in effective_settings(analyzer, settings).items() if _plain(v)}


def _plain(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def load_contexts(run_dir: Path, spec: dict[str, Any], task: Task, samples: list[Sample]) -> dict[str, Context]:
    """Per sample: question input, retrieved items (None when they cannot be recovered) and profile."""
    inputs = (
        {row["id"]: row for row in read_jsonl(run_dir / "inputs.jsonl")} if (run_dir / "inputs.jsonl").exists() else {}
    )
    need_data = any(
        s.retrieved_ids and "retrieved_items" not in inputs.get(s.id, {}) or "input" not in inputs.get(s.id, {})
        for s in samples
    )
    examples = _examples(spec, task) if need_data else {}
    out: dict[str, Context] = {}
    for s in samples:
        row, example = inputs.get(s.id, {}), examples.get(s.id)
        items: list[dict[str, Any]] | None = row.get("retrieved_items")
        profile = example.profile if example is not None else None  # packed: parsed only where read
        if items is None and profile is not None:
            by_id = {item["id"]: item for item in profile}
            items = [by_id[i] for i in s.retrieved_ids if i in by_id]
        if items is None and not s.retrieved_ids:
            items = []
        text = row.get("input") or (example.input if example is not None else s.prompt)
        query = _query(task, example) if example is not None else text
        out[s.id] = Context(input=text, query=query, retrieved_items=items, profile=profile)
    return out


def _examples(spec: dict[str, Any], task: Task) -> dict[str, Any]:
    """The run's questions by id; an unreadable source only disables item-based checks (warned)."""
    from harness.data.load import load_dataset

    cfg = spec["config"]["task"]
    try:
        dataset = load_dataset(task, cfg.get("questions"), None, cfg.get("limit"))
    except (ReaperError, OSError) as err:
        log.warning("analysis: cannot reload the run's questions (%s); item-based checks are skipped", err)
        return {}
    return {e.id: e for e in dataset.examples}


def _query(task: Task, example: Any) -> str:
    try:
        return task.query(example)
    except ReaperError:
        return example.input


def summarize_failures(analyzers: dict[str, Any], results: dict[str, dict[str, dict[str, Any]]],
                       samples: list[Sample], task: Task) -> dict[str, Any]:  # fmt: skip
    """failure_modes, failure_modes_n, failure_mode_scores (and judge_agreement when the judge ran)."""
    rates: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    scores: dict[str, float | None] = {}
    for name, analyzer in analyzers.items():
        per = results[name]
        tags = list(analyzer.tag_names(task))
        pops = {t: analyzer.population(t) for t in tags}
        mode = MODE_OF.get(name, name.split("_")[0])
        mode_pop = "generated" if "generated" in pops.values() else "ok"
        for tag, pop in [*pops.items(), (f"{mode}.any", mode_pop)]:
            eligible = [
                s
                for s in samples
                if _in_population(s, pop) and not per[s.id].get("na") and tag not in per[s.id].get("na_tags", ())
            ]
            hits = sum((tag in per[s.id]["tags"]) if tag in pops else bool(per[s.id]["tags"]) for s in eligible)
            counts[tag] = len(eligible)
            rates[tag] = hits / len(eligible) if eligible else None
        judged = [per[s.id]["score"] for s in samples if not per[s.id].get("na")]
        scores[name] = sum(judged) / len(judged) if judged else None
    out: dict[str, Any] = {"failure_modes": rates, "failure_modes_n": counts, "failure_mode_scores": scores}
    if "llm_judge" in results:
        out["judge_agreement"] = judge_agreement(results)
    return out


def judge_agreement(results: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Per mode: the rules' verdict (any tag of the mode) against the judge's, over samples both judged."""
    from harness.analyzers.llm_judge import agreement

    judge = results["llm_judge"]
    out = {}
    for name, mode in MODE_OF.items():
        if name not in results:
            continue
        pairs = [
            (bool(rule["tags"]), bool(judge[sid]["verdict"][mode]))
            for sid, rule in results[name].items()
            if not rule.get("na") and "verdict" in judge.get(sid, {})
        ]
        out[mode] = agreement(pairs)
    return out


def _in_population(sample: Sample, population: str) -> bool:
    return sample.status == "ok" if population == "ok" else sample.status != "failed"
