"""Failure-mode analyzers: rule-based detectors of the paper's three modes, plus an optional LLM judge.

Each module registers one analyzer in ``harness.registry.ANALYZERS``; ``BUILTINS`` names the module
that registers each built-in (the registry's lazy-import table). Importing this package imports none
of them, so sentence-transformers is loaded only when divergent thinking's drift check runs.
"""

BUILTINS: dict[str, str] = {
    "format_misalignment": "harness.analyzers.format_misalignment",
    "divergent_thinking": "harness.analyzers.divergent_thinking",
    "retrieval_misuse": "harness.analyzers.retrieval_misuse",
    "llm_judge": "harness.analyzers.llm_judge",
}
RULE_BASED: tuple[str, ...] = ("format_misalignment", "divergent_thinking", "retrieval_misuse")
MODE_OF: dict[str, str] = {
    "format_misalignment": "format",
    "divergent_thinking": "divergent",
    "retrieval_misuse": "retrieval",
}
