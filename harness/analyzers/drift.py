"""The words of the drift check (``divergent.drift``): what marks a trace sentence as on or off task.

Kept apart from the analyzer so the rule's vocabularies and its small steps read in one place
(docs/failure_modes.md, divergent.drift). The analyzer adds the sentence-embedding similarity.
"""

from __future__ import annotations

import re

from harness.text import content_words, labels_in, stem, words
from harness.types import Task

# The vocabulary of judging a personalization item: a sentence made mostly of these words (plus the
# input's, the items', the answer's and the labels') is on task whatever else it says.
_JUDGING_TEXT = """
user user's users person person's author author's reviewer reviewer's writer journalist customer cook profile
history previous past earlier prior usual usually typical typically often tends tend pattern patterns style tone
voice preference preferences prefer prefers habit habits similar consistent consistently other others own answer
answers label labels tag tags tagged tagging rating ratings rated rate rates score scores scored review reviews
reviewed headline headlines title titles tweet tweets paraphrase paraphrased subject abstract article articles
movie movies film films product products paper papers reference references citation cite option options
candidate candidates choice choose chose pick picked decide decision final fits fit fitting match matches
matching suggests suggest indicates indicate implies imply sounds positive negative neutral sentiment strongly
mildly overall mixed praise praises complaint complaints criticism critical satisfied dissatisfied happy unhappy
liked disliked enjoyed loved hated high low higher lower average middle likely probably reasonable sense correct
wrong instead relevant related closer closest captures capture reflects reflect concise catchy short long length
words wording phrase phrasing keep emphasize focus key main point points theme themes genre genres elements
aspects mentions mentioned says said states describes described description talks given based considering
consider look looking check checking again reconsider confirm sure unsure guess option alternatively wait
actually seems stars star task question instruction format output generate write writes wrote written stick
better best
"""
JUDGING = frozenset(_JUDGING_TEXT.split())
# Properties of language and of a text's form: a sentence naming one discusses wording (the answer's or the
# input's), which is on task however few of its words the input shares. Task nouns (title, tweet) are not here.
_FORM_TEXT = """
tone tones register style voice wording worded word words phrase phrases phrasing phrased sentence sentences
clause clauses verb verbs noun nouns adjective adjectives adverb tense grammar grammatical punctuation comma
commas period capital capitals capitalised capitalized lowercase uppercase spelling spelled spelt draft drafts
version versions length shorter longer original meaning paraphrase paraphrasing synonym synonyms joke jokes
punchline humour humor humorous funny sarcasm sarcastic irony ironic hyperbole exaggerate exaggerates
exaggerated exaggeration emphasis emphasise emphasize emphasises emphasizes intensifier casual formal informal
plain wordy terse structure construction ending opener quote quotes quotation abbreviation abbreviations slang
emoji emojis hashtag hashtags exclamation rhetorical literal figurative metaphor pun
"""
FORM = frozenset(_FORM_TEXT.split())
# A capitalised word inside a sentence (a name: Berlin, Gaggia, September), a year or decade (1881, 1960s), or
# a date of history in words (a century ago, ancient, invented): who, where and when, the matter of trivia.
_SPECIFIC = re.compile(
    r"(?<=[a-z,;:]\s)([A-Z][a-z]+)(?:['’]s)?\b|\b(1[0-9]{3}s?|20[0-9]{2}s?)\b"
    r"|\b((?i:century|centuries|ancient|medieval|prehistoric|invented|inventor|invention))\b"
)
_QUOTE = re.compile(r'["“”]')


def new_specifics(sentence: str, seen: set[str]) -> list[str]:
    """Names and dates a sentence brings that the input, items and answer do not contain."""
    found = [next(g for g in m.groups() if g).lower() for m in _SPECIFIC.finditer(sentence)]
    return [w for w in found if w not in seen]


def verdict_by_words(sentence: str, seen: set[str]) -> bool | None:
    """Whether a doubtful sentence is off task by its words alone, whatever MiniLM would say: names or
    dates of its own make it off (True), talk of wording on (False); None leaves it to similarity
    (only those sentences are embedded)."""
    if new_specifics(sentence, seen):
        return True
    if speaks_of_wording(sentence):
        return False
    return None


def on_task_by_words(sentence: str, known: set[str], task: Task, share: float) -> bool:
    """On task from its words alone: a label named (the decision), or mostly grounded content words."""
    return bool(labels_in(sentence, task)) or grounded(sentence, known) >= share


def speaks_of_wording(sentence: str) -> bool:
    """The sentence discusses wording: it quotes, or names a property of language (tone, punctuation, …)."""
    return bool(_QUOTE.search(sentence)) or any(w in FORM for w in words(sentence))


def stretches(off: list[bool]) -> list[bool]:
    """Off task only within a stretch: at least two of a sentence and its neighbours (one at either end) are off.

    A digression is sustained: one odd sentence between on-task ones comments on them, and a sentence
    inside a digression that only similarity called on task is part of it.
    """
    n = len(off)
    return [sum(off[max(0, i - 1) : i + 2]) >= 2 for i in range(n)] if n > 1 else list(off)


def known_words(texts: list[str], task: Task) -> set[str]:
    """The words a grounded sentence is made of: the texts', the labels' and judging words, with their stems."""
    known = {w for label in task.labels or () for w in content_words(label)} | JUDGING
    known |= {w for t in texts for w in content_words(t)}
    return known | {stem(w) for w in known}


def grounded(sentence: str, known: set[str]) -> float:
    """Share of a sentence's content words in ``known`` (``known_words``), in any plural or possessive form."""
    own = content_words(sentence)
    return sum(w in known or stem(w) in known for w in own) / len(own) if own else 1.0
