"""The keyword arguments a library accepts, read from its installed source without importing it.

``vllm.LLM`` takes its own parameters and hands every other keyword to ``EngineArgs`` (a
dataclass), failing on an unknown one only once the engine starts. Importing vLLM to ask costs
10-20 s on 2 cores, and preflight answers in well under a second, so the names are read from the
syntax trees of the installed files: exactly the installed version's list, never a copied subset.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path


def installed_source(module: str) -> Path | None:
    """The file of ``module`` in its installed package, found without importing anything."""
    top, _, rest = module.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)))
    path = base.joinpath(*rest.split(".")).with_suffix(".py") if rest else base / "__init__.py"
    return path if path.is_file() else None


def _class(module: str, name: str) -> ast.ClassDef | None:
    path = installed_source(module)
    if path is None:
        return None
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)


@cache
def dataclass_fields(module: str, name: str) -> frozenset[str] | None:
    """The fields of dataclass ``module.name`` (its annotated class attributes, ClassVars left out)."""
    node = _class(module, name)
    if node is None:
        return None
    return frozenset(
        item.target.id
        for item in node.body
        if isinstance(item, ast.AnnAssign)
        and isinstance(item.target, ast.Name)
        and "ClassVar" not in ast.unparse(item.annotation)
    )


@cache
def init_parameters(module: str, name: str) -> frozenset[str] | None:
    """The named parameters of ``module.name.__init__`` (``self`` and ``**kwargs`` left out)."""
    node = _class(module, name)
    init = next(
        (n for n in (node.body if node else []) if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
    )
    if init is None:
        return None
    args = init.args
    return frozenset(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs][1:])
