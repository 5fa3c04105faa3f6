"""Counterfactual retrieval effect: what retrieval changed, sample by sample, against the same cell without it.

The paper's third failure mode (retrieved information used ineffectively) is usually read off
traces. This measures it for every model type, traces or not: each run with retrieval is paired
with its *twin*, the run of the same task, model and method with ``retriever=none``, and every
question both answered is compared. Per sample: did the answer change, did each metric change (and
by how much), and did the answer move *toward the profile* — closer to what the retrieved items say
the user would answer:

- classification: the answer becomes the majority label of the retrieved items' ``label_field``
  (no strict majority, no target);
- rating: the answer's distance to the mean score of the retrieved items' ``label_field`` shrinks;
- generation: the answer's ROUGE-L F to the closest retrieved item's ``output_field`` grows.

Only the fields a task declares are used (``Task.output_field`` / ``label_field``); a task that
declares none gets ``toward = None`` (not applicable). Samples unscorable or failed in either twin,
or missing from the twin, are excluded and counted. A retrieval run without a twin gets a record
with ``twin: null`` and every statistic None: no twin means not applicable, never zero.

Read-only over run directories, except the one file it writes into each retrieval run's
directory, ``retrieval_effect.json`` (summary.json is left alone: its age decides which duplicate
run the tables use).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ReaperError
from harness.io import read_jsonl, write_json_atomic
from harness.reporting.paired import paired_difference
from harness.reporting.runs import Run, metric_meta
from harness.types import Item, Sample, Task

EFFECT_FILE = "retrieval_effect.json"
PARSES = {"strict": ("strict_pred", "metrics", ""), "lenient": ("lenient_pred", "lenient_metrics", "@lenient")}
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Target:
    """What "toward the profile" means for one sample: a closeness measure of an answer (None: cannot tell)."""

    measure: str  # e.g. "matches the majority label 'comedy'"
    closeness: Callable[[str], float | None]
    higher_is_closer: bool


def toward_rule(task: Task) -> tuple[str, str | None]:
    """(how "toward" is measured for this task, the declared item field) or (why not, None)."""
    kind = task.kind
    field = task.output_field if kind == "generation" else task.label_field
    wanted = "output_field" if kind == "generation" else "label_field"
    if kind not in ("classification", "rating", "generation"):
        return f"n/a: task kind {kind!r} has no notion of toward", None
    if not field:
        return f"n/a: task {task.name} declares no {wanted}", None
    rules = {
        "classification": f"the answer becomes the majority {field!r} of the retrieved items",
        "rating": f"the answer gets closer to the mean {field!r} of the retrieved items",
        "generation": f"ROUGE-L F of the answer to the closest retrieved item's {field!r} increases",
    }
    return rules[kind], field


def target_for(task: Task, items: list[Item] | None) -> Target | None:
    """The sample's target from its retrieved items, or None (no field declared, no items, no majority)."""
    _, field = toward_rule(task)
    if field is None or not items:
        return None
    values = [str(item[field]).strip() for item in items if item.get(field) is not None and str(item[field]).strip()]
    if not values:
        return None
    if task.kind == "classification":
        return _majority_target(values)
    if task.kind == "rating":
        return _mean_target(values)
    return _rouge_target(values)


def _majority_target(labels: list[str]) -> Target | None:
    (top, count), *rest = Counter(labels).most_common()
    if rest and rest[0][1] == count:  # a tie for the top: the profile points nowhere in particular
        return None
    return Target(f"matches the majority label {top!r}", lambda pred: float(pred.strip() == top), True)


def _mean_target(scores: list[str]) -> Target | None:
    numbers = [n for n in map(_number, scores) if n is not None]
    if not numbers:
        return None
    mean = sum(numbers) / len(numbers)

    def distance(pred: str) -> float | None:
        value = _number(pred)
        return None if value is None else abs(value - mean)

    return Target(f"distance to the mean score {mean:.4g}", distance, False)


def _rouge_target(outputs: list[str]) -> Target:
    from harness.run.metrics import rougel_sample

    return Target("ROUGE-L F to the closest retrieved output", lambda pred: max(rougel_sample(pred, o) for o in outputs),
                  True)  # fmt: skip


def _number(text: str) -> float | None:
    try:
        return float(str(text).strip())
    except ValueError:
        return None


# --- pairing runs --------------------------------------------------------------------------------


def pairs(runs: list[Run]) -> list[tuple[Run, Run | None]]:
    """Every run with retrieval and its twin (same task, model, method; retriever none), or None."""
    nones = {(r.task, r.model, r.method): r for r in runs if r.setting == "none"}
    return [(r, nones.get((r.task, r.model, r.method))) for r in runs if r.setting != "none"]


def twin_problem(run: Run, twin: Run) -> str | None:
    """Why two runs of the same cell name are not the same model (identity or reasoning type), else None."""
    a, b = _spec(run.path), _spec(twin.path)
    if a.get("model_identity") and b.get("model_identity") and a["model_identity"] != b["model_identity"]:
        return f"model identity differs ({a['model_identity']} vs {b['model_identity']})"
    if run.model_type != twin.model_type:
        return f"model type differs ({run.model_type} vs {twin.model_type})"
    return None


def _spec(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "spec.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReaperError(f"{run_dir}: not a run directory (no spec.json)") from None
    except (OSError, json.JSONDecodeError) as err:
        raise ReaperError(f"{path}: unreadable spec ({err})") from None


def _rows(path: Path) -> list[dict[str, Any]]:
    """JSON-lines rows, each with a string id; a bad file is one clear error, not a traceback."""
    if not path.exists():
        raise ReaperError(f"{path.parent}: not a scored run directory (no {path.name})")
    try:
        rows = read_jsonl(path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ReaperError(f"{path}: not valid JSON lines ({err})") from None
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise ReaperError(f"{path}: line {n}: field 'id': missing or not a string")
    return rows


# --- one pair ------------------------------------------------------------------------------------


def effect(run: Run, twin: Run | None, task: Task) -> dict[str, Any]:
    """The per-sample comparison and per-parse summary of one retrieval run against its twin."""
    rule, _ = toward_rule(task)
    record: dict[str, Any] = {
        "version": FORMAT_VERSION, "task": run.task, "model": run.model, "model_type": run.model_type,
        "method": run.method, "setting": run.setting, "run": run.path.name,
        "twin": twin.path.name if twin is not None else None, "toward_rule": rule,
    }  # fmt: skip
    problem = (
        twin_problem(run, twin) if twin is not None else "no run of this task, model and method with retriever none"
    )
    rows = _rows(run.path / "samples.jsonl")
    if problem is not None:
        counts: dict[str, Any] = {"samples": len(rows), "paired": 0, "excluded": None, "excluded_by_reason": {}}
        record.update(twin=None, twin_missing=problem, counts=counts,
                      samples=[], **{parse: _empty_summary() for parse in PARSES})  # fmt: skip
        return record
    assert twin is not None
    twin_rows = {row["id"]: row for row in _rows(twin.path / "samples.jsonl")}
    targets = _targets(run, task, rows)
    inputs, twin_inputs = _inputs(run.path), _inputs(twin.path)
    samples = []
    for row in rows:
        why = _excluded(row, twin_rows.get(row["id"]), inputs.get(row["id"]), twin_inputs.get(row["id"]))
        if why:
            samples.append({"id": row["id"], "excluded": why})
        else:
            samples.append(compare(row, twin_rows[row["id"]], targets.get(row["id"])))
    resamples, seed = _bootstrap_settings(run.path)
    paired = [s for s in samples if "excluded" not in s]
    reasons = Counter(s["excluded"] for s in samples if "excluded" in s)
    record["counts"] = {"samples": len(rows), "paired": len(paired), "excluded": sum(reasons.values()),
                        "excluded_by_reason": dict(sorted(reasons.items()))}  # fmt: skip
    for parse in PARSES:
        record[parse] = summarize(run, parse, paired, resamples, seed)
    record["samples"] = samples
    return record


def _empty_summary() -> dict[str, Any]:
    return {"n": 0, "unchanged": None, "answer_unchanged": None, "toward": None, "away": None, "toward_n": 0,
            "metrics": {}}  # fmt: skip


def _excluded(row: dict[str, Any], twin: dict[str, Any] | None, inp: dict[str, Any] | None,
              twin_inp: dict[str, Any] | None) -> str | None:  # fmt: skip
    """Why a sample cannot be compared, or None."""
    if twin is None:
        return "not in the twin run"
    if inp and twin_inp and "input" in inp and "input" in twin_inp and inp["input"] != twin_inp["input"]:
        return "a different question in the twin run"
    if row.get("status") != "ok":
        return f"{row.get('status', 'unscored')} with retrieval"
    if twin.get("status") != "ok":
        return f"{twin.get('status', 'unscored')} without retrieval"
    return None


def _inputs(run_dir: Path) -> dict[str, dict[str, Any]]:
    path = run_dir / "inputs.jsonl"
    return {row["id"]: row for row in _rows(path)} if path.exists() else {}


def _targets(run: Run, task: Task, rows: list[dict[str, Any]]) -> dict[str, Target | None]:
    """Per sample id, its target from the retrieval run's own retrieved items (what the model was shown)."""
    if toward_rule(task)[1] is None:
        return {}
    from harness.analyzers.run_analysis import load_contexts

    samples = [Sample.from_dict(row) for row in rows]
    contexts = load_contexts(run.path, _spec(run.path), task, samples)
    return {sid: target_for(task, ctx.retrieved_items) for sid, ctx in contexts.items()}


def _bootstrap_settings(run_dir: Path) -> tuple[int, int]:
    """The retrieval run's own bootstrap resamples and seed (the numbers its summary used)."""
    config = _spec(run_dir).get("config", {})
    return int(config.get("bootstrap", 1000)), int(config.get("seed", 0))


def compare(row: dict[str, Any], twin: dict[str, Any], target: Target | None) -> dict[str, Any]:
    """One sample with retrieval against the same sample without it, under both parses."""
    out: dict[str, Any] = {"id": row["id"], "answer_changed": _text(row.get("answer")) != _text(twin.get("answer"))}
    if target is not None:
        out["target"] = target.measure
    for parse, (pred_key, metrics_key, _) in PARSES.items():
        with_pred, none_pred = _text(row.get(pred_key)), _text(twin.get(pred_key))
        with_metrics, none_metrics = row.get(metrics_key) or {}, twin.get(metrics_key) or {}
        metrics = {
            name: {"none": float(none_metrics[name]), "with": float(value),
                   "changed": abs(float(value) - float(none_metrics[name])) > 1e-12}
            for name, value in with_metrics.items() if name in none_metrics
        }  # fmt: skip
        entry: dict[str, Any] = {"pred_none": none_pred, "pred_with": with_pred, "changed": with_pred != none_pred,
                                 "metrics": metrics, "toward": None}  # fmt: skip
        if target is not None:
            entry.update(_toward(target, none_pred, with_pred))
        out[parse] = entry
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _toward(target: Target, none_pred: str, with_pred: str) -> dict[str, Any]:
    """Closeness of both answers; toward/away only when both can be measured."""
    before, after = target.closeness(none_pred), target.closeness(with_pred)
    if before is None or after is None:
        return {"closeness": [before, after], "toward": None, "away": None}
    sign = 1.0 if target.higher_is_closer else -1.0
    return {"closeness": [before, after], "toward": sign * (after - before) > 1e-12,
            "away": sign * (before - after) > 1e-12}  # fmt: skip


def summarize(run: Run, parse: str, paired: list[dict[str, Any]], resamples: int, seed: int) -> dict[str, Any]:
    """Shares over paired samples and each metric's mean paired gain with its bootstrap 95% interval.

    ``gain`` is oriented so that positive means retrieval helped: with − without for ↑ metrics,
    without − with for ↓ metrics (MAE, RMSE); RMSE's gain is a difference of corpus RMSEs.
    """
    entries = [s[parse] for s in paired]
    judged = [e for e in entries if e["toward"] is not None]
    out = _empty_summary() | {"n": len(entries), "toward_n": len(judged)}
    if entries:
        out["unchanged"] = sum(not e["changed"] for e in entries) / len(entries)
        out["answer_unchanged"] = sum(not s["answer_changed"] for s in paired) / len(paired)
    if judged:
        out["toward"] = sum(e["toward"] for e in judged) / len(judged)
        out["away"] = sum(e["away"] for e in judged) / len(judged)
    suffix = PARSES[parse][2]
    names = dict.fromkeys(name for e in entries for name in e["metrics"])
    for name in names:
        values = [e["metrics"][name] for e in entries if name in e["metrics"]]
        key = f"{name}{suffix}"
        display, higher = _meta(run, key)
        with_, none_ = [v["with"] for v in values], [v["none"] for v in values]
        diff = paired_difference(name, with_, none_, resamples, seed) if higher else paired_difference(
            name, none_, with_, resamples, seed)  # fmt: skip
        out["metrics"][key] = {"display": display, "higher_is_better": higher, "gain": diff["diff"],
                               "low": diff["low"], "high": diff["high"], "n": diff["n"],
                               "changed": sum(v["changed"] for v in values) / len(values)}  # fmt: skip
    return out


def _meta(run: Run, key: str) -> tuple[str, bool]:
    """Display name and direction from the run's summary, else from the metric registry."""
    if key in run.summary.get("metrics", {}):
        return metric_meta(run, key)
    from harness.run.metrics import METRICS

    base = METRICS.get(key.split("@")[0])
    if base is None:
        raise ReaperError(f"{run.path}: metric {key!r} is neither in summary.json nor a known metric")
    return base.display, base.higher_is_better


# --- many runs -----------------------------------------------------------------------------------


def retrieval_effects(runs: list[Run], write: bool = True) -> list[dict[str, Any]]:
    """The effect record of every retrieval run among ``runs``; written to its run directory when ``write``."""
    from harness.registry import get_task

    records = []
    for run, twin in pairs(runs):
        try:
            task = get_task(run.task)
        except LookupError as err:
            raise ReaperError(f"{run.path}: task {run.task!r} is not installed ({err})") from None
        record = effect(run, twin, task)
        if write:
            write_json_atomic(run.path / EFFECT_FILE, record, durable=False)
        records.append(record)
    return records


def read_effect(run_dir: Path) -> dict[str, Any] | None:
    """A run's retrieval_effect.json, or None when it was never computed."""
    path = run_dir / EFFECT_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ReaperError(f"{path}: unreadable ({err}); rerun `reaper analyze` on its folder") from None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise ReaperError(f"{path}: not a retrieval-effect record of version {FORMAT_VERSION}; rerun `reaper analyze`")
    return data


def brief(record: dict[str, Any]) -> dict[str, Any]:
    """The per-pair line `reaper analyze` prints: counts, unchanged share and strict gains."""
    strict = record["strict"]
    return {
        "run": record["run"], "twin": record["twin"], **({"twin_missing": record["twin_missing"]} if "twin_missing" in record else {}),
        "counts": record["counts"], "unchanged": strict["unchanged"], "toward": strict["toward"],
        "gain": {key: m["gain"] for key, m in strict["metrics"].items()},
    }  # fmt: skip
