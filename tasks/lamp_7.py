"""LaMP_7, tweet paraphrasing in the user's own voice."""

from __future__ import annotations

from harness.registry import TASKS
from tasks.lamp_base import LampGenerationTask


@TASKS.register("LaMP_7")
class TweetParaphrase(LampGenerationTask):
    """Items are the user's tweets; the query is the tweet to paraphrase."""

    name = "LaMP_7"
    item_fields = ("text",)
    output_field = "text"
    item_template = '"{text}" '
    prompt_template = "{joined} are written by a person. Following the given patterns {input}"
    budget_field = "text"
