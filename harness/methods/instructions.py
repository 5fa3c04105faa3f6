"""The reasoning methods' prompt texts, read from YAML files at run time (harness/methods/templates/).

Texts are data, not code: a user changes a template by editing (or overriding) a file, and a diff
of the file is a diff of the prompt. The official LaMP prompt is never edited: every method appends
its instruction after it, separated by a blank line, so the LaMP prompt stays the byte-identical
first part of the user message.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ReaperError
from harness.types import Task, TaskKind

KINDS: tuple[TaskKind, ...] = ("classification", "rating", "generation")
SEPARATOR = "\n\n"  # between the official prompt and an appended instruction


class Templates:
    """All texts of one template directory (the packaged one, or a user's copy that overrides it)."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory
        self.formats = self._load("formats")
        self.cot = self._load("cot")
        self.hrt = self._load("hrt")
        self.rpi = self._load("rpi")
        self.srm = self._load("srm")
        self.levels: tuple[str, ...] = tuple(str(h) for h in self.hrt["levels"])
        for name, data in (("formats", self.formats), ("cot", self.cot), ("hrt", self.hrt), ("srm", self.srm)):
            missing = [k for k in KINDS if k not in data]
            if missing:
                raise ReaperError(f"template {name}.yaml lacks the task types {', '.join(missing)}")

    def _load(self, name: str) -> dict[str, Any]:
        """A user's file wins over the packaged one, so only changed files need copying."""
        if self.directory:
            own = Path(self.directory).expanduser() / f"{name}.yaml"
            if own.is_file():
                return _parse(own.read_text(encoding="utf-8"), str(own))
        return _packaged(name)

    def answer_format(self, task: Task) -> str:
        """The task type's answer format, its labels filled in."""
        labels = ", ".join(task.labels or ())
        return str(self.formats[task.kind]).format(labels=labels)

    def instruction(self, template: str, task: Task) -> str:
        """The cot or hrt instruction for this task's type ("" for template "none")."""
        if template == "none":
            return ""
        source = {"cot": self.cot, "hrt": self.hrt}.get(template)
        if source is None:
            raise ReaperError(f"unknown reasoning template {template!r}; known: none, cot, hrt")
        headers = {f"level{i + 1}": h for i, h in enumerate(self.levels)}
        return str(source[task.kind]).format(format=self.answer_format(task), **headers)

    def rpi_text(self, key: str, task: Task, reason: str | None = None, **values: str) -> str:
        """One corrective text of the monitor; ``close`` gets the task type's answer prefix appended.

        ``close`` may be one text or a mapping from the reason the harness closes the thinking
        (budget, no_answer, level_over_budget, repetition) to its text, with ``default`` for any
        other reason: the inserted sentence must say why the harness stepped in, never claim a spent
        budget when the model stopped early.
        """
        entry = self.rpi[key]
        if isinstance(entry, dict):
            entry = entry.get(reason or "default", entry.get("default"))
            if entry is None:
                raise ReaperError(f"template rpi.yaml: {key} has no text for {reason!r} and no 'default'")
        text = str(entry).format(format=self.answer_format(task), **values)
        if key == "close":
            text += str(self.rpi.get("answer_prefix", {}).get(task.kind, ""))
        return text

    def consolidation(self, task: Task, answers: list[str]) -> str:
        """The srm instruction listing the candidate answers (numbered from 1)."""
        line = str(self.srm["candidate"])
        listed = "\n".join(line.format(number=i + 1, answer=a) for i, a in enumerate(answers))
        return str(self.srm[task.kind]).format(candidates=listed, format=self.answer_format(task))


def with_instruction(prompt: str, instruction: str) -> str:
    """The official prompt unchanged, then the method's instruction after a blank line."""
    return prompt + SEPARATOR + instruction if instruction else prompt


def header_pattern(header: str) -> re.Pattern[str]:
    """Finds a level header by its leading words ("Level 2") at a line start, markdown allowed.

    Models restyle headers ("**Level 2: Profile**", "level 2 -"), so only the words before the
    first punctuation must match, case-insensitively, and not be followed by another digit.
    """
    lead = re.split(r"\s*[-–—:(]", header.strip(), maxsplit=1)[0]
    words = r"\s*".join(re.escape(w) for w in lead.split())
    return re.compile(rf"(?im)^[\s#*_>\-]*{words}(?!\d)")


@lru_cache(maxsize=8)
def _packaged(name: str) -> dict[str, Any]:
    resource = files("harness.methods.templates").joinpath(f"{name}.yaml")
    return _parse(resource.read_text(encoding="utf-8"), f"harness/methods/templates/{name}.yaml")


def _parse(text: str, where: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ReaperError(f"{where}: expected a mapping of texts")
    return data


@lru_cache(maxsize=4)
def load_templates(directory: str | None = None) -> Templates:
    """The templates of ``directory`` (None = the packaged ones), parsed once per process."""
    return Templates(directory)
