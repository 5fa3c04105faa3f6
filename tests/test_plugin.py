"""The plugin path: plugins found through the `reaper.*` entry-point groups, without editing reaper.

Each installed plugin here is a real distribution on the import path (a dist-info folder with
METADATA and entry_points.txt, as pip writes it), found by importlib.metadata like any package.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from harness.cli.main import main
from harness.registry import TASKS, PluginError, Registry, get_task

REPO = Path(__file__).resolve().parent.parent

SHOUT = """
class Shout:
    name = "shout"
    kind = "generation"
    labels = None
    metrics = ("rouge-1", "rouge-L")
    item_fields = ("text",)
    budget_field = "text"
    output_field = "text"
    label_field = None
    sample_dir = None
    def query(self, example): return example.input
    def item_text(self, item): return item["text"]
    def render_item(self, item): return item["text"]
    def prompt(self, example, items): return example.input.upper()
    def parse_strict(self, text): return text.strip()
    def parse_lenient(self, text): return text.strip()
    def labels_in(self, text): return []
    def check_gold(self, gold): return None
"""


def install_plugin(root: Path, module: str, source: str, entry_points: str, dist: str = "my-plugin") -> Path:
    """A module and its distribution's metadata under ``root`` (put ``root`` on the import path)."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    return root


def reaper(plugins: Path, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """The reaper command in a fresh process whose import path holds the plugins' folder."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugins), str(REPO)]), "HF_HUB_OFFLINE": "1",
           "REAPER_CACHE": str(plugins / "cache")}  # fmt: skip
    cmd = [sys.executable, "-m", "harness.cli.main", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_an_entry_point_in_a_fresh_distribution_registers_a_task(tmp_path, monkeypatch):
    install_plugin(tmp_path, "my_plugin_mod", SHOUT, "[reaper.tasks]\nshout = my_plugin_mod:Shout\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry("task", {})
    assert "shout" in registry.names()
    task = registry.get("shout")()
    assert task.prompt(type("E", (), {"input": "hi"})(), []) == "HI"
    assert registry.package("shout") == {"package": "my-plugin", "version": "1.0"}
    sys.modules.pop("my_plugin_mod", None)


def test_a_plugin_missing_members_of_its_protocol_is_one_line_naming_plugin_and_members(tmp_path):
    broken = SHOUT.replace('    budget_field = "text"\n', "").replace("    def labels_in(self, text): return []\n", "")
    install_plugin(tmp_path, "shout_mod", broken, "[reaper.tasks]\nshout = shout_mod:Shout\n")
    result = reaper(tmp_path, "score", "--task", "shout", "--golds", "g.json", "--preds", "p.json")
    assert result.returncode == 2
    assert result.stderr == (
        "reaper: error: task plugin 'shout' (entry point shout = shout_mod:Shout, package my-plugin 1.0) does not "
        "implement the Task protocol of harness.types: missing budget_field, labels_in\n"
    )


def test_a_plugin_with_a_builtin_name_is_an_error_whatever_is_asked(tmp_path):
    install_plugin(tmp_path, "shout_mod", SHOUT, "[reaper.tasks]\nlamp4 = shout_mod:Shout\n")
    result = reaper(tmp_path, "tasks")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "reaper: error: task plugin 'lamp4' (entry point lamp4 = shout_mod:Shout, package my-plugin 1.0) has the "
        "name of the built-in task 'LaMP_4'; rename the entry point\n"
    )
    run = reaper(tmp_path, "run", "task=lamp2", "model=canned", f"runs_dir={tmp_path / 'runs'}")  # not even asked for
    assert run.returncode == 2 and run.stderr.splitlines()[-1].startswith("reaper: error: task plugin 'lamp4'")
    assert "Traceback" not in run.stderr and not (tmp_path / "runs").exists()


def test_two_installed_plugins_with_one_name_are_an_error(tmp_path):
    install_plugin(tmp_path, "shout_mod", SHOUT, "[reaper.tasks]\nshout = shout_mod:Shout\n")
    install_plugin(tmp_path, "other_mod", SHOUT, "[reaper.tasks]\nshout = other_mod:Shout\n", dist="other-plugin")
    result = reaper(tmp_path, "tasks")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("reaper: error: two installed task plugins are named 'shout': entry point shout = ")
    assert "shout_mod:Shout, package my-plugin 1.0" in line and "other_mod:Shout, package other-plugin 1.0" in line


def test_a_decorator_registration_with_a_builtin_name_is_refused():
    registry = Registry("method", {"direct": "harness.methods.direct"})

    class Mine:
        name = "direct"

        def check(self, backend): ...
        def run(self, task, examples, prompts, generate, gen): ...

    try:
        registry.register("direct")(Mine)
    except PluginError as err:
        assert str(err) == (
            f"method plugin 'direct' (registered in {__name__}) has the name of a built-in method; rename it"
        )
    else:
        raise AssertionError("a plugin shadowed the built-in method")


def test_every_builtin_plugin_implements_its_protocol():
    from harness.registry import ANALYZERS, BACKENDS, METHODS, RETRIEVERS

    for registry in (TASKS, RETRIEVERS, BACKENDS, METHODS, ANALYZERS):
        for name in registry.names():
            registry.get(name)  # imports the module; registering checks the class


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
