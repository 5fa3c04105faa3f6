"""The documented lm-eval path generates what `reaper run` generates (the embedded model, greedy).

`reaper export-lm-eval DIR --model smollm2_hf` writes the model config's generation settings into
the tasks and prints the lm-eval command line; that line is run as printed (plus --limit and the
output flags) with the real lm-eval CLI, and its generations are compared one by one with those of
`reaper run model=smollm2_hf` on the same questions. Greedy decoding: all must be equal.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LIMIT = 6
TASKS = ("lamp2", "lamp3", "lamp4")


@pytest.mark.embedded
def test_printed_lm_eval_command_generates_what_reaper_run_generates(tmp_path: Path) -> None:
    env = {**os.environ, "REAPER_CACHE": os.environ.get("REAPER_CACHE", str(tmp_path / "cache")), "CI": "1",
           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONPATH": str(REPO)}  # fmt: skip
    reaper = [sys.executable, "-m", "harness.cli.main"]
    export = subprocess.run([*reaper, "export-lm-eval", str(tmp_path / "lme"), "--tasks", "LaMP_2,LaMP_3,LaMP_4",
                             "--retrievers", "bm25", "--model", "smollm2_hf"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert export.returncode == 0, export.stderr
    command = shlex.split(export.stdout.strip().splitlines()[-1])
    assert command[:2] == ["lm-eval", "run"] and "--apply_chat_template" in command
    assert "max_gen_toks: 64" in (tmp_path / "lme" / "reaper_lamp4_bm25.yaml").read_text()
    command[0] = str(Path(sys.executable).with_name("lm-eval"))
    out = tmp_path / "lm_eval_out"
    lm_eval = subprocess.run([*command, "--limit", str(LIMIT), "--output_path", str(out), "--log_samples"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
    assert lm_eval.returncode == 0, lm_eval.stderr[-3000:]
    theirs = {}
    for path in out.rglob("samples_*.jsonl"):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            theirs[(row["doc"]["lamp_task"], row["doc"]["id"])] = row["resps"][0][0]

    run = subprocess.run([*reaper, "run", "-m", f"task={','.join(TASKS)}", "retriever=bm25", "model=smollm2_hf",
                          f"task.limit={LIMIT}", f"runs_dir={tmp_path / 'runs'}", "analyze=false",
                          f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    ours = {}
    for gens in (tmp_path / "runs").glob("*/generations.jsonl"):
        task = json.loads((gens.parent / "spec.json").read_text())["config"]["task"]["name"]
        for line in gens.read_text().splitlines():
            row = json.loads(line)
            ours[(task, row["id"])] = row["raw_text"]

    assert len(ours) == len(TASKS) * LIMIT and set(theirs) == set(ours)
    equal = sum(theirs[key] == ours[key] for key in ours)
    print(f"lm-eval vs reaper run: {equal}/{len(ours)} generations equal")
    assert equal == len(ours), [(key, ours[key], theirs[key]) for key in ours if theirs[key] != ours[key]][:3]


def test_export_writes_a_model_configs_sampling_and_prints_its_lm_eval_line(tmp_path: Path, capsys) -> None:
    from harness.cli.main import main

    assert main(["export-lm-eval", str(tmp_path), "--tasks", "LaMP_4", "--retrievers", "none", "--model",
                 "qwen3_8b_think"]) == 0  # fmt: skip
    printed = capsys.readouterr().out.strip().splitlines()
    words = shlex.split(printed[-1])
    assert printed[0] == "reaper_lamp4_none" and "--apply_chat_template" in words
    assert words[words.index("--batch_size") + 1] == "256"  # the config's batch size, not lm-eval's 1
    args = words[words.index("--model_args") + 1]
    assert "pretrained=Qwen/Qwen3-8B" in args and "think_end_token=</think>" in args and "enable_thinking=True" in args
    yaml = (tmp_path / "reaper_lamp4_none.yaml").read_text()
    for line in ("max_gen_toks: 8192", "do_sample: true", "temperature: 0.6", "top_p: 0.95", "top_k: 20"):
        assert f"  {line}\n" in yaml
    assert main(["export-lm-eval", str(tmp_path / "x"), "--model", "no_such_model"]) == 2
    assert "no hydra_conf/model/no_such_model.yaml" in capsys.readouterr().err
