"""What every backend shares: chat messages for a request and turning raw output into a Generation."""

from __future__ import annotations

from harness.backends.reasoning_parsers import split_reasoning
from harness.config import ModelConfig
from harness.safe import public_url
from harness.types import Generation, Request

PROMPTED_REASONING_INSTRUCTION = (
    "First think step by step inside <think></think> tags, then write only the final answer "
    "after the closing </think> tag."
)


def model_identity(model: ModelConfig) -> str:
    """The identity that keys stored generations: backend, path or name, and revision (never a password)."""
    where = f"[{public_url(model.api.base_url)}]" if model.backend == "openai" else ""  # one name, many servers
    return f"{model.backend}:{model.path}{where}@{model.revision or 'default'}"


def model_path(model: ModelConfig) -> str:
    """``model.path``, which only a served model may leave unset (its server names it)."""
    if not model.path:
        from harness.errors import ReaperError

        raise ReaperError(f"model.path is not set for backend {model.backend!r}: set model.path=MODEL")
    return model.path


def chat_messages(request: Request, model: ModelConfig) -> list[dict[str, str]]:
    """The request's messages plus the model's system prompt and the prompted-reasoning instruction.

    Prompted reasoning is for non-reasoning models only: the instruction goes into the system
    message so the task prompt itself stays byte-identical to the official one.
    """
    messages = [dict(m) for m in request.messages]
    system_parts = [p for p in (model.system_prompt,) if p]
    if model.prompted_reasoning:
        system_parts.append(PROMPTED_REASONING_INSTRUCTION)
    if system_parts and messages and messages[0].get("role") == "system":
        messages[0]["content"] = "\n\n".join([*system_parts, messages[0]["content"]])
    elif system_parts:
        messages.insert(0, {"role": "system", "content": "\n\n".join(system_parts)})
    return messages


def reasoning_parser(model: ModelConfig) -> str:
    """Prompted reasoning always uses think tags in the output; otherwise the family's parser."""
    return "think_tags" if model.prompted_reasoning else model.reasoning_parser


def thinking_enabled(model: ModelConfig) -> bool:
    """Qwen3's switch; models without it count as thinking when they are reasoning models."""
    return bool(model.chat_template_kwargs.get("enable_thinking", model.reasoning))


def build_generation(
    request: Request,
    model: ModelConfig,
    raw_text: str,
    *,
    finish_reason: str | None,
    latency_s: float,
    prompt_tokens: int | None,
    count_tokens,
    reasoning_field: str | None = None,
    completion_tokens: int | None = None,
    reported_reasoning_tokens: int | None = None,
) -> Generation:
    """Split the output and count reasoning and answer tokens separately (never twice).

    ``count_tokens`` maps a string to its token count with the model's tokenizer (or None when no
    tokenizer is available, e.g. a hosted API); then the server's completion count is attributed.
    ``reported_reasoning_tokens`` is a server's own count (``completion_tokens_details``); it also
    covers hidden traces (hosted o-series), and the answer gets the rest of the completion tokens.
    """
    split = split_reasoning(
        raw_text,
        reasoning_parser(model),
        thinking=thinking_enabled(model),
        reasoning_field=reasoning_field,
        finish_reason=finish_reason,
    )
    reasoning_tokens = count_tokens(split.reasoning) if split.reasoning and count_tokens else None
    if split.reasoning == "":  # an empty trace (<think>\n\n</think>) has 0 tokens, not an unknown count
        reasoning_tokens = 0
    answer_tokens = count_tokens(split.answer) if split.answer and count_tokens else None
    if count_tokens is None and completion_tokens is not None:
        answer_tokens = completion_tokens if split.reasoning is None else None
    # A reported 0 beside a visible trace means the server does not count; keep "unknown" then.
    reported = reported_reasoning_tokens
    if count_tokens is None and reported is not None and (reported > 0 or split.reasoning is None):
        reasoning_tokens = reported
        answer_tokens = max(0, completion_tokens - reported) if completion_tokens is not None else None
        has_reasoning = True
    else:
        has_reasoning = split.reasoning is not None
    return Generation(
        id=request.id,
        raw_text=raw_text,
        reasoning=split.reasoning,
        answer=split.answer,
        prompt_tokens=prompt_tokens,
        reasoning_tokens=reasoning_tokens if has_reasoning else 0,
        answer_tokens=answer_tokens if split.answer else 0,
        finish_reason=finish_reason,
        truncated=split.truncated,
        latency_s=latency_s,
        backend=model.backend,
        model=model_identity(model),
    )


def failed_generation(request: Request, model: ModelConfig, exc: BaseException, latency_s: float) -> Generation:
    """A request the backend could not serve: marked failed (not wrong) and retried on the next run."""
    return Generation(
        id=request.id,
        latency_s=latency_s,
        backend=model.backend,
        model=model_identity(model),
        error=f"{type(exc).__name__}: {exc}",
    )
