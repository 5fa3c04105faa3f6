"""Shared helpers: seeded randomness, dates, ids, text utilities and templates.

Everything here is deterministic given the seed; no helper touches global random state.
"""

from __future__ import annotations

import datetime as _dt
import random
import re

SEED = 20250523  # the one fixed seed of the whole sample

# The official LaMP input templates; ``{}`` is the payload (LaMP.md, "Tasks").
TEMPLATES = {
    "LaMP_1": (
        'For an author who has written the paper with the title "{title}", which reference is related? '
        'Just answer with [1] or [2] without explanation. [1]: "{ref1}" [2]: "{ref2}"'
    ),
    "LaMP_2": (
        "Which tag does this movie relate to among the following tags? Just answer with the tag name "
        "without further explanation. tags: [sci-fi, based on a book, comedy, action, twist ending, "
        "dystopia, dark comedy, classic, psychology, fantasy, romance, thought-provoking, social "
        "commentary, violence, true story] description: {description}"
    ),
    "LaMP_3": (
        "What is the score of the following review on a scale of 1 to 5? just answer with 1, 2, 3, 4, "
        "or 5 without further explanation. review: {review}"
    ),
    "LaMP_4": "Generate a headline for the following article: {article}",
    "LaMP_5": "Generate a title for the following abstract of a paper: {abstract}",
    "LaMP_7": "Paraphrase the following tweet without any explanation before or after it: {tweet}",
    "recipe_tag": (
        "Which tag does this recipe relate to among the following tags? Just answer with the tag name. "
        "tags: [vegetarian, dessert, quick weeknight, comfort food, spicy, healthy] recipe: {recipe}"
    ),
}

LAMP2_TAGS = [
    "sci-fi",
    "based on a book",
    "comedy",
    "action",
    "twist ending",
    "dystopia",
    "dark comedy",
    "classic",
    "psychology",
    "fantasy",
    "romance",
    "thought-provoking",
    "social commentary",
    "violence",
    "true story",
]
RECIPE_TAGS = ["vegetarian", "dessert", "quick weeknight", "comfort food", "spicy", "healthy"]

FEMALE_NAMES = [
    "Ada",
    "Amara",
    "Bianca",
    "Chloé",
    "Elena",
    "Grace",
    "Ines",
    "Lena",
    "Nadia",
    "Priya",
    "Rosa",
    "Uma",
    "Wren",
    "Zoë",
    "Harriet",
    "Maya",
]
MALE_NAMES = [
    "Caleb",
    "Dmitri",
    "Farid",
    "Hamza",
    "Jonah",
    "Kenji",
    "Marcus",
    "Omar",
    "Quentin",
    "Samuel",
    "Tomás",
    "Viktor",
    "Yusuf",
    "Felix",
]
FIRST_NAMES = FEMALE_NAMES + MALE_NAMES
SURNAMES = [
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Castillo",
    "Brennan",
    "Nakamura",
    "Haddad",
    "Kowalski",
    "Delacroix",
    "Pereira",
    "Whitlock",
    "Andersen",
    "Iyer",
    "Müller",
    "Sato",
    "Gallagher",
    "Novak",
    "Abara",
    "Fitzgerald",
    "Rahman",
    "Ortega",
    "Vance",
    "Holloway",
    "Bergström",
]


def rng_for(task: str) -> random.Random:
    """One independent, reproducible generator per task (string seeding is stable across runs)."""
    return random.Random(f"{SEED}/{task}")


def random_date(rng: random.Random, start: str = "2014-01-01", end: str = "2019-12-31") -> str:
    """A uniformly random ISO date (YYYY-MM-DD) between start and end inclusive."""
    a, b = _dt.date.fromisoformat(start), _dt.date.fromisoformat(end)
    return (a + _dt.timedelta(days=rng.randrange((b - a).days + 1))).isoformat()


def fill(template: str, slots: dict) -> str:
    """str.format that ignores unused slots."""
    return template.format(**slots)


def cap(s: str) -> str:
    """Upper-case the first character only (keeps acronyms and names intact)."""
    return s[:1].upper() + s[1:] if s else s


def word_count(s: str) -> int:
    return len(s.split())


_SMALL = {
    "a",
    "an",
    "the",
    "of",
    "for",
    "with",
    "via",
    "in",
    "on",
    "and",
    "to",
    "from",
    "by",
    "at",
    "or",
    "as",
    "vs",
    "into",
    "over",
    "under",
}


def title_case(s: str) -> str:
    """Headline/title case: capitalise words (and hyphen parts) except small words mid-title."""
    words = s.split(" ")
    out = []
    for i, w in enumerate(words):
        core = w.strip("\"'‘’“”(:")
        if i > 0 and core.lower() in _SMALL and not out[-1].endswith(":"):
            out.append(w.lower() if w == core else w)
            continue
        out.append(_cap_compound(w))
    return " ".join(out)


def _cap_compound(w: str) -> str:
    """Capitalise each part of a hyphen or en-dash compound, except small words after the first."""
    for sep in ("-", "–"):
        if sep in w:
            parts = w.split(sep)
            return sep.join(p if j and p.lower() in _SMALL else _cap_compound(p) for j, p in enumerate(parts))
    return _cap_token(w)


def _cap_token(p: str) -> str:
    if any(c.isupper() for c in p[1:]) or any(c.isdigit() for c in p):
        return p  # acronyms, mixed case, numbers
    m = re.match(r"^([\"'‘’“”(]*)(.*)$", p)
    lead, rest = m.group(1), m.group(2)
    return lead + cap(rest)


def sentence_case(s: str) -> str:
    """First letter upper-case, the rest as written (vocabulary is stored lower-case)."""
    return cap(s)


def choose_distinct(rng: random.Random, pool: list, k: int) -> list:
    return rng.sample(pool, min(k, len(pool)))


def qids(start: int, n: int) -> list[str]:
    """Numeric-like question ids, as in the official files ("1000", "1001", ...)."""
    return [str(start + i) for i in range(n)]


def item_id(qid: str, i: int) -> str:
    """Profile item ids: question id followed by a two-digit counter ("100007"), unique per file."""
    return f"{qid}{i:02d}"


def make_question(qid: str, user_id: str, input_text: str, profile: list[dict]) -> dict:
    return {"id": qid, "input": input_text, "profile": profile, "user_id": user_id}


def finish_profile(rng: random.Random, qid: str, items: list[dict]) -> list[dict]:
    """Shuffle profile order, assign ids and dates (dates spread over several years)."""
    items = list(items)
    rng.shuffle(items)
    out = []
    for i, fields in enumerate(items):
        rec = {"id": item_id(qid, i)}
        rec.update(fields)
        rec["date"] = fields.get("date") or random_date(rng)
        out.append(rec)
    return out
