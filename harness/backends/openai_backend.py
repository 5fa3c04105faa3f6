"""Backend for any OpenAI-compatible server: vllm serve, SGLang, llama.cpp server, hosted APIs.

Plain httpx rather than the openai SDK, because this backend must decide per request what a
failure is: 429/5xx/connection errors are retried with exponential backoff (Retry-After wins when
longer), and so are 2xx replies that are not JSON or hold no choices; a reply still unusable after
the retries, or malformed otherwise, becomes a failed sample (``Generation.error``), and servers add
non-standard fields (``reasoning_content``, ``chat_template_kwargs``, ``top_k``) that we read and
write directly. A failed sample is never an exception; only a server that cannot be reached (or
rejects every request of a batch as unauthorised / unknown model) raises ``ReaperError``.

The API key is read from the environment variable named by ``model.api.api_key_env`` at each
request and is never stored on the object, logged, or put in an error message.

``model.engine`` options for this backend: ``OpenAIEngine`` (an unknown key fails before any request).
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import random
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from harness.backends.base import build_generation, chat_messages, model_identity, reasoning_parser
from harness.config import GenerationConfig, ModelConfig, engine_settings
from harness.errors import ReaperError
from harness.registry import BACKENDS
from harness.safe import public_url
from harness.types import Generation, Request

T = TypeVar("T")


@dataclass
class OpenAIEngine:
    """``model.engine`` of backend=openai (checked by harness.config.engine_settings)."""

    completions: bool = True
    """the server offers the legacy /completions endpoint (raw-prompt continuations, rpi); chat-only
    hosted APIs (DeepSeek, OpenAI) set false, and raw prompts are then refused"""
    max_completion_tokens: bool = False
    """send the budget as max_completion_tokens instead of max_tokens (OpenAI's o-series models)"""


DUMMY_KEY = "EMPTY"  # local servers started without --api-key accept any bearer token
RETRY_STATUS = frozenset({408, 429, *range(500, 600)})
CONFIG_STATUS = frozenset({401, 403, 404})  # wrong key or model name: the same for every request
MAX_WAIT_S = 600.0  # cap on a server's Retry-After, so a bad header cannot stall a run forever
SNIPPET = 200  # characters of a response body kept in an error message


class _Failure(Exception):
    """A request that failed for good; ``kind`` is "connection", "config" or "error"."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


@BACKENDS.register("openai")
class OpenAIBackend:
    """Chat (and legacy completions) requests with bounded concurrency, timeouts and retries."""

    name = "openai"
    engine_schema = OpenAIEngine  # model.engine is checked against it before any request
    supports_raw_prompt: bool  # model.engine.completions: false for servers without /completions
    supports_continue_final_message = False  # a vLLM server extension; hosted APIs refuse it
    tokenizer = None  # the server tokenises; usage counts come back with each reply
    model: ModelConfig
    model_id: str

    def __init__(self, model: ModelConfig) -> None:
        self.model = model
        self.api = model.api
        self.model_id = model_identity(model)
        self.base_url = str(self.api.base_url).rstrip("/")
        engine = engine_settings(OpenAIEngine, model.engine, "openai")
        self.supports_raw_prompt = engine.completions
        self._max_tokens_param = "max_completion_tokens" if engine.max_completion_tokens else "max_tokens"
        concurrency = max(1, int(self.api.concurrency))
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        # Our own semaphore bounds requests in flight; the pool timeout only guards against a bug.
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(self.api.timeout_s), limits=limits)
        # One private loop for the client's lifetime: httpx connections belong to the loop that made them.
        self._loop = asyncio.new_event_loop()
        self._closed = False

    def __repr__(self) -> str:
        return f"OpenAIBackend(model_id={self.model_id!r}, base_url={public_url(self.base_url)!r})"

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        """One Generation per request, same order; failures are marked, not raised."""
        if not requests:
            return []
        if not self.supports_raw_prompt and any(r.raw_prompt is not None for r in requests):
            raise ReaperError(
                f"model {self.model.name!r} is chat-only (engine.completions=false) but the method "
                "needs raw-prompt continuations; use a server with the /completions endpoint"
            )
        results = self._run(self._generate_all(requests, gen))
        kinds = {kind for _, kind in results}
        first_error = str(results[0][0].error).removesuffix(f" (after {self.api.max_retries} retries)")
        if kinds == {"connection"}:
            raise ReaperError(
                f"cannot reach {public_url(self.base_url)} after {self.api.max_retries} retries: {first_error}"
            )
        if kinds == {"config"}:
            raise ReaperError(f"{public_url(self.base_url)} rejected every request: {first_error}")
        return [g for g, _ in results]

    def close(self) -> None:
        """Close the HTTP client and the private event loop (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._run(self._client.aclose())
        self._loop.close()

    # --- internals -------------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run on the private loop; from inside a running loop (notebooks) do it in a worker thread."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._loop.run_until_complete(coro)
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(self._loop.run_until_complete, coro).result()

    async def _generate_all(
        self, requests: list[Request], gen: GenerationConfig
    ) -> list[tuple[Generation, str | None]]:
        semaphore = asyncio.Semaphore(max(1, int(self.api.concurrency)))
        return list(await asyncio.gather(*(self._one(r, gen, semaphore) for r in requests)))

    async def _one(
        self, request: Request, gen: GenerationConfig, semaphore: asyncio.Semaphore
    ) -> tuple[Generation, str | None]:
        """The semaphore is held across retries: backing off also slows this client down (429s)."""
        start = time.monotonic()
        async with semaphore:
            try:
                chat = request.raw_prompt is None
                if chat:
                    path, payload = "/chat/completions", self._chat_payload(request, gen)
                else:
                    path, payload = "/completions", self._completion_payload(request, gen)
                data, latency, attempts = await self._post(path, payload)
                return self._parse(request, data, latency, attempts, chat=chat), None
            except _Failure as failure:
                error = Generation(
                    id=request.id,
                    latency_s=time.monotonic() - start,
                    backend=self.model.backend,
                    model=self.model_id,
                    error=self._redact(str(failure)),
                )
                return error, failure.kind

    def _sampling(self, gen: GenerationConfig, max_tokens_param: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model.path,
            max_tokens_param: gen.max_new_tokens,
            "temperature": gen.temperature,
            "top_p": gen.top_p,
            "seed": gen.seed,
        }
        if gen.stop:
            body["stop"] = list(gen.stop)
        if gen.top_k is not None and gen.top_k > 0:  # non-standard: vLLM/SGLang/llama.cpp extension
            body["top_k"] = gen.top_k
        if gen.min_p:
            body["min_p"] = gen.min_p
        return body

    def _chat_payload(self, request: Request, gen: GenerationConfig) -> dict[str, Any]:
        body = self._sampling(gen, self._max_tokens_param)
        body["messages"] = chat_messages(request, self.model)
        if self.model.chat_template_kwargs:
            body["chat_template_kwargs"] = dict(self.model.chat_template_kwargs)
        if request.continue_final_message:  # vLLM extension: extend the last assistant message
            body["continue_final_message"] = True
            body["add_generation_prompt"] = False
        return body

    def _completion_payload(self, request: Request, gen: GenerationConfig) -> dict[str, Any]:
        body = self._sampling(gen, "max_tokens")  # the legacy endpoint only knows max_tokens
        body["prompt"] = request.raw_prompt
        return body

    async def _post(self, path: str, payload: dict[str, Any]) -> tuple[Any, float, int]:
        """POST with retries; returns (decoded JSON, latency of the successful attempt, attempts)."""
        url = self.base_url + path
        retries = max(0, int(self.api.max_retries))
        failure = _Failure("no attempt made")
        for attempt in range(retries + 1):
            start = time.monotonic()
            retry_after = None
            try:
                response = await asyncio.wait_for(
                    self._client.post(url, json=payload, headers=self._headers()), self.api.timeout_s
                )
            except (TimeoutError, httpx.TransportError) as exc:
                failure = _Failure(_describe(exc, self.api.timeout_s), _transport_kind(exc))
            else:
                status = response.status_code
                if status < 400:
                    data, problem = _reply_body(response)
                    if problem is None:
                        return data, time.monotonic() - start, attempt + 1
                    failure = _Failure(problem)  # a proxy's error page or a half-written reply: retried like 5xx
                else:
                    message = f"HTTP {status} from {path}: {_snippet(response.text)}"
                    if status not in RETRY_STATUS:
                        raise _Failure(message, "config" if status in CONFIG_STATUS else "error")
                    failure = _Failure(message)
                    retry_after = _retry_after(response.headers.get("retry-after"))
            if attempt < retries:
                await asyncio.sleep(self._backoff(attempt, retry_after))
        raise _Failure(f"{failure} (after {self.api.max_retries} retries)", failure.kind)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with up to 25% jitter; a longer Retry-After from the server wins."""
        delay = float(self.api.backoff_s) * (2**attempt) * (1 + 0.25 * random.random())
        return min(MAX_WAIT_S, max(delay, retry_after or 0.0))

    def _parse(self, request: Request, data: Any, latency: float, attempts: int, *, chat: bool) -> Generation:
        """Turn a response body into a Generation; anything unexpected is a malformed response."""
        try:
            choice = data["choices"][0]
            if chat:
                message = choice["message"]
                text = message.get("content") or ""
                field = message.get("reasoning_content") or message.get("reasoning")
            else:
                text, field = choice["text"] or "", None
            finish_reason = choice.get("finish_reason")
            if not isinstance(text, str):
                raise TypeError("content is not a string")
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise _Failure(f"malformed response ({type(exc).__name__}: {exc}): {_snippet(str(data))!r}") from None
        field = field if isinstance(field, str) else None
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        details = usage.get("completion_tokens_details")
        completion = _int(usage.get("completion_tokens"))
        generation = build_generation(
            request,
            self.model,
            text,
            finish_reason=finish_reason if isinstance(finish_reason, str) else None,
            latency_s=latency,
            prompt_tokens=_int(usage.get("prompt_tokens")),
            count_tokens=None,
            reasoning_field=field,
            completion_tokens=completion,
            reported_reasoning_tokens=_int(details.get("reasoning_tokens")) if isinstance(details, dict) else None,
        )
        generation.extra["attempts"] = attempts
        if isinstance(choice.get("stop_reason"), str):  # vLLM servers name the stop string that ended it
            generation.extra["stop_reason"] = choice["stop_reason"]
        if completion is not None:
            generation.extra["completion_tokens"] = completion
        if field and reasoning_parser(self.model) != "api_field":
            # The server split a trace out but the model config does not expect one: keep it, visibly.
            generation.extra["unparsed_reasoning_field"] = field
        return generation

    def _api_key(self) -> str:
        name = self.api.api_key_env
        return (os.environ.get(name) if name else None) or DUMMY_KEY

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key()}"}

    def _redact(self, message: str) -> str:
        """An error message as recorded: no API key, and the base URL without its user-info."""
        key = self._api_key()
        message = message.replace(self.base_url, public_url(self.base_url))
        return message.replace(key, "***") if key != DUMMY_KEY else message


def _reply_body(response: httpx.Response) -> tuple[Any, str | None]:
    """The decoded body of a 2xx reply, or why it is not a usable one (not JSON, no choices).

    Both happen transiently (a gateway answering 200 with an HTML error page, an overloaded server
    returning an empty choice list), so the caller retries them before the sample is marked failed.
    """
    try:
        data = response.json()
    except ValueError:
        return None, f"malformed response (not JSON): {_snippet(response.text)!r}"
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        return None, f"malformed response (no choices): {_snippet(response.text)!r}"
    return data, None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[:SNIPPET] + "…"


def _describe(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, (asyncio.TimeoutError, httpx.TimeoutException)):
        return f"timed out after {timeout_s:g}s ({type(exc).__name__})"
    detail = str(exc).strip()
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _transport_kind(exc: BaseException) -> str:
    """Connection-level failures (nothing listening, connection reset) mean the server is down."""
    connection = (httpx.NetworkError, httpx.ConnectTimeout, httpx.RemoteProtocolError)
    return "connection" if isinstance(exc, connection) else "error"


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (also accepts fractions) or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
