"""Seeded subsets of a task's questions (``task.sample=N task.sample_seed=S``).

Each question gets a rank from a hash of (seed, id) alone, so the subset depends only on the ids
in the file and the seed: the same N ids in every cell of a grid, in every session and on every
machine, whatever the file order, and a larger N keeps every id of a smaller one. With
``by_user`` questions are taken round-robin over users (user order hashed too), so N questions
cover min(N, users) users; questions without a ``user_id`` (the user-based split, where each
question is its own user) count as their own user.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from harness.errors import ReaperError
from harness.types import Example


def draw(examples: list[Example], n: int, seed: int, by_user: bool = False) -> list[Example]:
    """The N sampled questions, kept in file order (all of them when the file has fewer)."""
    if n < 1:
        raise ReaperError(f"task.sample={n}: must be 1 or more (or null for every question)")
    ranked = _round_robin(examples, seed) if by_user else sorted(examples, key=lambda e: _rank(seed, "q", e.id))
    chosen = {e.id for e in ranked[:n]}
    return [e for e in examples if e.id in chosen]


def _round_robin(examples: list[Example], seed: int) -> list[Example]:
    """Questions ordered by (position within their user's hashed order, the user's hash)."""
    users: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        users[example.user_id if example.user_id is not None else f"question:{example.id}"].append(example)
    keyed = []
    for user, own in users.items():
        own.sort(key=lambda e: _rank(seed, "q", e.id))
        keyed += [((turn, _rank(seed, "u", user)), e) for turn, e in enumerate(own)]
    return [e for _, e in sorted(keyed, key=lambda pair: pair[0])]


def _rank(seed: int, kind: str, key: str) -> str:
    return hashlib.sha256(f"{seed}\x00{kind}\x00{key}".encode()).hexdigest()


def subset_tag(n: int, seed: int, by_user: bool) -> str:
    """The suffix a subset adds to the data hash (retrieval cache key)."""
    return f"sample{n}-seed{seed}" + ("-byuser" if by_user else "")
