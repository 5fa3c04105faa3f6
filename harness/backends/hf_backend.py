"""The hf backend: plain transformers ``generate`` with left-padded batches, CPU or GPU.

A reference path with no engine process: slower than vLLM, but it loads any causal LM that
transformers loads, and it is what the tests use on tiny random models. It renders prompts exactly
like vLLM does (the tokenizer's chat template with ``chat_template_kwargs``, then tokenized
without special tokens), so both backends see the same token ids for the same request.

Sampling comes only from ``GenerationConfig`` (a fresh transformers ``GenerationConfig`` replaces
the model's defaults): greedy when temperature is 0, else sampling seeded with ``gen.seed`` (the
draw depends on the batch composition, as in any batched sampler). Stop strings are cut from the
text like vLLM does. Latency per request is the batch's wall time divided by its size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from harness.backends.base import build_generation, chat_messages, failed_generation, model_identity, model_path
from harness.backends.embedded_model import resolve_model_path
from harness.config import GenerationConfig, ModelConfig, engine_settings
from harness.registry import BACKENDS
from harness.types import Generation, Request


class HfDtype(str, Enum):
    """Weights' dtype: a torch dtype name, or auto (the checkpoint's own)."""

    auto = "auto"
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"


@dataclass
class HfEngine:
    """``model.engine`` of backend=hf (checked by harness.config.engine_settings before the model loads)."""

    device: str | None = None
    """torch device the model runs on (cpu, cuda, cuda:1, mps); None = cuda when available, else cpu."""
    dtype: HfDtype | None = None
    """auto | float32 | float16 | bfloat16; None = float32 on CPU (bf16 matmuls are slow without AMX), auto on GPU."""
    attn_implementation: str | None = None
    """from_pretrained's attention kernel (eager, sdpa, flash_attention_2); None = transformers' choice."""
    trust_remote_code: bool = False
    """run the model repository's own code (custom architectures), for the model and its tokenizer."""
    from_pretrained: dict[str, Any] = field(default_factory=dict)
    """further keyword arguments of AutoModelForCausalLM.from_pretrained, passed as given (from_pretrained
    hands unknown ones to the model config, so they cannot be checked here)."""

    def model_kwargs(self) -> dict[str, Any]:
        """from_pretrained keyword arguments besides path, revision and dtype."""
        named = {"attn_implementation": self.attn_implementation, "trust_remote_code": self.trust_remote_code or None}
        return {**{k: v for k, v in named.items() if v is not None}, **self.from_pretrained}


@BACKENDS.register("hf")
class HfBackend:
    """One transformers model and tokenizer; ``model.engine`` is ``HfEngine`` (device, dtype, kwargs)."""

    name = "hf"
    engine_schema = HfEngine  # model.engine is checked against it before the model loads
    supports_raw_prompt = True
    supports_continue_final_message = True
    tokenizer: Any
    model: ModelConfig
    model_id: str

    def __init__(self, model: ModelConfig) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model = model
        self.model_id = model_identity(model)
        self.path = resolve_model_path(model_path(model))
        engine = engine_settings(HfEngine, model.engine, "hf")
        self.device = engine.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = engine.dtype.value if engine.dtype else ("float32" if self.device == "cpu" else "auto")
        remote = {"trust_remote_code": True} if engine.trust_remote_code else {}
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, revision=model.revision, **remote)
        self.tokenizer.padding_side = "left"  # decoder-only batches must end at the same position
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.lm = AutoModelForCausalLM.from_pretrained(
            self.path,
            revision=model.revision,
            dtype=dtype if dtype == "auto" else getattr(torch, dtype),
            **engine.model_kwargs(),
        ).to(self.device)  # type: ignore[arg-type]  # transformers' stubs type .to() for modules only
        self.lm.eval()
        eos = self.lm.generation_config.eos_token_id
        eos = eos if eos is not None else self.tokenizer.eos_token_id
        self.eos_ids: set[int] = set(eos if isinstance(eos, list) else [eos])

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` with the model's tokenizer (no special tokens)."""
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt_text(self, request: Request) -> str:
        """The exact text fed to the model: the raw prompt, or the rendered chat template."""
        if request.raw_prompt is not None:
            return request.raw_prompt
        cont = request.continue_final_message
        return str(
            self.tokenizer.apply_chat_template(
                chat_messages(request, self.model),
                tokenize=False,
                add_generation_prompt=not cont,
                continue_final_message=cont,
                **self.model.chat_template_kwargs,
            )
        )

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        """Generate for the batch; same order out. A failing batch (e.g. out of memory) is halved and
        retried; a single failing request becomes a Generation with ``error`` set."""
        if not requests:
            return []
        started = time.perf_counter()
        try:
            return self._generate(requests, gen)
        except Exception as exc:  # noqa: BLE001 - becomes a per-request error
            if len(requests) == 1:
                return [self._error(requests[0], exc, time.perf_counter() - started)]
            half = len(requests) // 2
            return self.generate(requests[:half], gen) + self.generate(requests[half:], gen)

    def _generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        import torch

        started = time.perf_counter()
        batch = self.tokenizer(
            [self.prompt_text(r) for r in requests], return_tensors="pt", padding=True, add_special_tokens=False
        ).to(self.device)
        kwargs: dict[str, Any] = {"tokenizer": self.tokenizer} if gen.stop else {}  # stop strings need it
        if gen.temperature > 0:
            torch.manual_seed(gen.seed)
        with torch.inference_mode():
            out = self.lm.generate(**batch, generation_config=self._hf_config(gen), **kwargs)
        new_tokens = out[:, batch["input_ids"].shape[1] :].tolist()
        prompt_lens = batch["attention_mask"].sum(dim=1).tolist()
        latency = (time.perf_counter() - started) / len(requests)
        return [
            self._assemble(r, tokens, int(n), gen, latency)
            for r, tokens, n in zip(requests, new_tokens, prompt_lens, strict=True)
        ]

    def _hf_config(self, gen: GenerationConfig):
        """A fresh transformers GenerationConfig, so model defaults (e.g. temperature 0.6) never leak in."""
        from transformers import GenerationConfig as HfGenerationConfig

        sampling = gen.temperature > 0
        return HfGenerationConfig(
            max_new_tokens=gen.max_new_tokens,
            do_sample=sampling,
            temperature=gen.temperature if sampling else None,
            top_p=gen.top_p if sampling else None,
            top_k=(gen.top_k if gen.top_k > 0 else 0) if sampling else None,
            min_p=(gen.min_p or None) if sampling else None,
            eos_token_id=sorted(self.eos_ids),
            pad_token_id=self.tokenizer.pad_token_id,
            stop_strings=list(gen.stop) or None,
        )

    def _assemble(self, request: Request, tokens: list[int], prompt_len: int, gen: GenerationConfig, latency: float):
        """Cut at the first EOS (the rest is padding), then at a stop string; derive the finish reason."""
        end = next((i for i, t in enumerate(tokens) if t in self.eos_ids), None)
        completion = tokens[: end + 1] if end is not None else list(tokens)
        while end is None and completion and completion[-1] == self.tokenizer.pad_token_id:
            completion.pop()  # rows stopped by a stop string are padded until the batch ends
        text = str(self.tokenizer.decode(completion[:end] if end is not None else completion, skip_special_tokens=True))
        cuts = [text.find(s) for s in gen.stop if s and s in text]
        stop_string = min((s for s in gen.stop if s and s in text), key=text.find, default=None)
        if cuts:
            text = text[: min(cuts)]
        hit_limit = end is None and not cuts and len(completion) >= gen.max_new_tokens
        generation = build_generation(
            request,
            self.model,
            text,
            finish_reason="length" if hit_limit else "stop",
            latency_s=latency,
            prompt_tokens=prompt_len,
            count_tokens=self.count_tokens,
        )
        generation.extra["completion_tokens"] = len(completion)
        if stop_string is not None:  # the stop string that ended it, as vLLM reports it
            generation.extra["stop_reason"] = stop_string
        return generation

    def _error(self, request: Request, exc: Exception, latency: float) -> Generation:
        return failed_generation(request, self.model, exc, latency)

    def close(self) -> None:
        """Drop the model (and free GPU memory when there is one)."""
        import torch

        self.lm = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
