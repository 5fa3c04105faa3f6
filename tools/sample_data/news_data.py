"""News stories for LaMP_4: the story format (the beats themselves are in news_beats_1/2.py).

A story template gives the article's sentences and the pieces a headline is built from:
``who`` (short subject), ``subject`` + ``vp`` (a full wire-style headline), ``short`` (a punchy
verb phrase), ``topic`` (a label for colon headlines), ``question``, ``explainer`` and ``quote``.
All strings may use the slots of their beat plus the numbers n, m, k, pct, year, day, person.
"""

from __future__ import annotations


def story(who, subject, vp, short, topic, question, explainer, quote, body):
    """One story template: headline pieces plus the article's sentences."""
    return {
        "who": who,
        "subject": subject,
        "vp": vp,
        "short": short,
        "topic": topic,
        "question": question,
        "explainer": explainer,
        "quote": quote,
        "body": body,
    }
