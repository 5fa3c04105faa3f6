"""The name of a model behind a server: ``model.name`` if set, else the id the server serves.

A config such as ``model=vllm_server`` leaves ``name`` and ``path`` unset, so two servers are two
models (two columns in the tables, two run directories) without the user naming them. The id comes
from the server's ``GET /models`` (every OpenAI-compatible server has it); with ``model.path`` set
that path is the id the server echoes, so no request is needed. This runs before any retrieval or
generation: a server that cannot be reached fails here, in one line.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import PurePath

import httpx

from harness.config import ModelConfig
from harness.errors import ReaperError
from harness.safe import public_url

LOOKUP_TIMEOUT_S = 30.0


def named_model(model: ModelConfig) -> ModelConfig:
    """``model`` with ``path`` and ``name`` filled in (unchanged when both are set)."""
    if model.name and model.path:
        return model
    path = model.path
    if not path:
        if model.backend != "openai":
            raise ReaperError(f"model.path is not set for backend {model.backend!r}: set model.path=MODEL")
        path = served_model_id(model)
    return dataclasses.replace(model, path=path, name=model.name or display_name(path))


def display_name(model_id: str) -> str:
    """A server's id as a table label: a local folder's last part (no machine path in tables)."""
    return PurePath(model_id).name if model_id.startswith(("/", "~", ".")) else model_id


def served_model_id(model: ModelConfig) -> str:
    """The one model id ``GET {base_url}/models`` lists; several or none is a setting error."""
    url = str(model.api.base_url).rstrip("/") + "/models"
    key = os.environ.get(model.api.api_key_env) if model.api.api_key_env else None
    headers = {"Authorization": f"Bearer {key or 'EMPTY'}"}
    try:
        response = httpx.get(url, headers=headers, timeout=min(LOOKUP_TIMEOUT_S, float(model.api.timeout_s)))
        response.raise_for_status()
        ids = [str(entry["id"]) for entry in response.json()["data"]]
    except httpx.HTTPError as err:
        why = f"HTTP {err.response.status_code}" if isinstance(err, httpx.HTTPStatusError) else type(err).__name__
        raise ReaperError(
            f"model.path is not set and {public_url(url)} did not list the served models ({why}); "
            "start the server, fix model.api.base_url, or set model.path=MODEL"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise ReaperError(f"{public_url(url)} did not answer an OpenAI model list; set model.path=MODEL") from None
    if len(ids) != 1:
        listed = ", ".join(ids) or "none"
        raise ReaperError(f"{public_url(url)} serves {len(ids)} models ({listed}): set model.path to one of them")
    return ids[0]
