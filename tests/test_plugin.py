"""The plugin path: tasks found through the `reaper.tasks` entry-point group, without editing reaper."""

import json
import sys
import textwrap

from harness.cli.main import main
from harness.registry import TASKS, Registry, get_task


def test_an_entry_point_in_a_fresh_distribution_registers_a_task(tmp_path, monkeypatch):
    """A tiny installed distribution (dist-info with entry_points.txt) is discovered by importlib.metadata."""
    (tmp_path / "my_plugin_mod.py").write_text(
        textwrap.dedent(
            """
            class Shout:
                name = "shout"
                kind = "generation"
                labels = None
                metrics = ("rouge-1", "rouge-L")
                item_fields = ("text",)
                def query(self, example): return example.input
                def item_text(self, item): return item["text"]
                def render_item(self, item): return item["text"]
                def prompt(self, example, items): return example.input.upper()
                def parse_strict(self, text): return text.strip()
                def parse_lenient(self, text): return text.strip()
                def check_gold(self, gold): return None
            """
        )
    )
    dist = tmp_path / "my_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[reaper.tasks]\nshout = my_plugin_mod:Shout\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry("task", {})
    assert "shout" in registry.names()
    task = registry.get("shout")()
    assert task.prompt(type("E", (), {"input": "hi"})(), []) == "HI"
    sys.modules.pop("my_plugin_mod", None)


def test_example_recipe_task_is_installed_and_scores(tmp_path, capsys):
    assert "recipe_tag" in TASKS.names()
    task = get_task("recipe_tag")
    assert task.labels[0] == "vegetarian"
    golds = {"task": "recipe_tag", "golds": [{"id": "1", "output": "dessert"}, {"id": "2", "output": "spicy"}]}
    preds = {"task": "recipe_tag", "golds": [{"id": "1", "output": "dessert"}, {"id": "2", "output": "healthy"}]}
    (tmp_path / "g.json").write_text(json.dumps(golds))
    (tmp_path / "p.json").write_text(json.dumps(preds))
    assert (
        main(
            ["score", "--task", "recipe_tag", "--golds", str(tmp_path / "g.json"), "--preds", str(tmp_path / "p.json")]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    # accuracy 1/2; F1: dessert 1, spicy 0, healthy 0, others 0 -> 1/6
    assert result == {"accuracy": 0.5, "f1": 1 / 6}


def test_example_recipe_task_runs_retrieval_on_its_own_sample(tmp_path, capsys):
    from harness.data.load import bundled_files

    questions, outputs = bundled_files(get_task("recipe_tag"))
    out = tmp_path / "r.json"
    code = main(["retrieve", "--task", "recipe_tag", "--questions", str(questions), "--retriever", "bm25", "--k", "3",
                 "--out", str(out), "--cache-dir", str(tmp_path / "c")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = json.loads(out.read_text())
    assert len(rows) >= 10 and all(len(r["profile_ids"]) == 3 for r in rows)
