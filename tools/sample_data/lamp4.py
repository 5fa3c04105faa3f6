"""LaMP_4 news headline generation: journalists with a beat and a headline style.

Signal: each journalist covers one beat (so profile articles are topically close to the question
article) and writes headlines in one style: wire-style sentence case, Title Case, short and
punchy, "Topic: ..." colon headlines, questions, "How/Why/What ..." explainers, or quote-led
headlines with curly quotes. About nine in ten profile headlines follow the style; the gold does.
"""

from __future__ import annotations

from .common import FIRST_NAMES, SURNAMES, TEMPLATES, cap, finish_profile, make_question, qids, rng_for, title_case
from .news_beats_1 import BEATS_1
from .news_beats_2 import BEATS_2

TASK = "LaMP_4"
BEATS = {**BEATS_1, **BEATS_2}  # order matters for the seeded choices


def _lower_article(subject):
    """After a colon, a leading article is lower-case ("Rates: the central bank ...")."""
    return subject[0].lower() + subject[1:] if subject.startswith(("The ", "A ", "An ")) else subject


STYLES = {
    "wire": lambda s: cap(f"{s['subject']} {s['vp']}"),
    "title_case": lambda s: title_case(cap(f"{s['subject']} {s['vp']}")),
    "punchy": lambda s: cap(f"{s['who']} {s['short']}"),
    "colon": lambda s: f"{s['topic']}: {_lower_article(s['subject'])} {s['vp']}",
    "question": lambda s: cap(s["question"]),
    "explainer": lambda s: cap(s["explainer"]),
    "quote": lambda s: f"‘{s['quote']}’: {cap(s['who'])} {s['short']}",
}

# user_id, beat, headline style, profile size
JOURNALISTS = [
    ("7401", "transport", "colon", 18),
    ("7402", "transport", "question", 12),
    ("7403", "tech", "punchy", 26),
    ("7404", "tech", "explainer", 15),
    ("7405", "football", "wire", 30),
    ("7406", "football", "quote", 20),
    ("7407", "environment", "title_case", 22),
    ("7408", "environment", "question", 10),
    ("7409", "health", "explainer", 24),
    ("7410", "health", "wire", 16),
    ("7411", "business", "punchy", 28),
    ("7412", "business", "colon", 14),
    ("7413", "food", "quote", 19),
    ("7414", "science", "title_case", 21),
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "March", "April", "June", "August", "September", "October", "November"]


def _slots(rng, beat):
    b = BEATS[beat]
    slots = {key: rng.choice(vals) for key, vals in b["slots"].items()}
    if "rival" in slots and "team" in slots:
        slots["rival"] = rng.choice([r for r in b["slots"]["rival"] if r != slots["team"]])
    slots.update(
        n=rng.randrange(6, 60),
        m=rng.randrange(120, 900),
        k=rng.randrange(2, 7),
        pct=rng.randrange(3, 19),
        year=rng.randrange(2004, 2016),
        day=rng.choice(DAYS),
        month=rng.choice(MONTHS),
        person=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        role=rng.choice(b["roles"]),
    )
    return slots


def _render(template, slots):
    return template.format(**slots)


def article(rng, beat, st, slots):
    """Fill a story: the article text (60..150 words) and the headline pieces."""
    pieces = {k: _render(v, slots) for k, v in st.items() if k != "body"}
    slots = dict(slots, quote=pieces["quote"])
    body = [cap(_render(t, slots)) for t in st["body"]]
    extra = [cap(_render(t, slots)) for t in BEATS[beat]["background"]]
    rng.shuffle(extra)
    if rng.random() < 0.3:  # drop one of the middle detail sentences
        body.pop(rng.choice([1, 2]))
    # Background sentences before the closing line: at least up to 60 words, sometimes one more.
    while extra and (len(" ".join(body).split()) < 62 or rng.random() < 0.3):
        body.insert(len(body) - 1, extra.pop())
    text = " ".join(body)
    assert 60 <= len(text.split()) <= 150, text
    return text, pieces


def _story(rng, beat, avoid):
    """A fresh (article, pieces) pair whose article is not in ``avoid``."""
    while True:
        st = rng.choice(BEATS[beat]["stories"])
        text, pieces = article(rng, beat, st, _slots(rng, beat))
        if text not in avoid:
            avoid.add(text)
            return text, pieces


def build():
    rng = rng_for(TASK)
    ids = qids(4000, len(JOURNALISTS))
    questions, golds = [], []
    for qid, (uid, beat, style, n_items) in zip(ids, JOURNALISTS, strict=True):
        seen_text = set()
        q_text, q_pieces = _story(rng, beat, seen_text)
        gold = STYLES[style](q_pieces)
        items, titles = [], {gold}
        while len(items) < n_items:
            text, pieces = _story(rng, beat, seen_text)
            st = style if rng.random() < 0.9 else rng.choice(list(STYLES))
            t = STYLES[st](pieces)
            if t in titles:
                continue
            titles.add(t)
            items.append({"title": t, "text": text})
        profile = finish_profile(rng, qid, items)
        questions.append(make_question(qid, uid, TEMPLATES[TASK].format(article=q_text), profile))
        golds.append({"id": qid, "output": gold})
    return questions, {"task": TASK, "golds": golds}
