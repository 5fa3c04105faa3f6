"""The LaMP download layout, the one rule shared by ``reaper data fetch`` and the data root.

A data root mirrors the download page tree (LAMP.md "Where users get the data"), so a file's
local path is its URL path under the root: ``LaMP_4/dev/dev_questions.json``, the time-based split
under ``time/``, and LaMP_2 movie tagging under ``LaMP_2/new/`` (plain ``LaMP_2/`` on the server is
the retired news task). Every task, plugins included, resolves its files this way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.data.load import HF_PREFIX
from harness.errors import ReaperError

SPLITS = ("user", "time")
PARTITIONS = ("train", "dev", "test")
KINDS = ("questions", "outputs")
DOWNLOADABLE = ("LaMP_1", "LaMP_2", "LaMP_3", "LaMP_4", "LaMP_5", "LaMP_7")  # LaMP_6 is a licensed corpus
SUBTREE = {"LaMP_2": "new"}  # the movie-tagging LaMP_2 lives in a subfolder of its task folder


def check_choice(setting: str, value: str, choices: tuple[str, ...]) -> None:
    """A split or partition outside its choices is a one-line error naming the setting."""
    if value not in choices:
        raise ReaperError(f"{setting}={value!r} is not one of {', '.join(choices)}")


def kinds_of(partition: str) -> tuple[str, ...]:
    """The files a partition has: the test partition's golds are withheld for the leaderboard."""
    return ("questions",) if partition == "test" else KINDS


def relative_path(task: str, split: str, partition: str, kind: str) -> str:
    """The file's path under the download base and under a data root (always ``/``-separated)."""
    parts = [] if split == "user" else ["time"]
    parts += [task, *([SUBTREE[task]] if task in SUBTREE else []), partition, f"{partition}_{kind}.json"]
    return "/".join(parts)


def fetch_command(task: str, split: str, partition: str, root: str) -> str:
    """The command that downloads a task's files into a root (for error messages and docs)."""
    return f"reaper data fetch {task} --split {split} --partition {partition} --root {root}"


@dataclass(frozen=True)
class Sources:
    """The files a cell reads: questions (None = bundled sample) and golds (None = none or bundled)."""

    questions: str | None
    outputs: str | None


def resolve_sources(
    task: str, questions: str | None, outputs: str | None, root: str | None, split: str, partition: str
) -> Sources:
    """Which files a task reads: an explicit ``task.questions`` wins, else the data root, else the sample.

    ``task.outputs`` alone would score the bundled questions against the user's golds (and record
    the user's file as the source), so it is refused. Every path is checked to exist here, before
    any model engine starts.
    """
    check_choice("data.split", split, SPLITS)
    check_choice("data.partition", partition, PARTITIONS)
    if questions is not None:
        return Sources(_existing(questions, "task.questions"), _existing(outputs, "task.outputs"))
    if root is not None:
        base = Path(root).expanduser()
        found = _root_file(base, task, split, partition, "questions")
        golds = outputs
        if golds is None and partition != "test":
            golds = _root_file(base, task, split, partition, "outputs")
        return Sources(found, _existing(golds, "task.outputs"))
    if outputs is not None:
        raise ReaperError(
            f"task.outputs={outputs} is set without task.questions: the bundled questions would be scored "
            "against it; set task.questions too (or data.root=DIR)"
        )
    return Sources(None, None)


def _root_file(root: Path, task: str, split: str, partition: str, kind: str) -> str:
    path = root / relative_path(task, split, partition, kind)
    if path.is_file():
        return str(path)
    if task in DOWNLOADABLE:
        how = f"get it with: {fetch_command(task, split, partition, str(root))}"
    elif task == "LaMP_6":
        how = "LaMP_6 is built from a licensed corpus: put your own file there, or set task.questions"
    else:
        how = "put the file there, or set task.questions"
    raise ReaperError(f"{task}: no {kind} file {path} under data.root; {how}")


def _existing(path: str | None, setting: str) -> str | None:
    if path is None or path.startswith(HF_PREFIX) or Path(path).expanduser().exists():
        return path
    raise ReaperError(f"{setting}={path}: file not found")
