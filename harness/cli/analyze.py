"""``reaper analyze RUN_DIR``: tag each sample with its failure modes and add their rates to summary.json.

Runs from the run directory alone (no model), except with ``--judge-model``, which loads that
model to run the optional LLM judge beside the rule-based analyzers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="a scored run directory (spec.json, samples.jsonl)")
    parser.add_argument(
        "--analyzers", default=None,
        help="comma-separated analyzer names (default: format_misalignment,divergent_thinking,retrieval_misuse"
        " and llm_judge when --judge-model is given)",
    )  # fmt: skip
    parser.add_argument(
        "--judge-model", default=None, help="model for llm_judge: a hydra_conf/model name or a YAML path"
    )


def handle(ns: argparse.Namespace) -> None:
    from harness.analyzers.run_analysis import analyze_run
    from harness.errors import ReaperError

    run_dir = Path(ns.run_dir)
    if not run_dir.is_dir():
        raise ReaperError(f"{run_dir}: no such run directory")
    names = [n.strip() for n in ns.analyzers.split(",") if n.strip()] if ns.analyzers else None
    config = {"llm_judge": {"model": ns.judge_model}} if ns.judge_model else None
    if names and "llm_judge" in names and not ns.judge_model:
        raise ReaperError("the llm_judge analyzer needs --judge-model")
    entries = analyze_run(run_dir, config=config, names=names)
    print(json.dumps({k: entries[k] for k in ("failure_modes", "judge_agreement") if k in entries}, indent=2))
