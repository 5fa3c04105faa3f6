"""User-facing errors: one line on stderr, exit code 2, no traceback (the CLI catches these)."""

from __future__ import annotations


class ReaperError(Exception):
    """A one-line user-facing error; the CLI prints it and exits 2."""


class DataError(ReaperError):
    """Bad input data: names the file, the record id and the field, so the user can fix it."""

    def __init__(self, path: object, record_id: object, field: str, problem: str) -> None:
        self.path, self.record_id, self.field, self.problem = str(path), record_id, field, problem
        rid = "-" if record_id is None else str(record_id)
        super().__init__(f"{self.path}: record {rid}: field {field!r}: {problem}")


def one_line(err: BaseException) -> str:
    """The error as one line: library messages sometimes carry carets and newlines."""
    return " ".join(str(err).split())
