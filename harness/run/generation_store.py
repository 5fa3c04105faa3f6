"""The generation store: every finished generation on disk before the next batch starts.

Generation is the only expensive step of a run, so a killed run (kill -9, OOM, pre-emption) must
lose at most the batch in flight. Each batch is one SQLite transaction; a run looks up only its own
keys, so what a process pays grows with its run, not with everything the store ever held.

The key is a hash of everything that decides the output: the model identity, the complete
generation settings and the request content. Never the prompt alone (lm-eval's cache ignores the
model, issue #2715): an output of model A is never served for model B or for other sampling
settings. The request id is not part of the key, so byte-identical requests share one generation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.config import GenerationConfig, ModelConfig
from harness.types import Backend, Generation, Request

FORMAT = 1  # version of the key blob (bump when what a key covers changes)


def _plain(value: Any) -> Any:
    """JSON fallback for config containers (OmegaConf nodes, tuples, dataclasses)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"not JSON-serialisable in a store key: {type(value).__name__}")


def _normalise(value: Any) -> Any:
    """0 and 0.0 are the same setting; YAML or an override may spell a float either way."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, integral floats as ints: one spelling per value."""
    plain = json.loads(json.dumps(value, default=_plain))
    return json.dumps(_normalise(plain), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def generation_settings(model: ModelConfig, gen: GenerationConfig | None = None) -> dict[str, Any]:
    """Everything besides the model identity and the request that changes an output.

    Engine args are included too (dtype, quantization, max_model_len change outputs); changing one
    only costs a regeneration, while leaving one out could serve a stale output.
    """
    return {
        "generation": _plain(gen if gen is not None else model.generation),
        "chat_template_kwargs": model.chat_template_kwargs,
        "reasoning_parser": model.reasoning_parser,
        "prompted_reasoning": model.prompted_reasoning,
        "system_prompt": model.system_prompt,
        "engine": model.engine,
    }


class GenerationStore:
    """Generations of one model in a SQLite database: lookups read its key index, never every trace.

    Every batch is one transaction (committed with fsync), so a killed writer loses at most the
    batch in flight and never leaves a half-written record. Several processes may read and write
    one store at once (joblib, SLURM array jobs): SQLite serialises the writers. On a local disk
    the database runs in WAL mode (readers never wait for a writer); on a network filesystem,
    where WAL's shared memory does not work across hosts, it uses the rollback journal and the
    filesystem's POSIX locks. Duplicate keys resolve last-wins. See docs/design/generation-store.md.
    """

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        self.path = path.with_suffix(".sqlite") if path.suffix == ".jsonl" else path
        self._legacy = path.with_suffix(".jsonl")  # the JSON-lines store of earlier versions, imported once
        self._conn: sqlite3.Connection | None = None
        self._pid = -1

    @staticmethod
    def key(model_identity: str, settings: dict[str, Any], request: Request) -> str:
        """sha256 over (model identity, complete settings, request content); the request id is left out."""
        content = {
            "messages": request.messages,
            "raw_prompt": request.raw_prompt,
            "continue_final_message": request.continue_final_message,
        }
        blob = canonical_json({"v": FORMAT, "model": model_identity, "settings": settings, "request": content})
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Generation | None:
        """The stored generation, if it finished without an error (failed ones are retried)."""
        return self.get_many([key]).get(key)

    def get_many(self, keys: list[str]) -> dict[str, Generation]:
        """key -> stored generation for the keys the store holds (errors excluded), by index lookups."""
        if not self._exists():
            return {}
        conn, found = self._connection(), {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, record in conn.execute(f"SELECT key, record FROM generations WHERE key IN ({marks})", chunk):
                generation = Generation.from_dict(json.loads(record))
                if generation.error is None:
                    found[key] = generation
        return found

    def put(self, key: str, generation: Generation) -> None:
        """Store one generation durably."""
        self.put_many([(key, generation)])

    def put_many(self, items: list[tuple[str, Generation]]) -> None:
        """Store a batch in one transaction: all of it survives a kill after this returns, or none."""
        if not items:
            return
        rows = [(k, json.dumps(g.to_record(), ensure_ascii=False)) for k, g in items]
        conn = self._connection()
        with _transaction(conn):
            conn.executemany("INSERT OR REPLACE INTO generations (key, record) VALUES (?, ?)", rows)

    def __len__(self) -> int:
        if not self._exists():
            return 0
        return int(self._connection().execute("SELECT COUNT(*) FROM generations").fetchone()[0])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def _exists(self) -> bool:
        return self.path.exists() or self._legacy.exists()

    def close(self) -> None:
        """Close this process's connection (it reopens on the next use)."""
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None

    def _connection(self) -> sqlite3.Connection:
        """This process's connection (a forked child opens its own: SQLite handles must not cross a fork)."""
        if self._conn is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            _set_journal_mode(conn, journal_mode(self.path.parent))
            conn.execute("PRAGMA synchronous=FULL")  # the commit of a batch reaches the disk before we go on
            conn.execute("CREATE TABLE IF NOT EXISTS generations (key TEXT PRIMARY KEY, record TEXT NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS imported (name TEXT PRIMARY KEY)")
            self._conn, self._pid = conn, os.getpid()
            self._import_legacy(conn)
        return self._conn

    def _import_legacy(self, conn: sqlite3.Connection) -> None:
        """Move a JSON-lines store of an earlier version in, once (torn lines of killed appends skipped)."""
        if not self._legacy.exists():
            return
        with _transaction(conn):
            if conn.execute("SELECT 1 FROM imported WHERE name = ?", (self._legacy.name,)).fetchone():
                return
            rows = []
            with self._legacy.open("rb") as handle:
                for line in handle:
                    try:
                        record = json.loads(line)
                        rows.append((record["key"], json.dumps(record["generation"], ensure_ascii=False)))
                    except (ValueError, KeyError, TypeError):
                        continue  # torn by a kill during an append: never reported stored
            conn.executemany("INSERT OR REPLACE INTO generations (key, record) VALUES (?, ?)", rows)
            conn.execute("INSERT INTO imported (name) VALUES (?)", (self._legacy.name,))


_CHUNK = 500  # keys per lookup query (below SQLite's bound-variable limit)
_BUSY_TIMEOUT_S = 600.0  # a writer waits this long for another process's transaction
NETWORK_FILESYSTEMS = (
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "lustre",
    "gpfs",
    "beegfs",
    "ceph",
    "glusterfs",
    "9p",
    "fuse",
)


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock on an upgrade."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def journal_mode(directory: Path) -> str:
    """WAL on a local disk; the rollback journal where WAL cannot work (network filesystems, across hosts)."""
    forced = os.environ.get("REAPER_STORE_JOURNAL")
    if forced:
        return forced
    return "DELETE" if filesystem_type(directory) in NETWORK_FILESYSTEMS else "WAL"


def filesystem_type(directory: Path) -> str | None:
    """The type of the filesystem holding ``directory`` (Linux /proc/mounts; None elsewhere)."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    target, best, kind = str(Path(directory).resolve()), -1, None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (target == point or target.startswith(point.rstrip("/") + "/")) and len(point) > best:
            best, kind = len(point), parts[2].split(".")[0]
    return kind


OnBatch = Callable[[list[Generation], int, int], None]


@dataclasses.dataclass
class StoreTally:
    """Request ids one or more store passes generated (the rest came from the store) and failed."""

    generated: set[str] = dataclasses.field(default_factory=set)
    failed: set[str] = dataclasses.field(default_factory=set)

    def line(self, requests: list[Request]) -> str:
        """``generated 2/4, 2 from the store`` over the requests of one method call."""
        ids = {r.id for r in requests}
        new, failed = len(ids & self.generated), len(ids & self.failed)
        return f"generated {new}/{len(ids)}, {len(ids) - new} from the store" + (f", {failed} failed" if failed else "")


def generate_with_store(
    backend: Backend,
    requests: list[Request],
    gen: GenerationConfig,
    store: GenerationStore,
    settings: dict[str, Any],
    batch_size: int,
    use_cache: bool = True,
    on_batch: OnBatch | None = None,
    tally: StoreTally | None = None,
) -> list[Generation]:
    """Generate what the store lacks, batch by batch, storing each batch before the next starts.

    Returns one generation per request in request order (stored ones carry the current request id).
    Failed generations are returned but not stored, so the next run retries them. ``use_cache=False``
    regenerates everything and overwrites. ``on_batch(batch, done, total)`` reports progress over
    the requests that needed generating; ``tally`` collects which request ids were generated.
    """
    keys = [store.key(backend.model_id, settings, r) for r in requests]
    results: dict[str, Generation] = store.get_many(keys) if use_cache else {}
    todo: dict[str, Request] = {}  # key -> first request with it: identical requests generate once
    for key, request in zip(keys, requests, strict=True):
        if key not in results and key not in todo:
            todo[key] = request
    pending = list(todo.items())
    size = max(1, int(batch_size))
    for start in range(0, len(pending), size):
        chunk = pending[start : start + size]
        generations = backend.generate([r for _, r in chunk], gen)
        if len(generations) != len(chunk):
            raise RuntimeError(
                f"backend {backend.name} returned {len(generations)} generations for {len(chunk)} requests"
            )
        store.put_many([(k, g) for (k, _), g in zip(chunk, generations, strict=True) if g.error is None])
        results.update((k, g) for (k, _), g in zip(chunk, generations, strict=True))
        if tally is not None:
            tally.generated.update(r.id for _, r in chunk)
            tally.failed.update(r.id for (_, r), g in zip(chunk, generations, strict=True) if g.error is not None)
        if on_batch is not None:
            on_batch(generations, min(start + size, len(pending)), len(pending))
    return [
        results[k] if results[k].id == r.id else dataclasses.replace(results[k], id=r.id)
        for k, r in zip(keys, requests, strict=True)
    ]


def _set_journal_mode(conn: sqlite3.Connection, mode: str) -> None:
    """Switch the journal mode only when it differs, retrying while another writer holds the file.

    Changing the mode needs the file to itself, and SQLite's busy timeout does not cover that
    switch: a process opening the store while others write would otherwise fail at once.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while True:
        try:
            current = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if current != mode.lower():
                conn.execute(f"PRAGMA journal_mode={mode}")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
