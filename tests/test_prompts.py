"""Prompts byte-identical to the official construction (expected strings written out by hand)."""

import pytest

from harness.registry import get_task
from harness.run.profile_prompts import WHITESPACE, build_prompt
from harness.types import Example

L1_INPUT = (
    'For an author who has written the paper with the title "Deep Nets", which reference is related? '
    'Just answer with [1] or [2] without explanation. [1]: "Graph Cuts" [2]: "Soil Carbon"'
)


def test_lamp1_items_go_after_the_first_title_word():
    items = [{"id": "a", "title": "P1", "abstract": "x"}, {"id": "b", "title": "P2", "abstract": "y"}]
    prompt = get_task("LaMP_1").prompt(Example("1", L1_INPUT, items), items)
    assert prompt == (
        'For an author who has written the paper with the title, and "P1", and "P2" "Deep Nets", which reference'
        ' is related? Just answer with [1] or [2] without explanation. [1]: "Graph Cuts" [2]: "Soil Carbon"'
    )


@pytest.mark.parametrize(
    ("task", "items", "expected"),
    [
        ("LaMP_2", [{"id": "1", "description": "A heist.", "tag": "action"}],
         'the tag for the movie: "A heist." is "action" . INPUT'),
        ("LaMP_3", [{"id": "1", "text": "Fine.", "score": "4"}, {"id": "2", "text": "Bad", "score": "1"}],
         '4 is the score for "Fine." , and 1 is the score for "Bad" . INPUT'),
        ("LaMP_4", [{"id": "1", "title": "T", "text": "Body"}], '"T" is the title for "Body" . INPUT'),
        ("LaMP_5", [{"id": "1", "title": "T", "abstract": "Abs"}],
         '"T" is a title for "Abs" . Following the given patterns INPUT'),
        ("LaMP_6", [{"id": "1", "title": "Hi", "text": "Mail"}], '"Hi" is the title for "Mail" . INPUT'),
        ("LaMP_7", [{"id": "1", "text": "t1"}, {"id": "2", "text": "t2"}],
         '"t1" , and "t2"  are written by a person. Following the given patterns INPUT'),
    ],
)  # fmt: skip
def test_official_item_templates_and_joins(task, items, expected):
    assert get_task(task).prompt(Example("q", "INPUT", items), items) == expected


def test_no_items_gives_the_input_unchanged():
    for n in range(1, 8):
        assert get_task(f"LaMP_{n}").prompt(Example("q", L1_INPUT, []), []) == L1_INPUT


def test_braces_and_quotes_in_items_are_kept_verbatim():
    items = [{"id": "1", "title": 'A "quoted" {title}', "text": "{0} body"}]
    assert (
        get_task("LaMP_4").prompt(Example("q", "IN", items), items)
        == '"A "quoted" {title}" is the title for "{0} body" . IN'
    )


def test_budget_shortens_item_texts_never_the_input():
    task = get_task("LaMP_4")
    long_input = "Generate a headline for the following article: " + " ".join(["word"] * 500)
    items = [{"id": str(i), "title": f"T{i}", "text": " ".join(["body"] * 300)} for i in range(3)]
    prompt = build_prompt(task, Example("q", long_input, items), items, budget=60, counter=WHITESPACE)
    assert prompt.endswith(long_input)
    profile_part = prompt[: -len(long_input)]
    assert len(profile_part.split()) <= 60 + 3
    assert profile_part.count("is the title for") == 3


def test_budget_carries_unused_tokens_to_later_items():
    task = get_task("LaMP_7")
    items = [{"id": "1", "text": "short"}, {"id": "2", "text": " ".join(f"w{i}" for i in range(50))}]
    prompt = build_prompt(task, Example("q", "IN", items), items, budget=20, counter=WHITESPACE)
    # share 9 each after the ", and" separator (1 word); item 1 uses 1 + 1 overhead word... item 2 gets the rest.
    kept = prompt.split('"')[3].split()
    assert 9 < len(kept) < 20


def test_queries_follow_lamp_rules():
    assert get_task("LaMP_1").query(Example("1", L1_INPUT, [])) == "Graph Cuts Soil Carbon"
    quirky = L1_INPUT.replace('"Deep Nets"', '"Deep "Quoted" Nets"')
    assert get_task("LaMP_1").query(Example("1", quirky, [])) == "Graph Cuts Soil Carbon"
    assert get_task("LaMP_2").query(Example("1", "tags: [a] description: A boy and a dog.", [])) == "A boy and a dog."
    assert get_task("LaMP_2").query(Example("1", "A boy and a dog.", [])) == "A boy and a dog."  # quirk: no marker
    assert get_task("LaMP_3").query(Example("1", "What ... review: Great: works", [])) == "Great: works"
    assert (
        get_task("LaMP_5").query(Example("1", "Generate a title for the following abstract of a paper: We x: y", []))
        == "We x: y"
    )
    assert get_task("LaMP_1").item_text({"title": "A", "abstract": "B"}) == "A B"
    assert get_task("LaMP_4").item_text({"title": "A", "text": "B"}) == "A B"


@pytest.mark.parametrize(
    ("task", "text", "lenient"),
    [
        ("LaMP_1", "Answer: [2].", "[2]"), ("LaMP_1", "[1]", "[1]"), ("LaMP_1", "I pick reference 1", "[1]"),
        ("LaMP_2", "Comedy.", "comedy"), ("LaMP_2", "The tag is: dark comedy", "dark comedy"),
        ("LaMP_2", "**sci-fi**", "sci-fi"), ("LaMP_3", "4 stars", "4"), ("LaMP_3", "I'd rate it 4 out of 5.", "4"),
        ("LaMP_3", "On a scale of 1 to 5: 2", "2"), ("LaMP_3", "3", "3"),
        ("LaMP_4", 'Here is a headline:\n"Council Votes Yes"', "Council Votes Yes"),
        ("LaMP_5", "Title: Sparse Graphs", "Sparse Graphs"), ("LaMP_7", "just text", "just text"),
    ],
)  # fmt: skip
def test_lenient_extraction(task, text, lenient):
    t = get_task(task)
    assert t.parse_lenient(text) == lenient
    assert t.parse_strict(f"  {text}\n") == text.strip()
