"""Loading and validating task data: official JSON files, JSON lines and Hugging Face datasets.

Questions files reach 400 MB, so JSON is parsed as a stream (ijson) straight into Example
records whose profiles are packed (``harness.data.packed``: compressed JSON, parsed again only
when a stage reads them), so the whole file never sits in memory, parsed or raw. A first pass over the bytes computes the content
hash (the retrieval cache key) and checks UTF-8, so a bad byte is reported before any parsing.
Every problem becomes a ``DataError`` naming the file, the record id and the field.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import json
import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data.packed import pack
from harness.errors import DataError, ReaperError
from harness.types import Example, Task

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "tasks" / "data"
HF_PREFIX = "hf://"


@dataclass
class Dataset:
    """A task's examples (golds attached when known) and the content hash of the questions."""

    examples: list[Example]
    data_hash: str
    source: str
    outputs: str | None = None  # the golds file actually read (None: no golds, or golds inside the rows)


@dataclass(frozen=True)
class Subset:
    """A seeded random subset: N questions, the seed, and whether to spread them over users."""

    n: int
    seed: int = 0
    by_user: bool = False


def bundled_files(task: Task) -> tuple[Path, Path]:
    """The bundled sample for a task: tasks/data/<name>/ or the plugin's own ``sample_dir``."""
    folder = Path(task.sample_dir or SAMPLE_DIR / task.name)
    questions, outputs = folder / "questions.json", folder / "outputs.json"
    if not questions.exists():
        raise ReaperError(f"task {task.name} has no bundled sample; pass its questions file (task.questions=PATH)")
    return questions, outputs


def load_dataset(
    task: Task, questions: str | None = None, outputs: str | None = None, limit: int | None = None,
    sample: Subset | None = None,
) -> Dataset:  # fmt: skip
    """Questions (+ golds when an outputs file exists or rows carry ``output``), validated.

    ``limit`` keeps the first N questions, ``sample`` a seeded random subset (harness.data.subset).
    """
    if questions is None:
        q_path, o_path = bundled_files(task)
        questions, outputs = str(q_path), (str(o_path) if o_path.exists() else None)
    examples, data_hash = read_questions(questions, task, limit)
    if limit is not None:
        examples = examples[:limit]
        data_hash = f"{data_hash}:first{limit}"
    if sample is not None:
        from harness.data.subset import draw, subset_tag

        examples = draw(examples, sample.n, sample.seed, sample.by_user)
        data_hash = f"{data_hash}:{subset_tag(sample.n, sample.seed, sample.by_user)}"
    if outputs is not None:
        golds = read_outputs(outputs, task)
        check_golds(golds, task, outputs)
        attach_golds(examples, golds, outputs, allow_extra=limit is not None or sample is not None)
    return Dataset(examples=examples, data_hash=data_hash, source=questions, outputs=outputs)


READS = {"parsed": 0, "memo_hits": 0}  # counters for tests and benchmarks
_MEMO: dict[tuple[Any, ...], tuple[list[Example], str]] = {}


def read_questions(source: str, task: Task, limit: int | None = None) -> tuple[list[Example], str]:
    """Parse and validate a questions source; returns the examples and a content hash.

    ``limit`` stops parsing after the first N questions (a 400 MB file is not read for 20).
    A file is parsed once per process: a grid's cells on one file share the result, keyed by the
    file's path, size and modification time (a changed file is read again).
    """
    path = Path(source).expanduser()
    stat = path.stat() if not source.startswith(HF_PREFIX) and path.is_file() else None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, task.name, limit) if stat else None
    if key in _MEMO:
        READS["memo_hits"] += 1
        examples, data_hash = _MEMO[key]
        return [dataclasses.replace(e) for e in examples], data_hash  # cells may attach their own golds
    examples, data_hash = _read_questions(source, path, task, limit)
    READS["parsed"] += 1
    if key is not None:
        _MEMO[key] = ([dataclasses.replace(e) for e in examples], data_hash)
    return examples, data_hash


def clear_memo() -> None:
    """Forget parsed files (tests; a long-lived process that wants the memory back)."""
    _MEMO.clear()


def _read_questions(source: str, path: Path, task: Task, limit: int | None) -> tuple[list[Example], str]:
    if source.startswith(HF_PREFIX):
        return _validated(_hub_rows(source[len(HF_PREFIX) :]), source, task, limit), _text_hash(source)
    if not path.exists():
        raise DataError(path, None, "-", "file not found")
    if path.is_dir():
        return _validated(_disk_dataset_rows(path), source, task, limit), _dir_hash(path)
    data_hash = file_hash(path)
    rows = _jsonl_rows(path) if path.suffix in (".jsonl", ".ndjson") else _json_list_rows(path)
    return _validated(rows, source, task, limit), data_hash


def read_outputs(source: str, task: Task) -> dict[str, str]:
    """An official outputs file ({"task", "golds": [{id, output}]}) as id -> stripped output."""
    path = Path(source).expanduser()
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise DataError(path, None, "(top level)", 'expected an object {"task": ..., "golds": [...]}')
    if "task" in data and _norm_task(data["task"]) != task.name:
        raise DataError(path, None, "task", f"file is for {data['task']!r}, expected {task.name!r}")
    golds = data.get("golds")
    if not isinstance(golds, list):
        raise DataError(path, None, "golds", "missing or not a list")
    out: dict[str, str] = {}
    for index, row in enumerate(golds):
        rid = row.get("id") if isinstance(row, dict) else None
        if not isinstance(row, dict):
            raise DataError(path, f"#{index}", "golds[]", "expected an object {id, output}")
        if not isinstance(rid, str):
            raise DataError(path, rid if rid is not None else f"#{index}", "id", "missing or not a string")
        if "output" not in row or not isinstance(row["output"], (str, int, float)) or isinstance(row["output"], bool):
            raise DataError(path, rid, "output", "missing or not a string")
        if rid in out:
            raise DataError(path, rid, "id", "duplicate id")
        out[rid] = str(row["output"]).strip()
    return out


def check_golds(golds: dict[str, str], task: Task, path: str) -> None:
    """Golds must be answers of the task (a LaMP_3 gold of 6 is a data error, not a wrong answer)."""
    for rid, gold in golds.items():
        problem = task.check_gold(gold)
        if problem:
            raise DataError(path, rid, "output", problem)


def attach_golds(examples: list[Example], golds: dict[str, str], path: str, allow_extra: bool = False) -> None:
    """Gold ids must match the question ids exactly (extra golds are allowed under a limit)."""
    ids = [e.id for e in examples]
    missing = sorted(set(ids) - set(golds))
    extra = [] if allow_extra else sorted(set(golds) - set(ids))
    if missing or extra:
        raise DataError(path, None, "id", f"gold ids do not match the questions: {id_diff(missing, extra)}")
    for example in examples:
        example.gold = golds[example.id]


def id_diff(missing: list[str], extra: list[str], shown: int = 20) -> str:
    """A readable list of missing and extra ids, capped so a huge mismatch stays one line."""

    def fmt(ids: list[str]) -> str:
        more = f" (+{len(ids) - shown} more)" if len(ids) > shown else ""
        return "[" + ", ".join(ids[:shown]) + "]" + more

    return f"missing {len(missing)} {fmt(missing)}, extra {len(extra)} {fmt(extra)}"


def read_json_file(path: Path) -> Any:
    """A whole (small) JSON file, with UTF-8 and syntax errors reported as DataError."""
    if not path.exists():
        raise DataError(path, None, "-", "file not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(
            path, None, "-", f"not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start})"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(path, None, "-", f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}") from None


def file_hash(path: Path) -> str:
    """sha256 of the bytes, checking UTF-8 on the way (one streaming pass, constant memory)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                raise DataError(path, None, "-", f"not valid UTF-8 (at byte offset {offset + err.start})") from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise DataError(path, None, "-", "not valid UTF-8 (truncated sequence at the end)") from None
    return digest.hexdigest()


def _json_list_rows(path: Path) -> Iterator[tuple[Any, str]]:
    """Stream the records of a top-level JSON list; a syntax error names the last good record."""
    import ijson

    last_id: Any = None
    with path.open("rb") as handle:
        if handle.read(3) != codecs.BOM_UTF8:
            handle.seek(0)
        first = _first_char(handle)
        if first != "[":
            raise DataError(path, None, "(top level)", "expected a JSON list of questions")
        try:
            for index, row in enumerate(ijson.items(handle, "item", use_float=True)):
                last_id = row.get("id") if isinstance(row, dict) else None
                yield row, f"#{index}"
        except ijson.JSONError as err:
            where = f"after record {last_id}" if last_id is not None else "before the first record"
            raise DataError(path, last_id, "-", f"invalid JSON {where}: {str(err).splitlines()[0]}") from None


def _first_char(handle) -> str:
    """The first non-space character of a binary file handle; the handle is rewound after it."""
    start = handle.tell()
    while (byte := handle.read(1)) and byte.isspace():
        pass
    handle.seek(start)
    return byte.decode("ascii", "replace")


def _jsonl_rows(path: Path) -> Iterator[tuple[Any, str]]:
    """One question per line; blank lines are skipped."""
    with path.open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line), f"line {number}"
            except json.JSONDecodeError as err:
                raise DataError(path, f"line {number}", "-", f"invalid JSON: {err.msg}") from None


def _disk_dataset_rows(path: Path) -> Iterator[tuple[Any, str]]:
    """A dataset saved with ``datasets.save_to_disk`` (a DatasetDict uses its first split)."""
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except Exception as err:  # noqa: BLE001 - any failure is a data error of this folder
        raise DataError(path, None, "-", f"not a Hugging Face dataset folder: {err}") from None
    split = loaded[next(iter(loaded))] if isinstance(loaded, datasets.DatasetDict) else loaded
    for index, row in enumerate(split):
        yield row, f"#{index}"


def _hub_rows(spec: str) -> Iterator[tuple[Any, str]]:
    """hf://owner/name[:split] from the hub; offline fails fast with a clear message."""
    import datasets

    name, _, split = spec.partition(":")
    if os.environ.get("HF_HUB_OFFLINE") != "1" and os.environ.get("HF_DATASETS_OFFLINE") != "1":
        _check_hub_reachable(name)
    try:
        loaded = datasets.load_dataset(name, split=split or None)
    except Exception as err:  # noqa: BLE001 - the hub and its cache fail in many ways
        raise ReaperError(f"{HF_PREFIX}{spec}: cannot load dataset from the Hugging Face hub: {err}") from None
    if isinstance(loaded, datasets.DatasetDict):
        loaded = loaded[next(iter(loaded))]
    for index, row in enumerate(loaded):
        yield row, f"#{index}"


def _check_hub_reachable(name: str, timeout_s: float = 3.0) -> None:
    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout_s).close()
    except OSError:
        raise ReaperError(
            f"{HF_PREFIX}{name}: the Hugging Face hub is unreachable (offline?); pass a local file instead"
        ) from None


def _validated(rows: Iterable[tuple[Any, str]], source: str, task: Task, limit: int | None = None) -> list[Example]:
    """Check every record against the task's schema and build Examples; ids must be unique.

    With ``limit`` the rows after the first N are never parsed (nor checked).
    """
    examples: list[Example] = []
    seen: set[str] = set()
    for row, position in rows:
        if limit is not None and len(examples) >= limit:
            break
        example = to_example(row, position, source, task)
        if example.id in seen:
            raise DataError(source, example.id, "id", "duplicate question id")
        seen.add(example.id)
        examples.append(example)
    if not examples:
        raise DataError(source, None, "(top level)", "no questions")
    return examples


def to_example(row: Any, position: str, source: str, task: Task) -> Example:
    """One validated record; the gold comes along when the row carries an ``output`` field."""
    if not isinstance(row, dict):
        raise DataError(source, position, "(record)", "expected an object {id, input, profile}")
    rid = row.get("id")
    if not isinstance(rid, str):
        raise DataError(source, rid if rid is not None else position, "id", "missing or not a string")
    if not isinstance(row.get("input"), str):
        raise DataError(source, rid, "input", "missing or not a string")
    profile = row.get("profile")
    if not isinstance(profile, list):
        raise DataError(source, rid, "profile", "missing or not a list")
    for index, item in enumerate(profile):
        _check_item(item, index, rid, source, task)
    output = row.get("output")
    gold = str(output).strip() if isinstance(output, (str, int, float)) and not isinstance(output, bool) else None
    user = row.get("user_id")
    return Example(id=rid, input=row["input"], profile=pack(profile), gold=gold,
                   user_id=None if user is None else str(user))  # fmt: skip


def _check_item(item: Any, index: int, rid: str, source: str, task: Task) -> None:
    if not isinstance(item, dict):
        raise DataError(source, rid, f"profile[{index}]", "expected an object")
    if not isinstance(item.get("id"), str):
        raise DataError(source, rid, f"profile[{index}].id", "missing or not a string")
    for name in task.item_fields:
        value = item.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "score":
            continue  # numeric scores render the same way in the official prompt
        if not isinstance(value, str):
            raise DataError(source, rid, f"profile[{index}].{name}", "missing or not a string")


def _norm_task(name: Any) -> str:
    from harness.registry import task_name

    return task_name(str(name))


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _dir_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for child in sorted(path.rglob("*")):
        if child.is_file():
            digest.update(child.name.encode())
            digest.update(file_hash_fast(child).encode())
    return digest.hexdigest()


def file_hash_fast(path: Path) -> str:
    """sha256 of a file's bytes without the UTF-8 check (binary files such as arrow shards)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()
