"""LaMP_1 citation identification: authors with a research area.

Signal: the profile holds the author's papers (mostly from one area, a few from a co-author's
area); the correct reference shares the area's vocabulary (same task family), the wrong one comes
from an unrelated area. Reference order is balanced between [1] and [2].
Quirk: some authors' own titles (and a few profile titles) contain double quotes.
"""

from __future__ import annotations

from . import science
from .common import TEMPLATES, finish_profile, make_question, qids, rng_for

TASK = "LaMP_1"

# user_id, main area, secondary area (co-authored work), profile size, own title with quotes
AUTHORS = [
    ("7101", "nlp", "speech", 24, True),
    ("7102", "vision", "robotics", 10, False),
    ("7103", "ir", "nlp", 30, False),
    ("7104", "databases", "networking", 14, False),
    ("7105", "networking", "security", 18, True),
    ("7106", "security", "databases", 22, False),
    ("7107", "compbio", "health", 52, False),
    ("7108", "robotics", "vision", 16, False),
    ("7109", "hci", "socsci", 12, False),
    ("7110", "climate", "vision", 26, True),
    ("7111", "quantum", "compbio", 20, False),
    ("7112", "speech", "hci", 35, False),
    ("7113", "health", "nlp", 40, False),
    ("7114", "socsci", "ir", 15, False),
]

# Styles used for reference titles (never the quoted style: candidate extraction must stay exact).
REF_STYLES = ["method_for_task", "towards", "verb_via", "acronym", "on_the", "question", "empirical", "sentence"]
PROFILE_STYLES = REF_STYLES + ["catchy"]


def _paper_title(rng, area, style=None, task=None):
    p = science.new_paper(rng, area, task=task)
    return p, science.title(rng, p, style or rng.choice(PROFILE_STYLES))


def build():
    rng = rng_for(TASK)
    ids = qids(1000, len(AUTHORS))
    golds_order = ["[1]", "[2]"] * (len(AUTHORS) // 2) + ["[1]"] * (len(AUTHORS) % 2)
    rng.shuffle(golds_order)
    questions, golds = [], []
    for qid, (uid, area, second, n_items, quoted), gold in zip(ids, AUTHORS, golds_order, strict=True):
        # Profile: the author's earlier papers.
        items, seen = [], set()
        while len(items) < n_items:
            src = area if rng.random() < 0.85 else second
            style = "quoted" if rng.random() < 0.07 else None
            p, t = _paper_title(rng, src, style)
            if t in seen:
                continue
            seen.add(t)
            items.append({"title": t, "abstract": science.abstract(rng, p)})
        profile = finish_profile(rng, qid, items)
        profile_tasks = [t for t in science.AREAS[area]["tasks"] if any(t.lower() in i["title"].lower() for i in items)]

        # The author's new paper, the related reference (same area, a task the profile covers) and a distractor.
        _, own = _paper_title(rng, area, "quoted" if quoted else rng.choice(REF_STYLES))
        while True:
            _, good = _paper_title(
                rng, area, rng.choice(REF_STYLES), task=rng.choice(profile_tasks) if profile_tasks else None
            )
            if good not in seen and good != own:
                break
        far = rng.choice([a for a in science.AREAS if a not in (area, second)])
        _, bad = _paper_title(rng, far, rng.choice(REF_STYLES))
        ref1, ref2 = (good, bad) if gold == "[1]" else (bad, good)
        assert '"' not in ref1 + ref2
        text = TEMPLATES[TASK].format(title=own, ref1=ref1, ref2=ref2)
        questions.append(make_question(qid, uid, text, profile))
        golds.append({"id": qid, "output": gold})
    return questions, {"task": TASK, "golds": golds}
