"""LaMP_7 tweet paraphrasing: tweeters with a voice.

Each tweet is a neutral message with a paraphrase; the user's voice (lower case, no final
punctuation, text-speak, CAPS, emoji, hashtags, sign-offs ...) is applied to both, so the gold
paraphrase keeps the voice the profile shows. The question's message never appears in the profile.
Quirk: one user posted the same tweet twice (duplicate text in one profile).
"""

from __future__ import annotations

import re

from .common import TEMPLATES, finish_profile, make_question, qids, rng_for
from .tweets_data import DAYS, EVENINGS, LATE, MESSAGES, PLACES, TIMES

TASK = "LaMP_7"

ABBREV = [
    (r"\byou\b", "u"),
    (r"\byour\b", "ur"),
    (r"\bbecause\b", "bc"),
    (r"\bwith\b", "w/"),
    (r"\breally\b", "rly"),
    (r"\btonight\b", "tonite"),
    (r"\bpeople\b", "ppl"),
    (r"\bI'm\b", "im"),
    (r"\band\b", "&"),
    (r"\bdon't\b", "dont"),
    (r"\bcan't\b", "cant"),
    (r"\bthough\b", "tho"),
    (r"\bhonestly\b", "ngl"),
]
EMPHASIS = [
    "best",
    "finally",
    "never",
    "still",
    "again",
    "unreal",
    "shaking",
    "perfect",
    "what a",
    "brilliant",
    "nothing",
    "every",
    "all",
    "lovely",
    "so",
]

# user_id, main topic, second topic, voice, profile size
TWEETERS = [
    ("7701", "running", "coffee", {"lower": True, "nopunct": True, "emoji": ["🏃‍♀️", "💪", "😅"]}, 22),
    ("7702", "coffee", "books", {"hashtags": ["#coffee", "#flatwhite", "#coffeetime", "#cafe"]}, 14),
    ("7703", "coding", "gaming", {"lower": True, "abbrev": True, "nopunct": True, "suffix": [" lol", " tbh", ""]}, 30),
    ("7704", "gardening", "baking", {"signoff": " — M."}, 12),
    ("7705", "football", "commute", {"caps": True, "emoji": ["⚽", "🔥", "🙌"]}, 25),
    ("7706", "cats", "books", {"lower": True, "emoji": ["🐱", "😹", "🙃", "🐾"]}, 18),
    (
        "7707",
        "travel",
        "photography",
        {"hashtags": ["#travel", "#wanderlust", "#slowtravel"], "emoji": ["✈️", "🌍"]},
        16,
    ),
    ("7708", "music", "commute", {"lower": True, "nopunct": True, "emoji": ["🎶"]}, 20),
    ("7709", "baking", "cats", {"exclaim": True, "emoji": ["🍰", "🥐", "🧁", "✨"]}, 10),
    ("7710", "books", "coffee", {"hashtags": ["#amreading", "#booktwitter", "#bookworm"]}, 24),
    ("7711", "gaming", "coding", {"caps": True, "abbrev": True, "emoji": ["🎮"]}, 28),
    ("7712", "commute", "running", {"lower": True, "ellipsis": True, "emoji": ["🙃", "☔", "🚆"]}, 15),
    ("7713", "work", "travel", {"hashtags": ["#startups", "#leadership", "#founders"], "emoji": ["🚀"]}, 19),
    (
        "7714",
        "photography",
        "travel",
        {"hashtags": ["#photography", "#streetphotography", "#filmisnotdead"], "emoji": ["📷"]},
        21,
    ),
]
DUPLICATE_TWEETER = "7706"


def voice(rng, text, v):
    """Apply a persona's voice to a neutral tweet."""
    if v.get("abbrev"):
        for pat, rep in ABBREV:
            text = re.sub(pat, rep, text)
    if v.get("caps"):
        hits = [w for w in EMPHASIS if re.search(rf"\b{w}\b", text, flags=re.I)]
        for w in hits[:2]:
            text = re.sub(rf"\b{w}\b", w.upper(), text, count=1, flags=re.I)
        text = re.sub(r"[.!]$", "", text) + "!!!"
    if v.get("exclaim"):
        text = text.replace(".", "!")
    if v.get("ellipsis"):
        text = re.sub(r"\.$", "...", text)
    if v.get("lower"):
        text = text.lower()
    if v.get("nopunct"):  # no full stop at the end
        text = re.sub(r"\.$", "", text)
    if v.get("suffix"):
        text += rng.choice(v["suffix"])
    if v.get("emoji"):
        text += " " + "".join(rng.sample(v["emoji"], rng.choice([1, 1, 2]) if len(v["emoji"]) > 1 else 1))
    if v.get("hashtags"):
        text += " " + " ".join(rng.sample(v["hashtags"], rng.choice([1, 2])))
    if v.get("signoff"):
        text += v["signoff"]
    return text


def _slots(rng):
    return {
        "n": rng.randrange(2, 13),
        "day": rng.choice(DAYS),
        "time": rng.choice(TIMES),
        "late": rng.choice(LATE),
        "evening": rng.choice(EVENINGS),
        "place": rng.choice(PLACES),
    }


def build():
    rng = rng_for(TASK)
    ids = qids(7000, len(TWEETERS))
    questions, golds = [], []
    for qid, (uid, main, second, v, n_items) in zip(ids, TWEETERS, strict=True):
        q_msg = rng.choice(MESSAGES[main])
        slots = _slots(rng)
        q_text = voice(rng, q_msg[0].format(**slots), v)
        gold = voice(rng, q_msg[1].format(**slots), v)
        pool = [m for m in MESSAGES[main] if m != q_msg]
        pool2 = MESSAGES[second]
        items, seen = [], {q_text, gold}
        while len(items) < n_items:
            msg = rng.choice(pool if rng.random() < 0.7 else pool2)
            text = voice(rng, rng.choice(msg).format(**_slots(rng)), v)
            if text in seen:
                continue
            seen.add(text)
            items.append({"text": text})
        if uid == DUPLICATE_TWEETER:
            items.append(dict(items[1]))
        profile = finish_profile(rng, qid, items)
        questions.append(make_question(qid, uid, TEMPLATES[TASK].format(tweet=q_text), profile))
        golds.append({"id": qid, "output": gold})
    return questions, {"task": TASK, "golds": golds}
