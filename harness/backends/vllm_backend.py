"""The vllm backend: one in-process ``vllm.LLM`` engine per model, a whole batch per engine call.

vLLM's throughput comes from continuous batching, so ``generate`` hands the engine every request of
a batch at once (``llm.chat`` with a list of conversations) instead of looping. Three request kinds
need different engine calls; each kind present in a batch is one call:

- plain chat: ``llm.chat(..., add_generation_prompt=True)``;
- ``continue_final_message``: the last (assistant) message is continued, no new turn is opened;
- ``raw_prompt``: an already-rendered prompt (reasoning-process interventions splice text into a
  trace), tokenized without special tokens exactly like a rendered chat prompt would be.

Latency per request is the wall time of the engine call divided by its number of requests: with
continuous batching there is no per-request wall time to measure, and this keeps sums meaningful.
Sampling comes only from ``GenerationConfig``; the model's own ``generation_config.json`` defaults
never apply because explicit ``SamplingParams`` are always passed.
"""

from __future__ import annotations

import gc
import json
import os
import time
from pathlib import Path
from typing import Any

from harness.backends.base import build_generation, chat_messages, failed_generation, model_identity, model_path
from harness.backends.embedded_model import resolve_model_path
from harness.backends.library_keywords import dataclass_fields, init_parameters
from harness.config import EngineKeywords, GenerationConfig, ModelConfig
from harness.registry import BACKENDS
from harness.types import Generation, Request

CPU_MAX_MODEL_LEN = 4096  # CPU default: KV cache and prefill cost grow with the context length
CPU_KV_CACHE_BYTES = 1 << 30  # CPU default: 1 GiB of KV cache (vLLM would otherwise reserve 92% of RAM)
SHUTDOWN_WAIT_S = 30.0  # how long close() lets the engine stop gracefully before killing it


def vllm_keywords() -> frozenset[str] | None:
    """Every keyword vllm.LLM accepts: its own parameters and EngineArgs' fields (None: vLLM not installed)."""
    own = init_parameters("vllm.entrypoints.llm", "LLM")
    fields = dataclass_fields("vllm.engine.arg_utils", "EngineArgs")
    return None if own is None or fields is None else own | fields


VLLM_ENGINE = EngineKeywords(
    library="vllm.LLM and its EngineArgs",
    names=vllm_keywords,
    elsewhere={"model": "model.path", "revision": "model.revision"},
    docs="https://docs.vllm.ai/en/latest/configuration/engine_args.html",
)
"""``model.engine`` of backend=vllm: any vllm.LLM keyword, checked by name before the engine starts."""


def engine_args(path: str, model: ModelConfig) -> dict[str, Any]:
    """``vllm.LLM`` kwargs: ``model.engine`` passes through; CPU-friendly defaults fill the gaps."""
    from vllm.platforms import current_platform

    args: dict[str, Any] = {"model": path, "revision": model.revision, "seed": 0}
    args.update(plain(model.engine))
    if current_platform.is_cpu():
        # On CPU, gpu_memory_utilization is a fraction of *RAM* and the default (0.92) fails on a
        # shared machine; an explicit KV cache size is predictable and skips a warm-up pass.
        if not {"kv_cache_memory_bytes", "gpu_memory_utilization"} & set(args) and not os.environ.get(
            "VLLM_CPU_KVCACHE_SPACE"
        ):
            args["kv_cache_memory_bytes"] = CPU_KV_CACHE_BYTES
        # torch.compile warm-up costs 30-130 s per engine start on 2 cores for ~20% more decode
        # throughput; eager is the better default for demos and tests (engine.enforce_eager=false to compile).
        args.setdefault("enforce_eager", True)
        if "max_model_len" not in args:
            limit = _max_positions(path)
            args["max_model_len"] = min(CPU_MAX_MODEL_LEN, limit) if limit else CPU_MAX_MODEL_LEN
    return args


def plain(mapping: Any) -> dict[str, Any]:
    """A plain dict from a dict or an OmegaConf DictConfig (nested values included), for engine kwargs."""
    from omegaconf import DictConfig, OmegaConf

    if isinstance(mapping, DictConfig):
        return OmegaConf.to_container(mapping, resolve=True)  # type: ignore[return-value]
    return dict(mapping or {})


def _max_positions(path: str) -> int | None:
    """The model's max_position_embeddings from a local config.json (None if unknown)."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return None
    data = json.loads(config.read_text())
    data = data.get("text_config", data)
    value = data.get("max_position_embeddings")
    return int(value) if value else None


def _descendants(psutil: Any, pid: int) -> list[Any]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def sampling_params(gen: GenerationConfig):
    """vLLM ``SamplingParams`` from the harness config (top_k -1 = off maps to vLLM's 0)."""
    from vllm import SamplingParams

    return SamplingParams(
        max_tokens=gen.max_new_tokens,
        temperature=gen.temperature,
        top_p=gen.top_p,
        top_k=gen.top_k if gen.top_k > 0 else 0,
        min_p=gen.min_p,
        seed=gen.seed,
        stop=list(gen.stop) or None,
    )


@BACKENDS.register("vllm")
class VllmBackend:
    """In-process vLLM engine, built once; ``close()`` shuts its engine process down."""

    name = "vllm"
    engine_schema = VLLM_ENGINE  # model.engine keys are checked against the installed vLLM before any engine
    supports_raw_prompt = True
    supports_continue_final_message = True
    tokenizer: Any
    model: ModelConfig
    model_id: str

    def __init__(self, model: ModelConfig) -> None:
        from vllm import LLM

        self.model = model
        self.model_id = model_identity(model)
        self.path = resolve_model_path(model_path(model))
        started = time.perf_counter()
        self.llm: Any = LLM(**engine_args(self.path, model))
        self.start_s = time.perf_counter() - started  # engine start time, for logs and benchmarks
        self.tokenizer = self.llm.get_tokenizer()

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` with the engine's tokenizer (no special tokens)."""
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        """Generate for the whole batch; same order out. One engine call per request kind present."""
        if self.llm is None:
            raise RuntimeError("VllmBackend is closed")
        params = sampling_params(gen)
        groups: dict[str, list[int]] = {"chat": [], "continue": [], "raw": []}
        for i, request in enumerate(requests):
            kind = "raw" if request.raw_prompt is not None else "continue" if request.continue_final_message else "chat"
            groups[kind].append(i)
        results: list[Generation | None] = [None] * len(requests)
        for kind, indices in groups.items():
            if indices:
                batch = [requests[i] for i in indices]
                for i, generation in zip(indices, self._run(kind, batch, params), strict=True):
                    results[i] = generation
        return [g for g in results if g is not None]

    def _run(self, kind: str, batch: list[Request], params) -> list[Generation]:
        """One engine call. If it raises (e.g. one prompt longer than max_model_len), split the batch
        in halves and retry, so a bad request is marked as an error while its neighbours still
        generate in (smaller) batches rather than one by one."""
        started = time.perf_counter()
        try:
            outputs = self._call(kind, batch, params)
        except Exception as exc:  # noqa: BLE001 - engine errors become per-request errors
            if len(batch) == 1:
                return [self._error(batch[0], exc, time.perf_counter() - started)]
            half = len(batch) // 2
            return self._run(kind, batch[:half], params) + self._run(kind, batch[half:], params)
        latency = (time.perf_counter() - started) / len(batch)
        return [self._assemble(request, output, latency) for request, output in zip(batch, outputs, strict=True)]

    def _call(self, kind: str, batch: list[Request], params) -> list[Any]:
        if kind == "raw":
            prompts = [
                {"prompt_token_ids": self.tokenizer.encode(r.raw_prompt or "", add_special_tokens=False)} for r in batch
            ]
            return self.llm.generate(prompts, params, use_tqdm=False)
        cont = kind == "continue"
        return self.llm.chat(
            [chat_messages(r, self.model) for r in batch],
            params,
            use_tqdm=False,
            add_generation_prompt=not cont,
            continue_final_message=cont,
            chat_template_kwargs=plain(self.model.chat_template_kwargs) or None,
        )

    def _assemble(self, request: Request, output: Any, latency: float) -> Generation:
        completion = output.outputs[0]
        generation = build_generation(
            request,
            self.model,
            completion.text,
            finish_reason=completion.finish_reason,
            latency_s=latency,
            prompt_tokens=len(output.prompt_token_ids or []),
            count_tokens=self.count_tokens,
        )
        generation.extra["completion_tokens"] = len(completion.token_ids)
        if isinstance(completion.stop_reason, str):  # the stop string that ended it (None: EOS or length)
            generation.extra["stop_reason"] = completion.stop_reason
        return generation

    def _error(self, request: Request, exc: Exception, latency: float) -> Generation:
        return failed_generation(request, self.model, exc, latency)

    def close(self) -> None:
        """Shut the engine down and wait for its processes (idempotent).

        vLLM gives the EngineCore 5 s by default, then force-kills it, which can strand its worker
        on a loaded machine; a longer graceful window lets the EngineCore stop its worker itself,
        and joining here reaps it. The ``multiprocessing`` resource tracker is not vLLM's: it lives
        as long as the Python process, as with any spawned multiprocessing child.
        """
        import psutil  # a vLLM dependency

        llm, self.llm = self.llm, None
        if llm is None:
            return
        core = llm.llm_engine.engine_core
        manager = getattr(getattr(core, "resources", None), "engine_manager", None)
        processes = list(getattr(manager, "processes", None) or [])
        workers = [w for p in processes if p.pid for w in _descendants(psutil, p.pid)]
        core.shutdown(timeout=SHUTDOWN_WAIT_S)
        del llm, core, manager
        gc.collect()
        for process in processes:
            process.join(SHUTDOWN_WAIT_S)
            if process.is_alive():
                process.kill()
                process.join(5)
        _, alive = psutil.wait_procs(workers, timeout=5)
        for worker in alive:
            worker.kill()

    def __enter__(self) -> VllmBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
