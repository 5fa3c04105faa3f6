"""Research areas and a paper generator (title pieces + abstract) shared by LaMP_1 and LaMP_5.

A paper is built from an area's vocabulary: a task, a method, a component, a property, a setting
and sometimes an acronym. The abstract mentions those pieces, so a title written in any style
from the same pieces is a plausible title for that abstract.
"""

from __future__ import annotations

import random

from .areas_applied import APPLIED_AREAS
from .areas_computing import COMPUTING_AREAS
from .common import cap, title_case, word_count

AREAS = {**COMPUTING_AREAS, **APPLIED_AREAS}  # order matters for the seeded choices

ADJECTIVES = [
    "robust",
    "efficient",
    "scalable",
    "interpretable",
    "reliable",
    "data-efficient",
    "adaptive",
    "lightweight",
    "practical",
    "faithful",
]
PROPERTIES = [
    "robustness",
    "efficiency",
    "generalisation",
    "calibration",
    "stability",
    "scalability",
    "interpretability",
    "sample complexity",
]
VERBS = ["Improving", "Rethinking", "Scaling", "Accelerating", "Stabilising", "Revisiting"]
ACRONYMS = [
    "PRISM",
    "TALON",
    "CASCADE",
    "LUMEN",
    "ORBIT",
    "FABLE",
    "KESTREL",
    "MOSAIC",
    "QUILL",
    "RIVET",
    "SPARROW",
    "TIDE",
    "VESPER",
    "ZEPHYR",
    "HALO",
    "NIMBUS",
    "ATLAS-R",
    "CORAL",
    "DELTA-Net",
    "EMBER-X",
    "FLINT",
    "GLIDE",
    "HELIX",
    "IRIS",
    "JUNO",
    "KITE",
    "LOOM",
    "MAPLE",
    "NOVA",
    "OPAL",
    "PIVOT",
    "RUNE",
    "SABLE",
    "THREAD",
    "UMBRA",
    "VIGIL",
    "WEAVE",
    "YARROW",
    "ANVIL",
    "BEACON",
    "CIRRUS",
    "DUNE",
]
CATCHY = [
    "Less Is More",
    "Mind the Gap",
    "Slow and Steady",
    "Fewer Labels, Better Models",
    "Not All Errors Are Equal",
    "Small but Mighty",
    "Look Before You Leap",
    "Old Tricks, New Data",
    "Know Your Limits",
    "Every Sample Counts",
]
QUOTED = ["Good Enough", "More Data", "One Size Fits All", "Black Box", "Ground Truth", "Free Lunch", "Plug and Play"]

CONTEXT = [
    "{Task} is a central problem in {field}, yet {challenge}.",
    "Despite steady progress, {task} remains difficult because {challenge}.",
    "{Task} underpins many applications in {field}, but {challenge}.",
    "Interest in {task} has grown rapidly, although {challenge}.",
]
GAP = [
    "A common approach relies on {baseline}, but it {limitation}.",
    "Most prior work depends on {baseline} and therefore {limitation}.",
    "Methods built on {baseline} are widely used, but such a design {limitation}.",
]
PROPOSAL_ACR = [
    "In this paper, we propose {acr}, a framework based on {method} that {mechanism}.",
    "We introduce {acr}, which combines {method} with {component} and {mechanism}.",
    "This work presents {acr}, {a_adj_approach} to {task} that {mechanism}.",
    "To address this, we develop {acr}, an approach built on {method} that {mechanism}.",
]
PROPOSAL_PLAIN = [
    "In this paper, we propose a framework based on {method} that {mechanism}.",
    "We address this gap with {method}, together with {component}; the resulting system {mechanism}.",
    "Our approach builds on {method} and adds {component}; in this way it {mechanism}.",
]
EVAL = [
    "Experiments on {dataset} and {dataset2} show that {short} improves {metric} by {x} points over strong baselines.",
    "On {dataset}, {short} reduces {cost} by {pct}% while matching the {metric} of the best prior method.",
    "Across {k} benchmarks, including {dataset}, {short} outperforms competitive baselines in {metric}, with the largest gains {setting}.",
    "An evaluation on {dataset} shows consistent improvements in {metric}, particularly {setting}.",
]
ANALYSIS = [
    "Ablation studies indicate that {component} accounts for most of the gain.",
    "We further find that {finding}.",
    "Our analysis also reveals that {finding}, which points to directions for future work.",
    "A detailed error analysis suggests that {finding}.",
]
RELEASE = ["Code and {artifact} are publicly available.", "We release {artifact} to support reproducibility."]


def article(phrase: str) -> str:
    """'a'/'an' + phrase (by first letter; good enough for this vocabulary)."""
    return ("an " if phrase[:1].lower() in "aeio" else "a ") + phrase


def _content_words(phrase: str) -> set[str]:
    words = phrase.lower().replace("-", " ").split()
    return {w.rstrip("s") for w in words if len(w) > 3 and w not in {"with", "from", "over", "based", "learning"}}


def new_paper(
    rng: random.Random,
    area_key: str,
    task: str | None = None,
    acronym: str | None = None,
    use_acronym: bool | None = None,
) -> dict:
    """Pick the pieces of one paper from an area; the abstract and titles are rendered from them."""
    a = AREAS[area_key]
    if use_acronym is None:
        use_acronym = rng.random() < 0.6
    task = task or rng.choice(a["tasks"])
    # A method that repeats a word of the task reads badly ("edge caching for edge caching").
    methods = [m for m in a["methods"] if not _content_words(m) & _content_words(task)] or a["methods"]
    return {
        "area": area_key,
        "task": task,
        "method": rng.choice(methods),
        "component": rng.choice(a["components"]),
        "property": rng.choice(PROPERTIES),
        "adj": rng.choice(ADJECTIVES),
        "setting": rng.choice(a["settings"]),
        "acr": (acronym or rng.choice(ACRONYMS)) if use_acronym else None,
    }


def abstract(rng: random.Random, p: dict, lo: int = 60, hi: int = 120) -> str:
    """Render an abstract (lo..hi words) that mentions the paper's pieces."""
    a = AREAS[p["area"]]
    ds = rng.sample(a["datasets"], 2)
    slots = {
        "task": p["task"],
        "Task": cap(p["task"]),
        "field": a["field"],
        "challenge": rng.choice(a["challenges"]),
        "baseline": rng.choice(a["baselines"]),
        "limitation": rng.choice(a["limitations"]),
        "acr": p["acr"],
        "method": p["method"],
        "a_method": article(p["method"]),
        "component": p["component"],
        "mechanism": rng.choice(a["mechanisms"]),
        "dataset": ds[0],
        "dataset2": ds[1],
        "a_adj_approach": article(p["adj"] + " approach"),
        "short": p["acr"] or rng.choice(["our approach", "the proposed method", "our method"]),
        "metric": rng.choice(a["metrics"]),
        "x": f"{rng.uniform(0.8, 6.5):.1f}",
        "pct": rng.randrange(12, 64),
        "cost": rng.choice(a["costs"]),
        "k": rng.choice(["three", "four", "five", "six", "seven"]),
        "setting": p["setting"],
        "artifact": rng.choice(a["artifacts"]),
    }
    findings = rng.sample(a["findings"], 2)
    proposal = PROPOSAL_ACR if p["acr"] else PROPOSAL_PLAIN
    parts = [rng.choice(CONTEXT), rng.choice(GAP), rng.choice(proposal), rng.choice(EVAL)]
    extras = rng.sample(ANALYSIS, 2) + [rng.choice(RELEASE)]
    sents = [t.format(**slots, finding=findings[0]) for t in parts]
    # Add analysis/release sentences while there is room (each with its own finding).
    for i, t in enumerate(extras):
        s = t.format(**slots, finding=findings[min(i, 1)])
        if word_count(" ".join(sents + [s])) <= hi and (word_count(" ".join(sents)) < lo or rng.random() < 0.6):
            sents.append(s)
    if word_count(" ".join(sents)) > hi:  # drop the gap sentence if a long combination overflowed
        sents.pop(1)
    text = " ".join(sents)
    assert lo <= word_count(text) <= hi, text
    return text


# Title styles: each renders a title from a paper's pieces. Styles are persona traits in LaMP_5.
def _adj(p: dict) -> str:
    """The paper's adjective plus a space, unless the method or task already uses it."""
    return "" if p["adj"] in p["method"] + " " + p["task"] else p["adj"] + " "


def _t(s: str) -> str:
    return title_case(s)


TITLE_STYLES = {
    "method_for_task": lambda p, r: _t(f"{p['method']} for {p['task']}"),
    "towards": lambda p, r: _t(f"towards {p['adj']} {p['task']} with {p['method']}"),
    "verb_via": lambda p, r: _t(f"{r.choice(VERBS).lower()} {p['task']} via {p['method']}"),
    "acronym": lambda p, r: f"{p['acr'] or r.choice(ACRONYMS)}: " + _t(f"{p['method']} for {_adj(p)}{p['task']}"),
    "question": lambda p, r: cap(
        r.choice(
            [
                f"can {p['method']} improve {p['task']}?",
                f"should we use {p['method']} for {p['task']}?",
                f"what can {p['method']} do for {p['task']}?",
                f"how {p['adj']} is {p['task']} {p['setting']}?",
            ]
        )
    ),
    "on_the": lambda p, r: _t(f"on the {p['property']} of {p['method']} for {p['task']}"),
    "catchy": lambda p, r: f"{r.choice(CATCHY)}: " + _t(f"{p['method']} for {p['task']} {p['setting']}"),
    "sentence": lambda p, r: cap(f"{p['method']} with {p['component']} for {p['task']} {p['setting']}"),
    "empirical": lambda p, r: cap(
        r.choice(
            [
                f"an empirical study of {p['method']} for {p['task']}",
                f"a closer look at {p['task']} {p['setting']}",
                f"what makes {p['method']} work for {p['task']}? An empirical study",
            ]
        )
    ),
    "quoted": lambda p, r: _t(f'beyond "{r.choice(QUOTED)}": {p["method"]} for {p["task"]}'),
}


def title(rng: random.Random, p: dict, style: str) -> str:
    return TITLE_STYLES[style](p, rng)
