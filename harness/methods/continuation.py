"""How an intervened trace is continued (raw prompt or continued assistant message) and with which tokenizer.

``raw`` renders the chat template once (system prompt and prompted-reasoning instruction included,
as the backends do for chat) and continues ``rendered prompt + trace`` as a raw prompt: vllm, hf,
and OpenAI-compatible servers with /completions. ``chat`` continues a partial assistant message
(``continue_final_message``) for servers without a completions endpoint that support it. A backend
that supports neither fails at start, in ``check``, never mid-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from harness.backends.base import chat_messages
from harness.backends.pool import LazyBackend
from harness.config import ModelConfig
from harness.errors import ReaperError
from harness.types import Backend, Request

MODES = ("auto", "raw", "chat")


@dataclass
class Continuation:
    """How a trace is continued, and the tokenizer that renders prompts and counts tokens."""

    mode: str  # raw | chat
    tokenizer: Any | None = None
    model: ModelConfig | None = None

    def count(self, text: str) -> int:
        """Tokens of ``text`` with the model's tokenizer; without one, a words x 4/3 estimate."""
        if not text:
            return 0
        if self.tokenizer is not None:
            return len(self.tokenizer.encode(text, add_special_tokens=False))
        return max(1, round(len(text.split()) * 4 / 3))

    def render(self, messages: list[dict[str, str]]) -> str:
        """The prompt text a chat request would get, ready for a raw continuation.

        Backends tokenise raw prompts without adding special tokens (like a rendered chat prompt), so
        a BOS the template writes is kept as text here.
        """
        tok = self.tokenizer
        assert tok is not None, "render needs the model's tokenizer"
        model = self.model or ModelConfig()
        full = chat_messages(Request(id="", messages=messages), model)
        return tok.apply_chat_template(full, tokenize=False, add_generation_prompt=True, **model.chat_template_kwargs)


IN_PROCESS = ("vllm", "hf")  # engines that always take raw prompts and whose tokenizer loads from the model path


def model_tokenizer(backend: Backend, path: str | None = None, required: bool = False) -> Any | None:
    """The model's tokenizer without starting an engine (None if it has none and none is required).

    The pool's lazy proxy is not asked while its in-process engine is unloaded (asking would start
    it, and a rerun served from the store needs no engine): the same tokenizer, with the same chat
    template, loads from the model path in well under a second.
    """
    if path is not None:
        return _load_tokenizer(path, None)
    model = backend.model
    if model.backend in IN_PROCESS and isinstance(backend, LazyBackend) and not backend.loaded:
        return _load_tokenizer(model.path, model.revision)
    tok = backend.tokenizer
    if tok is None and required:
        return _load_tokenizer(model.path, model.revision)
    return tok


def supports_raw_prompt(backend: Backend) -> bool:
    """Whether raw prompts are accepted (asked without starting an in-process engine)."""
    return backend.supports_raw_prompt  # the pool answers from the class, without starting an engine


def resolve_continuation(backend: Backend, requested: str = "auto", tokenizer: str | None = None) -> Continuation:
    """Pick raw or chat continuation for ``backend``; a ReaperError at start if neither works."""
    if requested not in MODES:
        raise ReaperError(f"method.params.continuation={requested!r}; known: {', '.join(MODES)}")
    model = backend.model
    if requested == "chat":
        return Continuation("chat", model_tokenizer(backend, tokenizer), model)
    if not supports_raw_prompt(backend):
        if requested == "auto" and backend.supports_continue_final_message:
            return Continuation("chat", model_tokenizer(backend, tokenizer), model)
        name = model.name
        raise ReaperError(
            f"reasoning-process intervention needs raw-prompt continuations, but model {name!r} on backend "
            f"{backend.name!r} is chat-only (no /completions endpoint); use a server with /completions, or "
            "set method.params.continuation=chat if it continues a partial assistant message"
        )
    return Continuation("raw", model_tokenizer(backend, tokenizer, required=True), model)


@lru_cache(maxsize=4)
def _load_tokenizer(path: str, revision: str | None) -> Any:
    """A tokenizer (with its chat template) from a model path, hub id or embedded name."""
    try:
        from transformers import AutoTokenizer

        from harness.backends.embedded_model import resolve_model_path

        return AutoTokenizer.from_pretrained(resolve_model_path(path), revision=revision)
    except Exception as exc:  # noqa: BLE001 - any failure means the same thing to the user
        raise ReaperError(
            f"raw-prompt continuation renders the model's chat template, but no tokenizer loads from {path!r} "
            f"({type(exc).__name__}); set method.params.tokenizer=PATH or method.params.continuation=chat"
        ) from None
