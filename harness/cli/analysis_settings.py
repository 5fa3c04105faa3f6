"""The analyzer settings of ``reaper analyze`` and ``reaper rescore``: Hydra overrides, as in ``reaper run``.

Both commands take the same overrides as ``reaper run``'s ``analyzer`` group (``analyzer=lexical``,
``analyzer.divergent_thinking.drift_share=0.4``), composed by Hydra against the same typed nodes,
so a misspelt key is the same one-line error. They start from the run's own settings (spec.json's
``config.analyzer``): a rescore without overrides reproduces the run's analysis, a value override
changes that one key, and choosing a preset (``analyzer=NAME``) starts from the preset instead.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from harness.config import AnalyzerConfig
from harness.errors import ReaperError

RUN_OPTION = "_this_run"  # the analyzer group option holding the run's own settings


def analyzer_config(overrides: list[str], run_settings: dict[str, Any] | None = None) -> AnalyzerConfig:
    """The composed ``analyzer`` settings: the run's own (when given), the overrides applied on top."""
    from hydra import compose, initialize_config_module
    from hydra.core.config_store import ConfigStore
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from harness.cli.run import composition_error
    from harness.config import register_configs, to_run_config

    register_configs()
    chosen = list(overrides)
    try:
        if run_settings and not _selects_preset(chosen):
            ConfigStore.instance().store(group="analyzer", name=RUN_OPTION, node=known_settings(run_settings))
            chosen = [f"analyzer={RUN_OPTION}", *chosen]
        if GlobalHydra.instance().is_initialized():
            GlobalHydra.instance().clear()
        with initialize_config_module(config_module="hydra_conf", version_base="1.3"):
            cfg = compose(config_name="analysis", overrides=chosen)
        OmegaConf.set_struct(cfg, False)
        cfg.pop("hydra", None)
        return to_run_config(cfg).analyzer  # type: ignore[attr-defined]
    except (HydraException, OmegaConfBaseException) as err:
        raise ReaperError(composition_error(err)) from None


def _selects_preset(overrides: list[str]) -> bool:
    """Whether an override chooses an ``analyzer`` group option (``analyzer=conservative``)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return any(o.key_or_group == "analyzer" for o in OverridesParser.create().parse_overrides(overrides))


def known_settings(run_settings: dict[str, Any]) -> dict[str, Any]:
    """The run's recorded settings that today's schema still has (a threshold since removed is dropped)."""
    out: dict[str, Any] = {}
    defaults = AnalyzerConfig()
    for f in fields(AnalyzerConfig):
        if f.name not in run_settings:
            continue
        value, default = run_settings[f.name], getattr(defaults, f.name)
        if isinstance(value, dict) and f.name != "plugins" and not isinstance(default, (dict, type(None))):
            names = {g.name for g in fields(default)}
            value = {k: v for k, v in value.items() if k in names}
        out[f.name] = value
    return out


def run_analyzer_settings(spec: dict[str, Any]) -> dict[str, Any] | None:
    """spec.json's ``config.analyzer`` (None for a run written before the analyzers were configurable)."""
    settings = spec.get("config", {}).get("analyzer")
    return settings if isinstance(settings, dict) else None
