"""A user's profile kept compressed, rebuilt only while one question is being worked on.

Profiles are most of a LaMP file (a 320 MB LaMP_4 dev file is ~99% profile items) and, parsed into
dicts and strings, cost about 1.5x their JSON size. Held for every question through retrieval,
prompts, writing and scoring they made a run's peak memory several times the file. Only the
retriever reads a whole profile, one question at a time; everything after it needs the k retrieved
items. So each question's profile is kept pickled and zlib-compressed (level 1: the fastest, about
0.4x the file on LaMP-like text) and rebuilt when a stage reads it; the in-process data
memo (``harness.data.load``) keeps these packed profiles, so every cell of a grid still reads the
file once. See docs/design/compact-profiles.md.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterator, Sequence
from typing import Any, overload

from harness.types import Item

LEVEL = 1  # zlib's fastest level: ~0.4x the JSON on LaMP-like text; higher levels cost 2-5x the time
PROTOCOL = 5


class PackedProfile(Sequence[Item]):
    """A profile, pickled and compressed; ``len`` is free, reading items rebuilds the whole profile.

    Read it once per question (``list(profile)``, iteration or ``unpack``) and index the list:
    ``profile[i]`` rebuilds everything for one item. Each read returns fresh objects, so a caller
    may change them without touching the stored profile. Pickle rather than JSON: 3x faster to
    write, exact for any value a loader yields (a Hugging Face dataset's dates too), and safe here:
    the bytes are this program's own, made from validated data, never written to or read from a file.
    """

    __slots__ = ("_blob", "_n")

    def __init__(self, items: list[Item]) -> None:
        self._blob = zlib.compress(pickle.dumps(items, PROTOCOL), LEVEL)
        self._n = len(items)

    def unpack(self) -> list[Item]:
        """The items, rebuilt now (a new list of new dicts on every call)."""
        items: list[Item] = pickle.loads(zlib.decompress(self._blob))  # noqa: S301 - our own bytes
        return items

    @property
    def nbytes(self) -> int:
        """Bytes the packed profile holds (compressed)."""
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


def pack(items: list[Item]) -> PackedProfile:
    """The profile packed (``harness.data.load`` packs every profile it validates)."""
    return PackedProfile(items)
