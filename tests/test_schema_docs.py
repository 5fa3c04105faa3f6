"""Records and configs are the run directory's schema: every field is documented where it is declared."""

import dataclasses

import harness.config as config
import harness.types as types
from harness.schema_docs import field_docs, schema_markdown

RECORDS = [types.Example, types.Request, types.Generation, types.Sample]
CONFIGS = [obj for obj in vars(config).values() if dataclasses.is_dataclass(obj) and obj.__module__ == config.__name__]


def test_every_record_and_config_field_has_an_attribute_docstring():
    assert len(CONFIGS) >= 9
    undocumented = [f"{cls.__name__}.{name}" for cls in RECORDS + CONFIGS for name, doc in field_docs(cls).items()
                    if not doc]  # fmt: skip
    assert undocumented == []


def test_field_docs_reads_the_docstring_below_each_field():
    docs = field_docs(types.Example)
    assert list(docs) == ["id", "input", "profile", "gold", "user_id"]
    assert docs["gold"] == "the gold output from the outputs file; None when no golds are known (test partition)."


def test_schema_markdown_expands_nested_configs():
    lines = schema_markdown(config.RunConfig)
    assert "- `model.api.timeout_s`: per-request timeout in seconds." in lines
    assert lines[0].startswith("- `task`: ")
    drift = next(line for line in lines if line.startswith("- `analyzer.divergent_thinking.drift_share`: "))
    assert "DivergentThinking(drift_share=…): default 0.333" in drift
