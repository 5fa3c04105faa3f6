"""The choices ``reaper run`` offers in each config group, made at command start.

- ``task=NAME`` works for every registered task, built in or installed, with no YAML file: one
  ConfigStore node per task (``{name: NAME}``) in the ``task`` group, and for the LaMP tasks also
  one per accepted spelling (``LaMP_4``, ``LaMP-4``, ``lamp4``, ``lamp_4``), so ``task=LaMP_4`` and
  ``task=lamp4`` select the same thing. ``task.name=lamp4`` is normalised when the cell starts.
- The structured-config schemas are not presets: they validate every config from the root
  (``run_schema``) and are not stored in the groups; choosing one (``model=model_schema``) is
  refused in one line before Hydra composes anything.
"""

from __future__ import annotations

from pathlib import Path

from hydra.core.config_store import ConfigStore

from harness.errors import ReaperError

CONF_DIR = Path(__file__).resolve().parents[2] / "hydra_conf"
GROUPS = ("task", "retriever", "model", "method", "analyzer")


def task_spellings(name: str) -> list[str]:
    """Every option name that selects a task: LaMP_N, LaMP-N, lampN, lamp_N; a plugin's own name."""
    from harness.registry import task_name

    if task_name(name) != name or not name.startswith("LaMP_"):
        return [name]
    n = name.removeprefix("LaMP_")
    return [name, f"LaMP-{n}", f"lamp{n}", f"lamp_{n}"]


def register_task_nodes() -> list[str]:
    """Store a ``task`` group node per registered task and spelling; returns the option names."""
    from harness.registry import TASKS

    store = ConfigStore.instance()
    options = []
    for name in TASKS.names():
        for option in task_spellings(name):
            store.store(group="task", name=option, node={"name": name})
            options.append(option)
    return options


def presets(group: str) -> list[str]:
    """The options of a config group: its YAML files, plus the generated nodes for tasks."""
    files = sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))
    if group == "task":
        from harness.registry import TASKS

        files = sorted(set(files) | set(TASKS.names()))
    return files


def refuse_schema_choices(overrides: list[str]) -> None:
    """``model=model_schema`` (or any ``GROUP=<group>_schema``): one line naming the presets instead."""
    for override in overrides:
        key, sep, value = override.lstrip("+~").partition("=")
        if not sep or key not in GROUPS:
            continue
        for choice in value.split(","):
            if choice.strip() in (f"{key}_schema", "run_schema"):
                raise ReaperError(
                    f"{key}={choice.strip()}: that is the schema every {key} config is checked against, not a "
                    f"preset; choose one of: {', '.join(presets(key))}"
                )
