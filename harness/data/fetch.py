"""``reaper data fetch``: the official LaMP files into a data root, resumable, atomic and checked.

Each file is streamed (httpx) into ``<name>.part`` beside its target; an interrupted transfer
keeps the part and the next run asks for the rest with an HTTP Range request. Only a complete,
validated file is renamed into place and recorded in the manifest, so nothing half-downloaded
ever looks complete. Validation is the point: the download host answers a wrong path with
HTTP 200 and an HTML page, and plain ``LaMP_2/`` still serves the retired news task, so every
file must be JSON of the task's schema (every question record, as the loader checks it) before
it is accepted. A host that cannot be reached fails on the first file within the connect timeout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from harness.data import manifest
from harness.data.layout import DOWNLOADABLE, PARTITIONS, SPLITS, check_choice, kinds_of, relative_path
from harness.data.load import check_golds, file_hash_fast, read_outputs, to_example
from harness.errors import DataError, ReaperError
from harness.progress import interactive, note
from harness.safe import public_url

DEFAULT_BASE_URL = "https://ciir.cs.umass.edu/downloads/LaMP/"
BASE_URL_ENV = "REAPER_LAMP_URL"  # hosts move: the base can be set once in the environment
RETIRED_LAMP2_FIELDS = {"title", "text", "category"}  # the news-categorization task's profile items


class FetchError(ReaperError):
    """A download or validation failure, always naming the URL (without its user-info: errors are shared)."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{public_url(url)}: {problem}")


@dataclass(frozen=True)
class Wanted:
    """One file of the layout: which task, split, partition and kind."""

    task: str
    split: str
    partition: str
    kind: str

    @property
    def path(self) -> str:
        return relative_path(self.task, self.split, self.partition, self.kind)


def base_url(given: str | None) -> str:
    """``--base-url``, else ``$REAPER_LAMP_URL``, else the download page; always ending in ``/``."""
    url = given or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"


def plan(tasks: list[str], split: str, partition: str) -> list[Wanted]:
    """The files to fetch; LaMP_6 (licensed) and unknown tasks are refused by name."""
    check_choice("--split", split, SPLITS)
    check_choice("--partition", partition, PARTITIONS)
    from harness.registry import task_name

    names = [task_name(t) for t in tasks] or list(DOWNLOADABLE)
    for name in names:
        if name == "LaMP_6":
            raise ReaperError("LaMP_6 is built from a licensed corpus (Avocado) and is not downloadable")
        if name not in DOWNLOADABLE:
            raise ReaperError(f"{name}: not a downloadable LaMP task (choose from {', '.join(DOWNLOADABLE)})")
    return [Wanted(n, split, partition, kind) for n in names for kind in kinds_of(partition)]


def fetch(
    wanted: list[Wanted], root: Path, base: str, force: bool = False, connect_timeout: float = 5.0,
    read_timeout: float = 60.0,
) -> list[tuple[manifest.Entry, bool]]:  # fmt: skip
    """Fetch every wanted file not already present and intact; returns (entry, downloaded) pairs."""
    root.mkdir(parents=True, exist_ok=True)
    done = []
    timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for item in wanted:
            known = manifest.read(root).get(item.path)
            if known is not None and not force and manifest.status(root, known) == "ok":
                done.append((known, False))
                continue
            done.append((fetch_one(client, item, root, base + item.path), True))
    return done


def fetch_one(client: httpx.Client, item: Wanted, root: Path, url: str) -> manifest.Entry:
    """Download (resuming a part), validate, rename into place, record in the manifest."""
    target = root / item.path
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    download(client, url, part, item.path)
    try:
        validate(part, item, url)
    except FetchError:
        part.unlink(missing_ok=True)  # wrong content: resuming it would only append to garbage
        raise
    entry = manifest.Entry(
        path=item.path, task=item.task, split=item.split, partition=item.partition, kind=item.kind, url=public_url(url),
        size=part.stat().st_size, sha256=file_hash_fast(part), date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )  # fmt: skip
    os.replace(part, target)
    manifest.record(root, entry)
    return entry


def download(client: httpx.Client, url: str, part: Path, label: str) -> None:
    """Stream ``url`` into ``part``, continuing an existing part with a Range request."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    answered = False
    try:
        with client.stream("GET", url, headers=headers) as response:
            answered = True
            if response.status_code == 416 and offset:  # the part already holds every byte
                return
            if response.status_code not in (200, 206):
                raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}")
            if response.status_code == 200:
                offset = 0  # the server ignored the range: start over
            _write_stream(response, part, offset, label, url)
    except httpx.ConnectTimeout:
        raise FetchError(url, f"cannot connect (timed out); offline? check --base-url or ${BASE_URL_ENV}") from None
    except httpx.TransportError as err:
        if answered:
            size = part.stat().st_size if part.exists() else 0
            raise FetchError(url, f"transfer interrupted after {size} bytes ({err}); "
                             "rerun the same command to resume") from None  # fmt: skip
        raise FetchError(url, f"cannot connect ({err}); offline? check --base-url or ${BASE_URL_ENV}") from None


def _write_stream(response: httpx.Response, part: Path, offset: int, label: str, url: str) -> None:
    length = response.headers.get("content-length")
    total = offset + int(length) if length is not None else None
    with part.open("ab" if offset else "wb") as handle, _bar(total, offset, label) as bar:
        for chunk in response.iter_bytes():  # as received: a cut keeps every byte
            handle.write(chunk)
            bar.update(len(chunk))
        handle.flush()
        os.fsync(handle.fileno())
    size = part.stat().st_size
    if total is not None and size != total:
        raise FetchError(url, f"incomplete ({size} of {total} bytes); rerun the same command to resume")


def _bar(total: int | None, initial: int, label: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024, desc=label,
                leave=False, file=sys.stderr, disable=not interactive())  # fmt: skip


def validate(path: Path, item: Wanted, url: str) -> None:
    """The file is JSON of the task's schema, else a one-line error naming the URL."""
    first = _first_byte(path)
    if first == "<":
        raise FetchError(url, "the server sent an HTML page, not JSON (wrong path, or the host moved: --base-url)")
    expected = "[" if item.kind == "questions" else "{"
    if first != expected:
        raise FetchError(url, f"not a LaMP {item.kind} file (starts with {first!r}, expected {expected!r})")
    try:
        _validate_questions(path, item, url) if item.kind == "questions" else _validate_outputs(path, item, url)
    except DataError as err:
        raise FetchError(url, f"record {err.record_id}: field {err.field!r}: {err.problem}") from None


def _validate_questions(path: Path, item: Wanted, url: str) -> None:
    """Every record checked as the loader checks it, streamed: 400 MB files never sit in memory."""
    from harness.registry import get_task

    task = get_task(item.task)
    count = 0
    for row, position in _records(path, url):
        if count == 0 and item.task == "LaMP_2":
            _refuse_retired_lamp2(row, url)
        to_example(row, position, url, task)
        count += 1
    if count == 0:
        raise FetchError(url, "no questions")


def _validate_outputs(path: Path, item: Wanted, url: str) -> None:
    from harness.registry import get_task

    task = get_task(item.task)
    golds = read_outputs(str(path), task)
    if item.task == "LaMP_2" and golds and all(g not in (task.labels or ()) for g in golds.values()):
        raise FetchError(url, f"the retired news-categorization LaMP_2 (golds like {next(iter(golds.values()))!r}), "
                         "not movie tagging (LaMP_2/new/)")  # fmt: skip
    check_golds(golds, task, url)


def _refuse_retired_lamp2(row: Any, url: str) -> None:
    profile = row.get("profile") if isinstance(row, dict) else None
    item = profile[0] if isinstance(profile, list) and profile and isinstance(profile[0], dict) else {}
    if set(item) >= RETIRED_LAMP2_FIELDS and "description" not in item:
        raise FetchError(url, f"the retired news-categorization LaMP_2 (profile items have "
                         f"{', '.join(sorted(item))}), not movie tagging (LaMP_2/new/)")  # fmt: skip


def _records(path: Path, url: str) -> Iterator[tuple[Any, str]]:
    import ijson

    with path.open("rb") as handle:
        try:
            for index, row in enumerate(ijson.items(handle, "item", use_float=True)):
                yield row, f"#{index}"
        except ijson.JSONError as err:
            raise FetchError(url, f"invalid JSON: {str(err).splitlines()[0]}") from None


def _first_byte(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1].decode("ascii", "replace")


def summary_line(entry: manifest.Entry, downloaded: bool) -> str:
    return (
        f"{'fetched' if downloaded else 'up to date'}: {entry.path} ({entry.size:,} bytes, sha256 {entry.sha256[:12]})"
    )


def report(results: list[tuple[manifest.Entry, bool]]) -> None:
    for entry, downloaded in results:
        note(summary_line(entry, downloaded))
