"""``reaper analyze RUN_DIR | RUNS_DIR``: failure modes per run, and the counterfactual retrieval effect across runs.

Given one run directory: tag each sample with its failure modes and add their rates to
summary.json (as always). Given a folder of runs: do that for every run found in it, then pair each
run with retrieval with its ``retriever=none`` twin and write ``retrieval_effect.json`` into the
retrieval run's directory (``harness.analyzers.retrieval_effect``). Runs from the run directories
alone (no model), except with ``--judge-model``, which loads that model for the optional LLM judge.

Analyzer settings are Hydra overrides after the directory, as in ``reaper run``
(``reaper analyze RUNS analyzer=lexical analyzer.divergent_thinking.drift_share=0.4``), applied on
top of each run's own settings (harness.cli.analysis_settings).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="a scored run directory (spec.json, samples.jsonl), or a folder of them")
    parser.add_argument(
        "overrides", nargs="*", metavar="OVERRIDE",
        help="analyzer settings as in reaper run: analyzer=PRESET, analyzer.<analyzer>.<key>=VALUE"
        " (on top of each run's own settings)",
    )  # fmt: skip
    parser.add_argument(
        "--analyzers", default=None,
        help="comma-separated analyzer names (default: format_misalignment,divergent_thinking,retrieval_misuse"
        " and llm_judge when --judge-model is given)",
    )  # fmt: skip
    parser.add_argument(
        "--judge-model", default=None, help="model for llm_judge: a hydra_conf/model name or a YAML path"
    )
    parser.add_argument(
        "--retrieval-effect-only", action="store_true",
        help="folder of runs: compute only the retrieval effect (runs already analysed keep their failure modes)",
    )  # fmt: skip


def handle(ns: argparse.Namespace) -> None:
    from harness.errors import ReaperError

    run_dir = Path(ns.run_dir)
    if not run_dir.is_dir():
        raise ReaperError(f"{run_dir}: no such run directory")
    choice = Choice(
        overrides=list(ns.overrides),
        names=[n.strip() for n in ns.analyzers.split(",") if n.strip()] if ns.analyzers else None,
        judge_model=ns.judge_model,
    )
    if (run_dir / "spec.json").exists():
        if ns.retrieval_effect_only:
            raise ReaperError(f"{run_dir}: --retrieval-effect-only needs a folder of runs (a run and its twin)")
        print(json.dumps(_failure_modes(run_dir, choice), indent=2))
        return
    if not ns.retrieval_effect_only:
        choice.settings(None)  # a bad override is one line before any run is touched
    print(json.dumps(analyze_folder(run_dir, choice, ns.retrieval_effect_only), indent=2))


@dataclass
class Choice:
    """What the command line chose: analyzer overrides, ``--analyzers`` and ``--judge-model``."""

    overrides: list[str] = field(default_factory=list)
    names: list[str] | None = None
    judge_model: str | None = None

    def settings(self, spec: dict[str, Any] | None) -> tuple[dict[str, Any], list[str] | None]:
        """Per analyzer its keyword arguments, and the analyzers to run, for a run with ``spec``."""
        from harness.cli.analysis_settings import analyzer_config, run_analyzer_settings
        from harness.errors import ReaperError

        config = analyzer_config(self.overrides, run_analyzer_settings(spec) if spec else None)
        by_name = config.by_name()
        if self.judge_model:
            by_name["llm_judge"]["model"] = self.judge_model
        names = self.names or config.names
        if names and "llm_judge" in names and not by_name["llm_judge"].get("model"):
            raise ReaperError("the llm_judge analyzer needs --judge-model (or analyzer.llm_judge.model=MODEL)")
        return by_name, names


def _failure_modes(run_dir: Path, choice: Choice) -> dict[str, Any]:
    from harness.analyzers.run_analysis import analyze_run

    spec = json.loads((run_dir / "spec.json").read_text(encoding="utf-8"))
    config, names = choice.settings(spec)
    entries = analyze_run(run_dir, config=config, names=names)
    return {k: entries[k] for k in ("failure_modes", "judge_agreement") if k in entries}


def analyze_folder(folder: Path, choice: Choice, effect_only: bool) -> dict[str, Any]:
    """Every run's failure modes (unless ``effect_only``), then every retrieval run's effect."""
    from harness.analyzers.retrieval_effect import brief, retrieval_effects
    from harness.reporting.runs import find_runs

    runs = find_runs(folder)
    out: dict[str, Any] = {}
    if not effect_only:
        out["failure_modes"] = {run.path.name: _failure_modes(run.path, choice) for run in runs}
    out["retrieval_effect"] = [brief(record) for record in retrieval_effects(runs)]
    return out
