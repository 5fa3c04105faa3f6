"""``reaper data fetch`` and ``reaper data list``: get the official LaMP files into a data root and check them.

The root then serves every task of a grid: ``reaper run sweep=lrm_vs_llm data.root=DIR``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.errors import ReaperError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(metavar="ACTION", dest="data_action")
    fetch = sub.add_parser("fetch", help="download LaMP files into a data root (resumable, checked)")
    fetch.add_argument("tasks", nargs="*", metavar="TASK", help="LaMP_1 … LaMP_7 (default: every public task)")
    fetch.add_argument("--split", default="user", help="user (default) | time")
    fetch.add_argument("--partition", default="dev", help="train | dev (default) | test (questions only)")
    fetch.add_argument("--root", required=True, help="data root (the download page's layout is kept)")
    fetch.add_argument("--base-url", default=None,
                       help="download base (default: $REAPER_LAMP_URL or the LaMP download page)")  # fmt: skip
    fetch.add_argument("--force", action="store_true", help="download again even if the file is intact")
    fetch.add_argument("--connect-timeout", type=float, default=5.0, help="seconds to wait for the host (default 5)")
    listing = sub.add_parser("list", help="show the files of a data root and verify their sha256")
    listing.add_argument("--root", required=True, help="data root")
    listing.add_argument("--no-verify", action="store_true", help="check sizes only (no re-hashing)")


def handle(ns: argparse.Namespace) -> None:
    if ns.data_action == "fetch":
        _fetch(ns)
    elif ns.data_action == "list":
        _list(ns)
    else:
        raise ReaperError("reaper data: choose an action: fetch or list (reaper data --help)")


def _fetch(ns: argparse.Namespace) -> None:
    from harness.data.fetch import base_url, fetch, plan, report

    wanted = plan(list(ns.tasks), ns.split, ns.partition)
    report(fetch(wanted, Path(ns.root).expanduser(), base_url(ns.base_url), ns.force, ns.connect_timeout))


def _list(ns: argparse.Namespace) -> None:
    """One line per recorded file with its verification; exit 2 when anything fails it."""
    from harness.data import manifest

    root = Path(ns.root).expanduser()
    entries = manifest.read(root)
    if not entries:
        raise ReaperError(f"{root}: no {manifest.MANIFEST} (get the data with: reaper data fetch --root {root})")
    bad = 0
    print(
        f"{'task':<7} {'split':<5} {'partition':<9} {'kind':<9} {'bytes':>13}  {'sha256':<12}  {'date':<25} status  path"
    )
    for path, entry in sorted(entries.items()):
        state = manifest.status(root, entry, check_hash=not ns.no_verify)
        bad += state != "ok"
        print(f"{entry.task:<7} {entry.split:<5} {entry.partition:<9} {entry.kind:<9} {entry.size:>13,}  "
              f"{entry.sha256[:12]:<12}  {entry.date:<25} {state}  {path}")  # fmt: skip
    for path in manifest.unrecorded(root, entries):
        print(f"{'?':<7} {'':<5} {'':<9} {'':<9} {'':>13}  {'':<12}  {'':<25} not in the manifest  {path}")
    if bad:
        raise ReaperError(f"{root}: {bad} of {len(entries)} files fail verification (reaper data fetch ... --force)")
