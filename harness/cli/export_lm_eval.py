"""``reaper export-lm-eval OUT_DIR``: an lm-evaluation-harness task folder for the LaMP tasks.

The folder holds one YAML per task and retriever (``reaper_lamp4_bm25``), a group ``reaper_lamp``
and a copy of ``tasks/lm_eval/utils.py``, whose hooks call the harness for data, retrieval,
prompts and metrics, so lm-eval's scores equal ``reaper score``'s. Everything that differs between
folders — task, retriever, k, data paths — sits in each YAML's ``metadata``, which lm-eval hands
to ``custom_dataset``; the committed ``tasks/lm_eval`` is this command's output with the bundled
sample (no paths at all). YAML is written as text because lm-eval needs its ``!function`` tag.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path
from typing import Any

from harness.config import GenerationConfig, ModelConfig
from harness.errors import ReaperError

HOOKS = Path(__file__).resolve().parents[2] / "tasks" / "lm_eval" / "utils.py"
HEADER = "# Written by `reaper export-lm-eval`: regenerate rather than edit.\n"
GROUP = "reaper_lamp"
# lm-eval aggregation per metric: plain means, or a corpus function in utils.py (F1, RMSE)
AGGREGATION = {"accuracy": "mean", "f1": "!function utils.macro_f1", "MAE": "mean",
               "RMSE": "!function utils.rmse", "rouge-1": "mean", "rouge-L": "mean"}  # fmt: skip
MAX_GEN_TOKS = 4096  # as the harness's GenerationConfig: reasoning traces need room


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", help="folder to write (lm-eval run --include_path OUT_DIR)")
    parser.add_argument("--data", action="append", default=[], metavar="TASK=QUESTIONS[,OUTPUTS]",
                        help="a task's own files (repeatable); tasks without --data use the bundled sample")  # fmt: skip
    parser.add_argument("--tasks", default=None, help="comma list (default: the --data tasks, else every bundled one)")
    parser.add_argument("--retrievers", default="none,bm25", help="comma list of retrievers (default: none,bm25)")
    parser.add_argument("--k", type=int, default=1, help="profile items per prompt for retrievers other than none")
    parser.add_argument("--max-prompt-tokens", type=int, default=None, help="token budget for profile items")
    parser.add_argument("--budget-tokenizer", default=None, help="HF tokenizer for the budget (default: words)")
    parser.add_argument("--model", default=None, metavar="NAME",
                        help="a hydra_conf/model config: its generation settings go into the tasks, and the "
                             "matching lm-eval command line is printed")  # fmt: skip


def handle(ns: argparse.Namespace) -> None:
    """Validate the arguments and write the folder; prints the task names written."""
    from harness.registry import RETRIEVERS

    data = dict(_parse_data(spec) for spec in ns.data)
    retrievers = _split(ns.retrievers)
    if unknown := [r for r in retrievers if r not in RETRIEVERS.names()]:
        raise ReaperError(f"unknown retriever(s) {', '.join(unknown)}; known: {', '.join(RETRIEVERS.names())}")
    if ns.k < 1:
        raise ReaperError(f"--k must be 1 or more, got {ns.k}")
    tasks = _task_names(ns.tasks, data)
    model = load_model_config(ns.model) if ns.model else None
    gen = model.generation if model else None
    names = write_folder(Path(ns.out_dir), tasks, retrievers, ns.k, data, ns.max_prompt_tokens, ns.budget_tokenizer,
                         gen)  # fmt: skip
    print("\n".join(names))
    if model is not None:
        from harness.lm_eval_command import lm_eval_command

        print(lm_eval_command(model, ns.out_dir, names))


def write_folder(
    out: Path,
    tasks: list[str],
    retrievers: list[str],
    k: int = 1,
    data: dict[str, tuple[str, str | None]] | None = None,
    max_prompt_tokens: int | None = None,
    budget_tokenizer: str | None = None,
    gen: GenerationConfig | None = None,
) -> list[str]:
    """Write hooks, one YAML per task x retriever and the group; returns the lm-eval task names."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.yaml"):  # a previous export's files, so dropped tasks do not linger
        if old.read_text(encoding="utf-8").startswith(HEADER):
            old.unlink()
    if out.resolve() != HOOKS.parent:
        shutil.copyfile(HOOKS, out / "utils.py")
    names = []
    for task in tasks:
        questions, outputs = (data or {}).get(task, (None, None))
        for retriever in retrievers:
            name = f"reaper_{_slug(task)}_{retriever}"
            meta = {"lamp_task": task, "retriever": retriever, "k": 0 if retriever == "none" else k,
                    "questions": questions, "outputs": outputs, "max_prompt_tokens": max_prompt_tokens,
                    "budget_tokenizer": budget_tokenizer}  # fmt: skip
            (out / f"{name}.yaml").write_text(_task_yaml(name, task, retriever, meta, gen), encoding="utf-8")
            names.append(name)
    group = [HEADER, f"group: {GROUP}\n", "task:\n", *(f"  - {n}\n" for n in names), "metadata:\n  version: 1.0\n"]
    (out / f"{GROUP}.yaml").write_text("".join(group), encoding="utf-8")
    return names


def _task_yaml(
    name: str, task_name: str, retriever: str, meta: dict[str, object], gen: GenerationConfig | None = None
) -> str:
    from harness.registry import get_task
    from harness.run.metrics import METRICS

    metrics = get_task(task_name).metrics
    if unknown := [m for m in metrics if m not in AGGREGATION]:
        raise ReaperError(f"task {task_name}: no lm-eval aggregation for metric(s) {', '.join(unknown)}")
    lines = [
        HEADER,
        f"task: {name}\n",
        f"tag: {GROUP}_{retriever}\n",
        "custom_dataset: !function utils.load_docs\n",
        "test_split: test\n",
        "output_type: generate_until\n",
        "doc_to_text: prompt\n",
        "doc_to_target: gold\n",
        "process_results: !function utils.process_results\n",
        *_generation_kwargs(gen),
        "metric_list:\n",
    ]
    for metric in metrics:
        better = "true" if METRICS[metric].higher_is_better else "false"
        lines.append(f"  - metric: {metric}\n    aggregation: {AGGREGATION[metric]}\n    higher_is_better: {better}\n")
    lines.append("metadata:\n  version: 1.0\n")
    lines += [f"  {key}: {json.dumps(value)}\n" for key, value in meta.items()]
    return "".join(lines)


def _generation_kwargs(gen: GenerationConfig | None) -> list[str]:
    """lm-eval's generation_kwargs: greedy with room for traces, or exactly a model config's sampling."""
    if gen is None:
        return ["generation_kwargs:\n  until: []\n  do_sample: false\n", f"  max_gen_toks: {MAX_GEN_TOKS}\n"]
    lines = [
        "generation_kwargs:\n",
        f"  until: {json.dumps(list(gen.stop))}\n",
        f"  max_gen_toks: {gen.max_new_tokens}\n",
    ]
    if gen.temperature <= 0:
        return [*lines, "  do_sample: false\n"]
    lines += ["  do_sample: true\n", f"  temperature: {gen.temperature}\n", f"  top_p: {gen.top_p}\n"]
    if gen.top_k is not None and gen.top_k > 0:
        lines.append(f"  top_k: {gen.top_k}\n")
    if gen.min_p:
        lines.append(f"  min_p: {gen.min_p}\n")
    return lines


def load_model_config(name: str) -> ModelConfig:
    """``hydra_conf/model/NAME.yaml`` over the schema, as ``reaper run model=NAME`` composes it."""
    from omegaconf import OmegaConf

    folder = Path(__file__).resolve().parents[2] / "hydra_conf" / "model"
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
        raise ReaperError(f"--model {name!r}: no hydra_conf/model/{name}.yaml; known: {known}")
    merged = OmegaConf.merge(OmegaConf.structured(ModelConfig), OmegaConf.load(path))
    return OmegaConf.to_object(merged)  # type: ignore[return-value]


def _parse_data(spec: str) -> tuple[str, tuple[str, str | None]]:
    """``LaMP_4=Q.json[,O.json]`` -> (task, (absolute questions, absolute outputs or None))."""
    from harness.registry import task_name

    task, sep, files = spec.partition("=")
    paths = [p for p in files.split(",") if p] if sep else []
    if not task or not 1 <= len(paths) <= 2:
        raise ReaperError(f"--data {spec!r}: expected TASK=QUESTIONS[,OUTPUTS]")
    resolved = [Path(p).expanduser().resolve() for p in paths]
    for path in resolved:
        if not path.exists():
            raise ReaperError(f"--data {spec!r}: {path} not found")
    return task_name(task), (str(resolved[0]), str(resolved[1]) if len(resolved) > 1 else None)


def _task_names(tasks: str | None, data: dict[str, tuple[str, str | None]]) -> list[str]:
    """The requested tasks, each with its --data files or a bundled sample."""
    from harness.data.load import bundled_files
    from harness.registry import TASKS, UnknownPluginError, get_task, task_name

    if tasks or data:
        names = [task_name(t) for t in _split(tasks)] if tasks else list(data)
    else:  # every LaMP task that ships a sample (LaMP_6's corpus is licensed: no sample)
        names = [n for n in TASKS.names() if re.fullmatch(r"LaMP_\d", n) and _has_sample(get_task(n))]
    for name in names:
        try:
            task = get_task(name)
        except UnknownPluginError as err:
            raise ReaperError(str(err)) from None
        if name not in data:
            bundled_files(task)  # raises ReaperError: no bundled sample, pass --data
    return names


def _has_sample(task: Any) -> bool:
    from harness.data.load import bundled_files

    try:
        bundled_files(task)
    except ReaperError:
        return False
    return True


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _slug(task: str) -> str:
    """LaMP_4 -> lamp4: lm-eval task names in lower case without separators."""
    return re.sub(r"[^a-z0-9]+", "", task.lower())
