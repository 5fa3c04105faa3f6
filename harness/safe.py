"""What the harness writes is safe to share and stays where it belongs.

Two rules, each implemented once and used wherever a value is recorded, hashed or turned into a path:

- ``public_url``: a URL without its user-info. ``http://user:password@host/v1`` is a valid
  OpenAI-compatible base URL (httpx sends the pair as Basic auth), but spec.json, the generation
  records, store keys and store file names are shared with others and must never hold a password.
- ``path_component``: a configured name (model, retriever label, task, method) as one file-name
  component. A label such as ``/../../x`` would otherwise put a run directory outside ``runs_dir``.
- ``check_folder``: a folder the harness writes into is not under a regular file.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness.errors import ReaperError

MAX_COMPONENT = 80  # characters kept of a name: run directory names stay readable


def public_url(url: str) -> str:
    """``url`` without ``user:password@``; anything that is not such a URL comes back unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def path_component(name: str) -> str:
    """A name as one safe path component: no separators, never ``.``/``..``, never empty.

    Letters, digits and ``-_.`` are kept, everything else becomes ``-``; leading and trailing
    ``-``/``.`` are stripped, so the result cannot be a relative step or a hidden file.
    """
    kept = "".join(c if c.isalnum() or c in "-_." else "-" for c in str(name))
    return kept.strip("-.")[:MAX_COMPONENT].strip("-.") or "_"


def check_folder(setting: str, folder: Path | str) -> None:
    """``folder`` can be created: no part of it is an existing file (one line naming the setting and the file).

    Checked before any work, so a typo'd ``runs_dir`` fails in a second, not after generation.
    """
    path = Path(folder).expanduser()
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                raise ReaperError(f"{setting}={folder}: {part} is a file, not a folder; choose another {setting}")
            return
