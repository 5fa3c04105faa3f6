"""Small stand-ins shared by tests of our own logic."""

from harness.types import Example


class StandInTask:
    """The two task methods retrieval uses: the query is the input, an item's text its "text"."""

    name = "StandIn"

    def query(self, example: Example) -> str:
        return example.input

    def item_text(self, item: dict) -> str:
        return item["text"]
