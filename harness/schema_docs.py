"""The run directory's schema, read from the attribute docstrings of the records and configs.

Every field of ``harness.types``' records (samples.jsonl, generations.jsonl) and of
``harness.config``'s dataclasses (spec.json's ``config``) carries a docstring right below it;
``field_docs`` reads them from the source, so documentation is generated, never restated.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import fields, is_dataclass


def field_docs(cls: type) -> dict[str, str | None]:
    """Field name -> its attribute docstring (None when it has none), in declaration order.

    A dataclass made at run time (an analyzer's settings, derived from its constructor) has no
    source; it carries its docs as ``__field_docs__``.
    """
    made = getattr(cls, "__field_docs__", None)
    if isinstance(made, dict):
        return {f.name: made.get(f.name) for f in fields(cls)}  # type: ignore[arg-type]
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str | None] = {}
    for node, after in zip(body, [*body[1:], None], strict=True):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            is_doc = isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
            docs[node.target.id] = inspect.cleandoc(after.value.value) if is_doc else None  # type: ignore[union-attr]
    return {f.name: docs.get(f.name) for f in fields(cls)}  # type: ignore[arg-type]


def schema_markdown(cls: type, prefix: str = "") -> list[str]:
    """One markdown line per field (nested configs expanded as ``parent.child``)."""
    lines = []
    hints = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    for name, doc in field_docs(cls).items():
        lines.append(f"- `{prefix}{name}`: {doc or '(undocumented)'}")
        nested = hints[name].default_factory  # type: ignore[misc]
        if is_dataclass(nested) and isinstance(nested, type):
            lines.extend(schema_markdown(nested, f"{prefix}{name}."))
    return lines
