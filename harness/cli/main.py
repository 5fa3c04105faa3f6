"""The ``reaper`` command. ``run`` hands its arguments to Hydra (the only override grammar);
the other subcommands are plain argparse tools over files and run directories.

Every user-facing error (``ReaperError``) is one line on stderr and exit code 2, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path

from harness.errors import DataError, ReaperError, one_line


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        from harness.cli.run import hydra_entry

        return hydra_entry(args[1:])
    parser = build_parser()
    ns, extra = parser.parse_known_args(args)
    if extra and isinstance(getattr(ns, "overrides", None), list) and not any(a.startswith("-") for a in extra):
        ns.overrides += extra  # overrides after an option (argparse stops a positional list at the first option)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not hasattr(ns, "handler"):
        parser.print_help()
        return 2
    try:
        ns.handler(ns)
    except ReaperError as err:
        print(f"reaper: error: {one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("reaper: interrupted", file=sys.stderr)
        return 130
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reaper", description="Reasoning models on personalization (LaMP).")
    sub = parser.add_subparsers(metavar="COMMAND")
    sub.add_parser("run", help="run a cell or a grid (Hydra overrides; -m for a sweep)")
    _command(sub, "score", "score predictions against golds (official LaMP rules)", _score, _score_args)
    _command(sub, "retrieve", "rank each user's profile items", _retrieve, _retrieve_args)
    _command(sub, "prompts", "build the profile-augmented prompts", _prompts, _prompts_args)
    _command(sub, "rescore", "rebuild samples and summary of a run directory or a folder of runs (no model)",
             _rescore, _rescore_args)  # fmt: skip
    _command(sub, "tasks", "list the available tasks (built-in and installed plugins)", _list_tasks, lambda p: None)
    for name, (help_text, module) in EXTRA_COMMANDS.items():
        if importlib.util.find_spec(module) is not None:
            _command(sub, name, help_text, _lazy(module, "handle"), _lazy_args(module))
    return parser


# Commands of other modules: name -> (help, module with add_arguments(parser) and handle(ns)).
EXTRA_COMMANDS: dict[str, tuple[str, str]] = {
    "analyze": (
        "failure modes of a run; on a folder also the retrieval effect (vs retriever=none)",
        "harness.cli.analyze",
    ),
    "table": ("comparison tables from run directories (markdown, latex, csv)", "harness.cli.table"),
    "plot": ("plots from run directories (PNG and SVG)", "harness.cli.plot"),
    "report": ("a self-contained HTML report of run directories", "harness.cli.report"),
    "export-lm-eval": ("write an lm-evaluation-harness task folder for your data", "harness.cli.export_lm_eval"),
    "data": ("fetch the official LaMP files into a data root, list and verify them", "harness.cli.data"),
    "export-preds": ("official predictions files (one per task) from run directories", "harness.cli.export_preds"),
}


def _command(sub, name: str, help_text: str, handler: Callable, add_args: Callable) -> None:
    command = sub.add_parser(name, help=help_text)
    add_args(command)
    command.set_defaults(handler=handler)


def _lazy(module: str, attr: str) -> Callable:
    def call(ns):
        return getattr(importlib.import_module(module), attr)(ns)

    return call


def _lazy_args(module: str) -> Callable:
    def add(parser):
        importlib.import_module(module).add_arguments(parser)

    return add


def _score_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", required=True, help="LaMP_1 … LaMP_7 or a plugin task name")
    p.add_argument("--golds", required=True, help="gold outputs file (official format)")
    p.add_argument("--preds", required=True, help="predictions file (official outputs format)")
    p.add_argument("--official", action="store_true",
                   help="the official scorer's arithmetic: LaMP_3 in float32, ROUGE as the bootstrap mid")  # fmt: skip
    p.add_argument("--rouge-seed", type=int, default=0, help="--official ROUGE: bootstrap seed (default 0)")
    p.add_argument("--rouge-resamples", type=int, default=1000, help="--official ROUGE: resamples (default 1000)")


def _score(ns: argparse.Namespace) -> None:
    """Print the official metric object for a predictions file."""
    from harness.data.load import check_golds, id_diff, read_outputs
    from harness.registry import get_task
    from harness.run.metrics import score, score_official

    task = get_task(ns.task)
    golds = read_outputs(ns.golds, task)
    check_golds(golds, task, ns.golds)
    preds = read_outputs(ns.preds, task)
    missing, extra = sorted(set(golds) - set(preds)), sorted(set(preds) - set(golds))
    if missing or extra:
        raise DataError(ns.preds, None, "id", f"prediction ids differ from the gold ids: {id_diff(missing, extra)}")
    ids = list(golds)
    pred_list, gold_list = [preds[i] for i in ids], [golds[i] for i in ids]
    result: dict = score(task.metrics, pred_list, gold_list, task.labels)
    if ns.official:
        plain = result
        result = score_official(task.metrics, pred_list, gold_list, task.labels, ns.rouge_resamples, ns.rouge_seed)
        if any(name.startswith("rouge") for name in task.metrics):
            result = {
                **result,
                "plain_mean": plain,
                "bootstrap": {"resamples": ns.rouge_resamples, "seed": ns.rouge_seed},
            }
    print(json.dumps(result, allow_nan=False))  # never a bare NaN: the output is always valid JSON


def _retrieve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", required=True)
    p.add_argument("--questions", required=True, help="questions file (JSON list, JSON lines, or HF dataset)")
    p.add_argument("--retriever", default="bm25", help="none | bm25 | dense | recency | random")
    p.add_argument("--k", type=int, default=1, help="items per question")
    p.add_argument("--out", required=True)
    p.add_argument("--tokenizer", default="whitespace", help="bm25: whitespace (official) | normalised")
    p.add_argument("--model", default=None, help="dense: sentence-transformers model (default: embedded MiniLM)")
    p.add_argument("--pooling", default="model", help="dense: model | mean (Contriever)")
    p.add_argument("--similarity", default="cosine", help="dense: cosine | dot (Contriever)")
    p.add_argument("--seed", type=int, default=0, help="random: seed")
    p.add_argument("--cache-dir", default=None, help="cache folder (default $REAPER_CACHE or ~/.cache/reaper)")
    p.add_argument("--no-cache", action="store_true", help="recompute instead of reading the retrieval cache")


def _retrieved(ns: argparse.Namespace):
    """Load the questions, validate them, and retrieve; shared by retrieve and prompts."""
    from harness.config import RetrieverConfig
    from harness.data.load import read_questions
    from harness.paths import cache_dir
    from harness.registry import get_task
    from harness.run.cached_retrieval import retrieve_items

    if ns.k < 0:
        raise ReaperError(f"--k must be 0 or more, got {ns.k}")
    task = get_task(ns.task)
    examples, data_hash = read_questions(ns.questions, task)
    spec = RetrieverConfig(name=ns.retriever, k=ns.k, tokenizer=ns.tokenizer, model=ns.model,
                           pooling=ns.pooling, similarity=ns.similarity, seed=ns.seed)  # fmt: skip
    cache = Path(ns.cache_dir).expanduser() if ns.cache_dir else cache_dir()
    if ns.no_cache:
        data_hash = f"{data_hash}:nocache"
    return task, examples, retrieve_items(task, examples, spec, cache, data_hash, ns.questions, not ns.no_cache)


def _retrieve(ns: argparse.Namespace) -> None:
    from harness.io import write_json_atomic
    from harness.run.cached_retrieval import item_ids

    _, examples, retrieved = _retrieved(ns)
    write_json_atomic(Path(ns.out), [{"id": e.id, "profile_ids": item_ids(retrieved[e.id])} for e in examples])


def _prompts_args(p: argparse.ArgumentParser) -> None:
    _retrieve_args(p)
    p.add_argument("--max-tokens", type=int, default=None, help="token budget for profile items (default: none)")
    p.add_argument("--budget-tokenizer", default=None, help="HF tokenizer for the budget (default: whitespace words)")


def _prompts(ns: argparse.Namespace) -> None:
    from harness.io import write_jsonl_atomic
    from harness.run.profile_prompts import WHITESPACE, build_prompts, hf_counter

    task, examples, retrieved = _retrieved(ns)
    counter = hf_counter(ns.budget_tokenizer) if ns.budget_tokenizer else WHITESPACE
    prompts = build_prompts(task, examples, retrieved, ns.max_tokens, counter)
    write_jsonl_atomic(Path(ns.out), ({"id": e.id, "prompt": p} for e, p in zip(examples, prompts, strict=True)))


def _rundir_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", help="a run directory (with spec.json and generations.jsonl), or a folder of them")


def _rescore_args(p: argparse.ArgumentParser) -> None:
    _rundir_args(p)
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                   help="analyzer settings as in reaper run (analyzer=PRESET, analyzer.<analyzer>.<key>=VALUE),"
                   " on top of each run's own")  # fmt: skip


def _rescore(ns: argparse.Namespace) -> None:
    """Scores and analysis again, from the run's files; the analyzers use the run's own settings + overrides."""
    from harness.analyzers.run_analysis import analyze_run
    from harness.cli.analyze import Choice
    from harness.run.pipeline import score_run

    root = Path(ns.run_dir)
    runs = run_dirs(root)
    for run_dir in runs:
        for name in ("spec.json", "inputs.jsonl", "generations.jsonl"):
            if not (run_dir / name).exists():
                raise ReaperError(f"{run_dir}: not a run directory (no {name})")
    choice = Choice(overrides=list(ns.overrides))
    settings = {run_dir: choice.settings(json.loads((run_dir / "spec.json").read_text())) for run_dir in runs}
    for run_dir in runs:
        summary = score_run(run_dir)  # samples are rebuilt without tags: analyse them again
        analyze_run(run_dir, *settings[run_dir])
        metrics = {k: v["value"] for k, v in summary["metrics"].items() if "@" not in k}
        print(json.dumps(metrics if run_dir == root else {"run": str(run_dir.relative_to(root)), **metrics}))


def run_dirs(root: Path) -> list[Path]:
    """``root`` when it is a run directory (has spec.json), else every run directory inside it."""
    if (root / "spec.json").exists():
        return [root]
    found = sorted(p.parent for p in root.rglob("spec.json")) if root.is_dir() else []
    if not found:
        raise ReaperError(f"{root}: neither a run directory nor a folder of runs (no spec.json in it)")
    return found


def _list_tasks(ns: argparse.Namespace) -> None:
    from harness.registry import TASKS

    for name in TASKS.names():
        print(name)


if __name__ == "__main__":
    sys.exit(main())
