"""LaMP_5 scholarly title generation: researchers with a title style.

Signal: each researcher titles papers in one recognisable way (acronym + colon, questions,
"Towards ...", "On the ...", catchy phrase + colon, plain sentence case, ...); about nine in ten
profile papers follow it, and the gold title of the question abstract follows it too.
"""

from __future__ import annotations

from . import science
from .common import TEMPLATES, finish_profile, make_question, qids, rng_for

TASK = "LaMP_5"

# user_id, area, preferred title style, profile size
RESEARCHERS = [
    ("7501", "nlp", "acronym", 22),
    ("7502", "vision", "question", 14),
    ("7503", "ir", "towards", 30),
    ("7504", "databases", "on_the", 10),
    ("7505", "networking", "catchy", 18),
    ("7506", "security", "sentence", 26),
    ("7507", "compbio", "verb_via", 16),
    ("7508", "robotics", "acronym", 40),
    ("7509", "hci", "empirical", 12),
    ("7510", "climate", "method_for_task", 20),
    ("7511", "quantum", "question", 24),
    ("7512", "speech", "towards", 15),
    ("7513", "health", "catchy", 34),
    ("7514", "socsci", "quoted", 19),
]


def build():
    rng = rng_for(TASK)
    ids = qids(5000, len(RESEARCHERS))
    questions, golds = [], []
    for qid, (uid, area, style, n_items) in zip(ids, RESEARCHERS, strict=True):
        acr = style == "acronym" or None  # acronym-style authors always name their method
        items, seen = [], set()
        while len(items) < n_items:
            p = science.new_paper(rng, area, use_acronym=acr)
            st = style if rng.random() < 0.9 else rng.choice(list(science.TITLE_STYLES))
            t = science.title(rng, p, st)
            if t in seen:
                continue
            seen.add(t)
            items.append({"title": t, "abstract": science.abstract(rng, p)})
        profile = finish_profile(rng, qid, items)
        while True:
            p = science.new_paper(rng, area, use_acronym=acr)
            gold = science.title(rng, p, style)
            if gold not in seen:
                break
        text = TEMPLATES[TASK].format(abstract=science.abstract(rng, p))
        questions.append(make_question(qid, uid, text, profile))
        golds.append({"id": qid, "output": gold})
    return questions, {"task": TASK, "golds": golds}
