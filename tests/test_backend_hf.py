"""HfBackend on the tiny random model: order, token counts, finish reasons, prompt rendering."""

from __future__ import annotations

import re

import pytest

from harness.backends.base import PROMPTED_REASONING_INSTRUCTION
from harness.config import GenerationConfig, ModelConfig
from harness.registry import BACKENDS
from harness.types import Request

GREEDY = GenerationConfig(max_new_tokens=12, temperature=0.0)


def _requests(n: int = 4) -> list[Request]:
    """Prompts of distinct lengths, so prompt token counts identify each request."""
    return [
        Request(id=f"q{i}", messages=[{"role": "user", "content": "Rate the restaurant downtown. " * (i + 1)}])
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def backend(tiny_model_dir: str):
    b = BACKENDS.get("hf")(ModelConfig(name="tiny", backend="hf", path=tiny_model_dir))
    yield b
    b.close()


def test_batch_order_and_token_counts(backend) -> None:
    requests = _requests()
    gens = backend.generate(requests, GREEDY)
    assert [g.id for g in gens] == [r.id for r in requests]
    for request, g in zip(requests, gens, strict=True):
        expected_prompt = len(backend.tokenizer.encode(backend.prompt_text(request), add_special_tokens=False))
        assert g.prompt_tokens == expected_prompt
        assert g.answer_tokens == backend.count_tokens(g.answer)
        assert g.reasoning is None and g.reasoning_tokens == 0
        assert 1 <= g.extra["completion_tokens"] <= GREEDY.max_new_tokens
        assert (g.backend, g.model, g.error) == ("hf", f"hf:{backend.path}@default", None)
        assert g.latency_s > 0
    assert len({g.prompt_tokens for g in gens}) == len(gens)
    # Left padding must not change greedy outputs: each batched output equals its solo output.
    solo = [backend.generate([r], GREEDY)[0] for r in requests[:2]]
    assert [g.raw_text for g in solo] == [g.raw_text for g in gens[:2]]


def test_finish_reason_length_when_max_tokens_small(backend) -> None:
    gens = backend.generate(_requests(2), GenerationConfig(max_new_tokens=3))
    for g in gens:
        assert (g.finish_reason, g.truncated, g.extra["completion_tokens"]) == ("length", True, 3)


def test_stop_string_cuts_text(backend) -> None:
    request = _requests(1)[0]
    full = backend.generate([request], GenerationConfig(max_new_tokens=32))[0].raw_text
    match = re.search(r"[A-Za-z]{3,}", full[1:])
    assert match is not None, f"the seeded tiny model wrote no ASCII word to stop on: {full!r}"
    stop = match.group(0)
    g = backend.generate([request], GenerationConfig(max_new_tokens=32, stop=[stop]))[0]
    assert (g.raw_text, g.finish_reason, g.truncated) == (full[: full.find(stop)], "stop", False)


def test_prompted_reasoning_instruction_in_prompt(tiny_model_dir: str, backend) -> None:
    prompted = BACKENDS.get("hf")(ModelConfig(backend="hf", path=tiny_model_dir, prompted_reasoning=True))
    request = _requests(1)[0]
    text = prompted.prompt_text(request)
    assert text.startswith(f"<|im_start|>system\n{PROMPTED_REASONING_INSTRUCTION}<|im_end|>\n<|im_start|>user\n")
    assert PROMPTED_REASONING_INSTRUCTION not in backend.prompt_text(request)
    g = prompted.generate([request], GREEDY)[0]
    extra = len(prompted.tokenizer.encode(text, add_special_tokens=False))
    assert g.prompt_tokens == extra > backend.generate([request], GREEDY)[0].prompt_tokens
    prompted.close()


def test_raw_prompt_and_continue_final_message(backend) -> None:
    cont = Request(
        id="c",
        messages=[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "<think>ok"}],
        continue_final_message=True,
    )
    assert backend.prompt_text(cont) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>ok"
    raw = Request(id="r", raw_prompt=backend.prompt_text(cont))
    gens = backend.generate([cont, raw], GREEDY)
    assert [g.id for g in gens] == ["c", "r"]
    assert gens[0].prompt_tokens == gens[1].prompt_tokens
    assert gens[0].raw_text == gens[1].raw_text  # the same tokens in, the same greedy tokens out


def test_chat_template_kwargs_reach_the_template(tiny_model_dir: str) -> None:
    b = BACKENDS.get("hf")(
        ModelConfig(backend="hf", path=tiny_model_dir, chat_template_kwargs={"enable_thinking": False})
    )
    b.tokenizer.chat_template += (
        "{% if enable_thinking is defined and not enable_thinking %}<think>\n\n</think>\n\n{% endif %}"
    )
    assert b.prompt_text(_requests(1)[0]).endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    b.close()


# --- model path resolution (shared by the hf and vllm backends) ----------------------------------


def test_resolve_model_path_passes_hub_ids_and_rejects_missing_local_paths(tmp_path) -> None:
    from harness.backends.embedded_model import resolve_model_path
    from harness.errors import ReaperError

    assert resolve_model_path("Qwen/Qwen3-8B") == "Qwen/Qwen3-8B"
    assert resolve_model_path(str(tmp_path)) == str(tmp_path)
    with pytest.raises(ReaperError, match="does not exist"):
        resolve_model_path(str(tmp_path / "missing"))
    with pytest.raises(ReaperError, match="unknown embedded model 'embedded:nope'"):
        resolve_model_path("embedded:nope")


def test_embedded_preparation_runs_once_under_concurrency(tmp_path, monkeypatch) -> None:
    """Two callers at once: one converts (into a temp dir, then renamed), the other waits and reuses."""
    import threading
    import time

    from harness.backends import embedded_model as embedded

    calls: list[str] = []

    def fake_convert(src, gguf_name, out) -> None:
        calls.append(str(out))
        time.sleep(0.3)  # the second caller arrives while the first still converts
        (out / "config.json").write_text("{}")

    monkeypatch.setattr(embedded, "_convert", fake_convert)
    monkeypatch.setattr(embedded, "_gguf_dir", lambda package, name: tmp_path)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(embedded.resolve_model_path("embedded:smollm2", tmp_path)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    target = tmp_path / "models" / "smollm2-135m-instruct"
    assert results == [str(target)] * 2 and len(calls) == 1
    assert (target / "config.json").is_file() and calls[0] != str(target)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [
        "smollm2-135m-instruct",
        "smollm2-135m-instruct.lock",
    ]


def test_failed_embedded_preparation_leaves_nothing_behind(tmp_path, monkeypatch) -> None:
    from harness.backends import embedded_model as embedded

    def broken_convert(src, gguf_name, out) -> None:
        (out / "partial.bin").write_text("x")
        raise OSError("disk full")

    monkeypatch.setattr(embedded, "_convert", broken_convert)
    monkeypatch.setattr(embedded, "_gguf_dir", lambda package, name: tmp_path)
    with pytest.raises(OSError, match="disk full"):
        embedded.resolve_model_path("embedded:smollm2", tmp_path)
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["smollm2-135m-instruct.lock"]


def test_engine_settings_reach_the_loaded_model(tiny_model_dir: str) -> None:
    """model.engine's dtype, device and attention kernel are what the loaded model has."""
    import torch

    engine = {"dtype": "bfloat16", "device": "cpu", "attn_implementation": "eager"}
    b = BACKENDS.get("hf")(ModelConfig(backend="hf", path=tiny_model_dir, engine=engine))
    try:
        assert b.lm.dtype == torch.bfloat16 and b.device == "cpu"
        assert b.lm.config._attn_implementation == "eager"
    finally:
        b.close()
    default = BACKENDS.get("hf")(ModelConfig(backend="hf", path=tiny_model_dir))
    try:
        assert default.lm.dtype == torch.float32  # CPU default
    finally:
        default.close()
