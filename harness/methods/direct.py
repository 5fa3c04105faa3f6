"""direct: the task's LaMP prompt as the user message, one generation per question."""

from __future__ import annotations

from harness.config import GenerationConfig
from harness.errors import ReaperError
from harness.registry import METHODS
from harness.types import Backend, Example, GenerateFn, Generation, Request, Task


def user_requests(examples: list[Example], prompts: list[str]) -> list[Request]:
    """One chat request per question, its prompt as the only user message."""
    return [Request(id=e.id, messages=[{"role": "user", "content": p}]) for e, p in zip(examples, prompts, strict=True)]


@METHODS.register("direct")
class Direct:
    """The official prompt, unchanged: the baseline every other method is compared with."""

    name = "direct"
    requests_up_front = True

    def __init__(self, **params: object) -> None:
        if params:  # the official prompt has no settings: a parameter here is a mistake, not a no-op
            raise ReaperError(f"method=direct takes no method.params, got {', '.join(sorted(params))}")
        self.params = params

    def check(self, backend: Backend) -> None:
        """Every backend supports plain chat."""

    def run(
        self, task: Task, examples: list[Example], prompts: list[str], generate: GenerateFn, gen: GenerationConfig
    ) -> list[Generation]:
        return generate(user_requests(examples, prompts), gen)
