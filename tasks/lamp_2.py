"""LaMP_2, movie tagging (the `new` movie task): which of 15 tags fits this movie for this user?"""

from __future__ import annotations

from harness.registry import TASKS
from tasks.lamp_base import LampClassificationTask

MOVIE_TAGS = (
    "sci-fi", "based on a book", "comedy", "action", "twist ending", "dystopia", "dark comedy",
    "classic", "psychology", "fantasy", "romance", "thought-provoking", "social commentary",
    "violence", "true story",
)  # fmt: skip


@TASKS.register("LaMP_2")
class MovieTagging(LampClassificationTask):
    """Items are movies the user tagged; the query is the new movie's description."""

    name = "LaMP_2"
    labels = MOVIE_TAGS
    item_fields = ("description", "tag")
    label_field = "tag"
    query_marker = "description:"
    item_template = 'the tag for the movie: "{description}" is "{tag}" '
    budget_field = "description"
