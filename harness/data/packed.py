"""A user's profile kept compressed and parsed only while one question is being worked on.

Profiles are most of a LaMP file (a 320 MB LaMP_4 dev file is ~99% profile items) and, parsed into
dicts and strings, cost about 1.5x their JSON size. Held for every question through retrieval,
prompts, writing and scoring they made a run's peak memory several times the file. Only the
retriever reads a whole profile, one question at a time; everything after it needs the k retrieved
items. So each question's profile is kept as zlib-compressed compact JSON (level 1: the fastest,
about 0.4x the file on LaMP-like text) and parsed again when a stage reads it; the in-process data
memo (``harness.data.load``) keeps these packed profiles, so every cell of a grid still reads the
file once. See docs/design/compact-profiles.md.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Sequence
from typing import Any, overload

from harness.types import Item

LEVEL = 1  # zlib's fastest level: ~0.4x the JSON on LaMP-like text; higher levels cost 2-5x the time


class PackedProfile(Sequence[Item]):
    """A profile as compressed JSON; ``len`` is free, reading items parses the whole profile.

    Read it once per question (``list(profile)``, iteration or ``unpack``) and index the list:
    ``profile[i]`` parses everything for one item. Each read returns fresh objects, so a caller may
    change them without touching the stored profile.
    """

    __slots__ = ("_blob", "_n")

    def __init__(self, items: list[Item]) -> None:
        text = json.dumps(items, separators=(",", ":"))  # ASCII: non-ASCII and lone surrogates escaped
        self._blob = zlib.compress(text.encode("ascii"), LEVEL)
        self._n = len(items)

    def unpack(self) -> list[Item]:
        """The items, parsed now (a new list of new dicts on every call)."""
        items: list[Item] = json.loads(zlib.decompress(self._blob))
        return items

    @property
    def nbytes(self) -> int:
        """Bytes the packed profile holds (its compressed JSON)."""
        return len(self._blob)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        return self.unpack()[index]

    def __iter__(self) -> Iterator[Item]:
        return iter(self.unpack())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (PackedProfile, list, tuple)):
            return self.unpack() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to a list, so unhashable like one

    def __repr__(self) -> str:
        return f"PackedProfile({self._n} items, {len(self._blob)} bytes)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_from_blob, (self._blob, self._n))  # pickled packed (joblib, submitit), never expanded


def _from_blob(blob: bytes, n: int) -> PackedProfile:
    packed = PackedProfile.__new__(PackedProfile)
    packed._blob, packed._n = blob, n
    return packed


def pack(items: list[Item]) -> Sequence[Item]:
    """The profile packed; a profile that is not plain JSON (e.g. dates from a Hugging Face dataset) as it is."""
    try:
        return PackedProfile(items)
    except (TypeError, ValueError):
        return items
