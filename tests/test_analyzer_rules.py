"""Positives and near misses for divergent.flips, format.length and retrieval.ignored (docs/failure_modes.md).

Every text here was written for these tests from the definitions, not copied from the labelled sets.
"""

from __future__ import annotations

import pytest

from harness.analyzers.candidates import favoured_answers
from harness.analyzers.common import Context, attach_context
from harness.analyzers.run_analysis import build_analyzers
from harness.registry import get_task
from harness.types import Sample

LEXICAL = {"divergent_thinking": {"similarity": "lexical"}}


def _sample(task: str, answer: str | None, reasoning: str | None, items: list[dict], sid: str = "s", inp: str = "") -> Sample:  # fmt: skip
    t = get_task(task)
    s = Sample(id=sid, task=task, prompt="p", retrieved_ids=[i["id"] for i in items], gold="x", reasoning=reasoning,
               answer=answer, status="ok" if answer is not None else "unscorable")  # fmt: skip
    if answer is not None:
        s.strict_pred, s.lenient_pred = t.parse_strict(answer), t.parse_lenient(answer)
    return attach_context(s, Context(input=inp or "the item to judge", retrieved_items=items))


def _result(name: str, sample: Sample, task: str) -> dict:
    analyzer = build_analyzers([name], LEXICAL if name == "divergent_thinking" else None)[name]
    return analyzer.analyze([sample], get_task(task))[sample.id]


# --- divergent.flips: only the model's own candidates, only real reversals ---------------------------------


@pytest.mark.parametrize(
    ("task", "trace", "expected"),
    [
        # the favoured answer moves back and forth: the model's own proposals
        (
            "LaMP_3",
            "My gut says 2. The zipper broke, so maybe 1. Then again it still keeps rain out, so 2 is fairer. "
            "No wait, a broken zipper is a failure, so 1. I'll settle on 2.",
            ["2", "1", "2", "1", "2"],
        ),
        (
            "LaMP_2",
            "I'd start with romance. On reflection the heist plot dominates, so it's action. The ending "
            "reframes everything, which makes it a twist ending.",
            ["romance", "action", "twist ending"],
        ),
        # a sentence that describes the profile and then concludes: only the conclusion is the model's
        (
            "LaMP_2",
            "The user filed the submarine film under action, so probably action, but the crew goes mad, "
            "which is psychology. " * 2,
            ["action", "psychology", "action", "psychology"],
        ),
        # describing the profile's labels, however many, is no candidate
        (
            "LaMP_3",
            "They gave the toaster a 3. The kettle got a 3 as well. Their lamp review was a 5. "
            "This user scored the broken fan a 1. Three of their four scores are 3. The answer is 3.",
            ["3"],
        ),
        # what a label means in general is no proposal for this item
        (
            "LaMP_3",
            "A 5 would be for a flawless product. A 1 is for something that fails outright. People often "
            "give 4 when it mostly works. This one mostly works with two small gripes, so I'll say 4.",
            ["4"],
        ),
        # checking one alternative and rejecting it is no reversal
        (
            "LaMP_2",
            "I'm leaning toward comedy. The car chase could make it action. But the chase is played for "
            "laughs, so not action. I'll answer comedy.",
            ["comedy"],
        ),
        # floating one alternative once, then returning, is a check too
        (
            "LaMP_3",
            "So my read is a 4. Perhaps a 3 given the noise. The noise is minor though. Final answer: 4.",
            ["4"],
        ),
        # hypotheticals and questions weigh a label without favouring it
        (
            "LaMP_3",
            "If the handle had snapped it would be a 1. Could it be a 2? It still works, so I'd give it a 3.",
            ["3"],
        ),
        # a conditional sentence weighs its conclusion ("If ..., then classic"); a label used as the ordinary
        # word ("the classic shape", "the violence is brief") is no candidate; "X would be a strange tag" rejects
        (
            "LaMP_2",
            "My pick is romance. If the user calls every love story classic, then I should predict classic. "
            "This has the classic shape of a courtship plot. The violence is brief. Violence would be a "
            "strange tag here. I'll answer romance.",
            ["romance"],
        ),
        # what an option says is a description of it; "the distractor" rejects it; "not only" does not
        (
            "LaMP_1",
            "Reference [2] is about image classification. So [2] looks like the distractor. So [1] is "
            "not only related but central. The answer is [1].",
            ["[1]"],
        ),
        # changing one's mind once converges
        (
            "LaMP_2",
            "First instinct: my pick is fantasy. Looking closer, the dragons are a metaphor and the story is "
            "about grief, so I'll change my answer to thought-provoking.",
            ["fantasy", "thought-provoking"],
        ),
        # a sentence describing the user's pattern is no proposal, even opening with "So" and with the
        # person after "from"; "they gave a 4 to ..." neither
        (
            "LaMP_3",
            "My first reaction is a 4. So anything that actually breaks gets a 1 and small gripes lead to a 3 "
            "from this person. They gave a 5 to the flawless grinder. I'll say 4.",
            ["4"],
        ),
        # a negated stance rejects the label: it never favours it
        (
            "LaMP_3",
            "I'd give it a 4. So I don't think 5 is likely. The lid rattles, so 5 seems unlikely. "
            "It's not 5. I wouldn't give it a 5 either. Final answer: 4.",
            ["4"],
        ),
        (
            "LaMP_3",
            "Maybe a 5 at first glance. But I don't think this reviewer would give a 5 with a rattling lid. I'll say 4.",
            ["4"],
        ),
        # bare conclusions ("Comedy again.", "So, 2.", "Final answer: comedy.") favour their label
        (
            "LaMP_2",
            "The pratfalls point to comedy.\nBut the bank job drives the plot, so maybe action.\n"
            "Hmm, the jokes never stop. Comedy again.\nThe last act is a shootout. Action.\n"
            "Final answer: comedy.",
            ["comedy", "action", "comedy", "action", "comedy"],
        ),
        (
            "LaMP_3",
            "I'd say 4. The seams split after a week, so maybe 2. It still does its job. So, 4. "
            "But a split seam is a real failure, so 2 then. Answer: 4.",
            ["4", "2", "4", "2", "4"],
        ),
        # a bare label inside a walk through the profile annotates a profile item; list numbers and a
        # one-per-line list of options are no conclusions
        (
            "LaMP_2",
            "My pick is comedy.\nThe first film: two rival chefs open restaurants on one street. Romance. "
            "That is the one with the food fight.\nThe second: a bus driver writes poems. Romance again. "
            "A quiet one.\nStill, this description is all slapstick, so comedy.",
            ["comedy"],
        ),
        (
            "LaMP_3",
            "Let me check the habits. 1. Kettle: boils fast, lid flimsy, they gave it a 4. 2. Fan: loud, "
            "a 3. The options are:\nRomance\nAction\nComedy\nThis one is a solid product with one flaw. "
            "I'll say 4.",
            ["4"],
        ),
    ],
)
def test_favoured_answers(task: str, trace: str, expected: list[str]) -> None:
    assert favoured_answers(trace, get_task(task)) == expected


def test_flips_needs_two_reversals_at_a_rate() -> None:
    back_and_forth = "I'll say 4. The seams split, so maybe 2. But it does its job, so I'd go with 4. Hmm, so 2 then. "
    calm = "The review walks through the fabric, the fit and the colour of the jacket in some detail here. " * 6
    short = _sample("LaMP_3", "4", back_and_forth + calm, [], "short")
    # the same two reversals spread over a 2,500-word trace are below 1 per 1,000 words: not divergent
    diluted = _sample("LaMP_3", "4", back_and_forth + calm * 30, [], "diluted")
    once = _sample("LaMP_3", "4", "I'll say 2. On reflection the fit is good, so I'll go with 4. " + calm, [], "once")
    assert "divergent.flips" in _result("divergent_thinking", short, "LaMP_3")["tags"]
    assert "divergent.flips" not in _result("divergent_thinking", diluted, "LaMP_3")["tags"]
    assert "divergent.flips" not in _result("divergent_thinking", once, "LaMP_3")["tags"]


# --- format.length: the whole answer against the user's own outputs ----------------------------------------

_HEADLINES = [
    {"id": "a", "title": "Harbour Ferry Fares Rise for Second Year", "text": "t"},
    {"id": "b", "title": "School Board Backs Later Start Times", "text": "t"},
    {"id": "c", "title": "Storm Topples Oak in Town Square", "text": "t"},
]  # 6-7 words: longer than 14 or shorter than 3 words is outside the user's range


@pytest.mark.parametrize(
    ("answer", "tagged"),
    [
        ("Library Adds Sunday Hours After Petition", False),
        ("Library Hours", True),  # 2 words: under half the user's shortest headline
        ("Okay, so the user writes short civic headlines. Let me go with: Library Adds Sunday Hours", True),
        (
            "Library Adds Sunday Hours After Petition\nPetition Wins Sunday Opening for Library\nReaders Get Their Sundays Back at Library",
            True,
        ),
        ("The town library will now open on Sundays after more than four hundred residents signed a petition", True),
    ],
)
def test_length_counts_every_word_of_the_answer(answer: str, tagged: bool) -> None:
    res = _result("format_misalignment", _sample("LaMP_4", answer, None, _HEADLINES), "LaMP_4")
    assert ("format.length" in res["tags"]) is tagged


def test_length_is_not_applicable_on_an_empty_answer_or_without_a_norm() -> None:
    empty = _result("format_misalignment", _sample("LaMP_4", "  ", None, _HEADLINES), "LaMP_4")
    assert empty["tags"] == ["format.empty"] and "format.length" in empty["na_tags"]
    lone = _result("format_misalignment", _sample("LaMP_4", "Library Hours", None, _HEADLINES[:1]), "LaMP_4")
    assert "format.length" in lone["na_tags"] and "format.length" not in lone["tags"]


# --- retrieval.ignored: a trace that never refers to the history -------------------------------------------

_REVIEWS = [
    {"id": "r1", "text": "The espresso tamper feels solid and the walnut handle is lovely.", "score": "5"},
    {"id": "r2", "text": "Milk jug dribbles when I pour latte art, spout is badly shaped.", "score": "2"},
    {"id": "r3", "text": "Descaler works but the citrus smell lingers for days.", "score": "3"},
]
_INPUT = "What is the score of the following review? review: The grinder is loud but the coffee tastes great."


@pytest.mark.parametrize(
    "trace",
    [
        "Going by this person's earlier ratings, a loud but tasty grinder is a 4.",
        "Their previous posts are all about coffee gear and they grade fairly. So 4.",
        "In the past picks a flaw cost one point. 4.",
        "This reviewer usually docks a point for annoyances, so 4.",
        "The user wrote a review much like this one two months ago and was kind to it. So 4.",
        "They wrote: the walnut handle is lovely and the tamper solid. That is the same tone, so 4.",
        "The user kept a 2 for the jug with a real defect, and this one tastes great, so 4.",
        "Like the walnut tamper and the dribbling jug, the review weighs build against results: 4.",
    ],
)
def test_ignored_not_tagged_when_the_trace_refers_to_the_history(trace: str) -> None:
    res = _result("retrieval_misuse", _sample("LaMP_3", "4", trace, _REVIEWS, inp=_INPUT), "LaMP_3")
    assert "retrieval.ignored" not in res["tags"]


@pytest.mark.parametrize(
    "trace",
    [
        "The grinder is loud but the coffee tastes great. Good coffee matters most, so 4.",
        # the review's own author and its own words are the input, not the history
        "The reviewer's review says loud but great coffee. Grinders tend to be loud anyway. 4.",
        # generic words, and an input word in another form ("grinders"), are not specific to the items
        "Loud grinders are common and people still like them when the coffee is good. So 4.",
        # writing about the input, and what people would typically do, are not the history
        "They just wrote that it is loud. A buyer would typically forgive noise for taste. So 4.",
    ],
)
def test_ignored_tagged_when_the_trace_never_refers_to_the_history(trace: str) -> None:
    res = _result("retrieval_misuse", _sample("LaMP_3", "4", trace, _REVIEWS, inp=_INPUT), "LaMP_3")
    assert res["tags"] == ["retrieval.ignored"]


def test_ignored_needs_a_trace_reads_leaked_reasoning_and_truncated_traces() -> None:
    bare = _result("retrieval_misuse", _sample("LaMP_3", "4", None, _REVIEWS, inp=_INPUT), "LaMP_3")
    assert "retrieval.ignored" in bare["na_tags"] and bare["tags"] == []
    leaked = _sample(
        "LaMP_3", "Their earlier scores punish defects. Answer: 4", "Loud but tasty.", _REVIEWS, inp=_INPUT
    )
    assert "retrieval.ignored" not in _result("retrieval_misuse", leaked, "LaMP_3")["tags"]
    cut = _sample("LaMP_3", None, "The grinder is loud. The grinder is loud. The grinder", _REVIEWS, inp=_INPUT)
    res = _result("retrieval_misuse", cut, "LaMP_3")
    assert res["tags"] == ["retrieval.ignored"] and "retrieval.contradicted" in res["na_tags"]


# --- format.meta_text: commentary in parentheses after the answer -----------------------------------------


@pytest.mark.parametrize(
    ("task", "answer", "tagged"),
    [
        ("LaMP_7", "Coffee before words (kept the user's lower case and self-mocking tone)", True),
        ("LaMP_7", "coffee first, feelings later (lowercase like the user)", True),
        ("LaMP_4", "Library Adds Sunday Hours After Petition (6 words)", True),
        ("LaMP_7", "rain again lol (matching their casual style)", True),
        # part of the answer's content: an acronym in a paper title, a tweet's own aside
        ("LaMP_5", "Training Generative Adversarial Networks (GAN) on Small Data", False),
        ("LaMP_7", "missed the bus (again!) and now it is raining", False),
        ("LaMP_7", "new year new me (not really)", False),
    ],
)
def test_meta_text_parenthetical_commentary(task: str, answer: str, tagged: bool) -> None:
    res = _result("format_misalignment", _sample(task, answer, None, []), task)
    assert ("format.meta_text" in res["tags"]) is tagged
