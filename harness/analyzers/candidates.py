"""The answers a reasoning trace favours for the item it judges, in order (``divergent.flips``).

A trace names labels for many reasons: it describes the profile ("the user tagged the heist film as
action", "three of their four scores are 3"), states what a label usually means ("regret usually
means a 2"), weighs a hypothetical ("if it were funnier it would be comedy"), asks ("could it be a
2?"), checks an alternative and drops it ("it could be action. So not action."), or proposes an
answer for this item ("my first instinct is a 4", "so maybe 3", "I'll go with comedy"). Only the
last kind is the model's own candidate. Traces are read clause by clause (", so", ", but",
"because", ";"), because one sentence often describes the profile and then concludes.
"""

from __future__ import annotations

import re

from harness.text import STOPWORDS, labels_in, sentences
from harness.types import Task

# Clause boundaries: the conclusion of "the user tagged X as comedy, so maybe comedy" is its own clause.
_CLAUSE = re.compile(
    r"\s*[;:]\s+|,\s+(?=(?:but|so|which|though|although|whereas|while|yet|and so|since|because|then)\b)"
    r"|\s+(?=(?:because|since|whereas|although)\b)",
    re.IGNORECASE,
)
_PERSON = r"(?:the|this|that) (?:user|person|author|reviewer|customer|writer|viewer|critic|poster)|they|he|she"
# The model's own decision in the first person: "I'll go with", "I'd give it", "my first instinct is".
_OWN = re.compile(
    r"\b(?:i|we)(?:'ll|'d|'m| will| would| am)?\s+(?:\w+\s+)?(?:go|going|say|pick|choose|answer|output|give|rate|"
    r"tag|settle|stick|stay|change|switch|lean|leaning|guess|think|believe|feel|put|call|mark|vote|bet|keep|return|"
    r"prefer|land|conclude|start with|begin with)\b|\bmy (?:\w+ ){0,2}(?:answer|guess|pick|choice|candidate|reaction|"
    r"thought|instinct|gut|feeling|impression|take|view|vote|bet|call|decision|prediction|rating|tag|score|label|read|"
    r"inclination|hunch|conclusion|verdict)\b|\bto me\b|\bfor me\b|\blet me go (?:back )?(?:with|to)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    rf"\b(?:maybe|perhaps|probably|possibly|likely|presumably)\s+(?:(?:{_PERSON})\s+(?:\w+\s+)?\w+s|"
    r"(?:\w+\s+)?(?:cites?|tags?|rates?|gives?|calls?|picks?|chooses?|labels?|scores?|puts?|files?|marks?))\b",
    re.IGNORECASE,
)
# The model predicting what the user does with this item: its own candidate ("they'd rate it 4",
# "maybe the author cites [2]"); a past-tense act ("they gave it a 3") describes the profile instead.
_PREDICTION = re.compile(
    rf"\b(?:{_PERSON})\s*(?:would|'d|might|will|may|could|should)\s+(?:\w+\s+)?"
    r"(?:rate|tag|give|call|pick|choose|label|score|put|see|consider|go|say|mark|want|cite|class|file)\b",
    re.IGNORECASE,
)
_PAST_ACT = re.compile(
    r"\b(?:got|gave|given|tagged|rated|scored|graded|called|labell?ed|marked|chose|chosen|picked|went with|"
    r"received|earned|kept|ended up|reserved|assigned|awarded|used|cited)\b",
    re.IGNORECASE,
)
# Firm: a decision or a conclusion; anything else that favours a label only floats it ("maybe 3").
_FIRM = re.compile(
    r"\b(?:i'll|i will|i'm going|i am going|i'd (?:say|give|go|rate|pick|choose|tag)|go with|settle|stick with|"
    r"my (?:\w+ )?answer|the answer is|final|decid|i'm confident)\b|^(?:so|then|thus|therefore|hence)\b[,:]?\s*\S+[.!]?$",
    re.IGNORECASE,
)
# "A 4 would be a good shoe with a minor flaw": what a label means, not a proposal for this item.
_DEFINITION = re.compile(
    r"^(?:but\s+|and\s+)?(?:a|an)\s+\S+\s+(?:would (?:be|fit|suit|mean|describe|cover|apply to|go to)|is|means|"
    r"is reserved|fits|suits|describes)\s+"
    r"(?:for|when|a|an|something|what|the kind|reserved)\b",
    re.IGNORECASE,
)
# What the user (or one of their items) did or does: a description of the profile, not a proposal.
_PROFILE = re.compile(
    rf"(?<!\bfor )(?<!\bto )(?<!\bby )(?<!\bwith )(?<!\bfrom )(?<!\bof )(?<!\babout )"
    rf"\b(?:{_PERSON}|their|theirs|(?:the|this) (?:user|person|author|reviewer)(?:'s|’s))\b"
    r"|\b(?:got|gets|gave|given|tagged|rated|scored|graded|called|labell?ed|marked|chose|chosen|picked|went with|"
    r"received|earned|kept|ended up|ends up|reserved|assigned|awarded)\b"
    # the person as the source of a label ("lead to a 2 from this person"): what they give, not this item's
    rf"|\bfrom (?:{_PERSON}|them|him|her)\b(?!'s|’s)",
    re.IGNORECASE,
)
# What a label means in general, or what other people would do: not about this item.
_GENERIC = re.compile(
    r"\b(?:people|someone|anyone|reviewers|readers|viewers|most|many|a general reader|in general|generally|"
    r"usually|typically|normally|often|tends? to|textbook|by definition|in a lot of)\b",
    re.IGNORECASE,
)
_HYPOTHETICAL = re.compile(
    r"^(?:but\s+|and\s+|so\s+)?(?:if|unless|even if|what if|suppose|supposing|assuming)\b|\b(?:whether|would need|"
    r"would require|would have to|would mean|would only|would be for|if i|if the|if it|if that|if this|if they|"
    r"without knowing|would push|could push|to push|to get a|to earn)\b",
    re.IGNORECASE,
)
# The clause reports what an option or the item says ("[1] says...", "reference 2 is about..."): description.
_DESCRIBES_OPTION = re.compile(
    r"^(?:reference\s+)?\S+\s+(?:says|is about|covers|describes|mentions|talks about|deals with)\b", re.I
)
# A sentence whose head before ":" names a pattern, rule or the profile: what follows elaborates it.
_PATTERN_HEAD = re.compile(
    r"^[^:]{0,80}\b(?:pattern|rule|scale|history|profile|tags|scores|ratings|habit|habits)\b[^:]{0,40}:", re.I
)
_DETERMINERS = frozenset(["a", "an", "the", "this", "that", "its", "his", "her", "their", "some", "any"])
_WORK_NOUNS = frozenset(
    [
        "film",
        "films",
        "movie",
        "movies",
        "flick",
        "story",
        "stories",
        "tale",
        "tag",
        "tags",
        "label",
        "genre",
        "category",
        "one",
        "ones",
        "piece",
        "book",
        "novel",
        "answer",
        "choice",
        "pick",
        "option",
        "candidate",
        "fit",
        "match",
        "reading",
        "title",
        "picture",
        "show",
        "series",
        "drama",
        "thriller",
    ]
)
_OPTION_CHECK = re.compile(r"^[\w\s'\[\]-]{1,30}:\s")
# The clause states the model's stance on this item: a decision, a conclusion or a tentative proposal.
_STANCE = re.compile(
    r"\b(?:i|we)(?:'ll|'d|'m| will| would| am)?\s+(?:\w+\s+)?(?:go|going|say|pick|choose|answer|output|give|rate|"
    r"tag|settle|stick|stay|change|switch|lean|leaning|guess|think|believe|feel|put|call|mark|vote|bet|keep|return|"
    r"prefer|see|read|land|conclude)\b|\bmy (?:\w+ ){0,2}(?:answer|guess|pick|choice|candidate|reaction|thought|"
    r"instinct|impression|take|vote|bet|call|decision|prediction|rating|tag|score|label|read|inclination|hunch|"
    r"conclusion|verdict)\b|\bto me\b|"
    r"\b(?:the|final|so the|so my) (?:answer|tag|label|score|rating|reference|prediction|choice|pick|output) "
    r"(?:is|should be|would be|must be|will be|has to be|seems|here is)\b|"
    r"^(?:so|then|thus|therefore|hence|okay|ok|alright|fine|right|yes|final answer)\b|"
    r"\b(?:maybe|perhaps|probably|possibly|likely|presumably)\b|"
    r"\b(?:could|might|would|should|must|may) (?:well |also |still |even |actually |really )?be\b|"
    r"\b(?:it's|it is|this is|this one is|that's|that is|sounds like|feels like|reads (?:as|like)|looks like|"
    r"seems|more like|closer to|leans?|points? (?:to|toward|towards|at|back)|suggests?|fits?|fitting|best fit|"
    r"better fit|back to|after all|instead|makes it|deserves|warrants|earns|which is|which makes)\b",
    re.IGNORECASE,
)
_REJECT_BEFORE = re.compile(
    r"(?:\bnot(?! only| just| merely| simply)|\bno|\bfrom|rather than|instead of|\bover|rule out|ruling out|than|\bnor|\bexcept|\bbesides|"
    r"(?:is|was|are)n't|(?:ca|wo|would|should|could|does|do|did)n't (?:be|seem|sound|look|feel|fit|make it|call it|go with|say|"
    r"give|rate|pick|choose|tag|expect)|(?:would|should|could|will|does|do|did) not (?:be|give|rate|pick|choose|go with|say)|"
    r"(?:don't|do not|doesn't|does not) (?:think|believe|see|feel|expect|buy)(?:\s+[\w']+){0,3}|\bi doubt)"
    r"\s*(?:[\w']+\s+){0,3}[\"'“]?$"
)
_REJECT_AFTER = re.compile(
    r"^[\"'”]?\s*(?:(?:\w+\s+){0,2}(?:doesn't|does not|isn't|is not|wouldn't|won't|can't|cannot|don't)\b|"
    r"(?:\w+\s+){0,2}(?:is|seems|feels|would be|sounds|looks|was)\s+(?:\w+\s+)?(?:wrong|off|unlikely|too|a stretch|"
    r"less|incorrect|out of character|not right|ruled out|strange|odd|weird|poor|bad|unusual|the distractor|a distractor|unrelated|irrelevant|out of place|"
    r"improbable|implausible|doubtful|excessive|overkill|a reach)|"
    r"(?:is )?(?:ruled out|out\b))"
)


def favoured_answers(text: str, task: Task, list_echo: int = 4) -> list[str]:
    """The answers ``text`` favours for this item, in order, consecutive repeats collapsed.

    A clause proposes a label when it states the model's stance (a decision, a conclusion, a
    tentative "maybe 3") on exactly one label it does not reject. Rejecting the answer just
    favoured ("could be action. So not action.") returns to the one before it. A single
    excursion in the whole trace to an alternative that was only floated (A→maybe B→A) is a
    check of that alternative, not two reversals; several such excursions are going back and forth.
    """
    seq: list[tuple[str, bool]] = []  # (label, only floated)
    for sentence, bare in zip(sentences(text), _bare_conclusions(text, task), strict=True):
        named = labels_in(sentence, task)
        if not named or len(named) >= list_echo or sentence.rstrip().endswith("?"):
            continue
        if _option_check(sentence, named):
            continue
        if _HYPOTHETICAL.match(sentence.strip()) or _PATTERN_HEAD.match(sentence.strip()):
            continue  # "If the user calls every romance classic, then ...", "Their pattern: ... a 4; ... a 5"
        for clause in [sentence] if bare else _clauses(sentence):
            kind, label = ("favours", bare) if bare else _read_clause(clause, task)
            if kind == "rejects" and seq and seq[-1][0] == label:
                # dropped: back to the answer favoured before (A→B→A), or no answer yet
                seq[-1:] = [seq[-1], (seq[-2][0], True)] if len(seq) >= 2 else []
            elif kind == "favours" and seq and seq[-1][0] == label:
                seq[-1] = (label, seq[-1][1] and not (bare or _FIRM.search(clause)))
            elif kind == "favours":
                seq.append((label, not (bare or _FIRM.search(clause))))
            while len(seq) >= 2 and seq[-1][0] == seq[-2][0]:
                seq[-2:] = [(seq[-2][0], seq[-2][1] and seq[-1][1])]
    return [label for label, _ in _drop_single_check(seq)]


# The words a bare conclusion may carry beside its label: "Twist ending again.", "Final answer: 4.", "So, [2]."
_CONCLUSION_TEXT = """
so then again thus hence therefore okay ok alright fine right yes final answer my the it is it's a
an tag label rating score reference output pick choice verdict still definitely
"""
_CONCLUSION_WORDS = frozenset(_CONCLUSION_TEXT.split())
# Words that make a bare label a decision wherever it stands ("So, 4.", "Final answer: comedy.", "4 then.").
_DECIDING_WORDS = frozenset(["final", "answer", "so", "then", "thus", "hence", "therefore", "my", "it's"])
# "Score: 4." may be a profile line; "Final score: 4." / "So my rating: 4." concludes.
_NOUN_WORDS = frozenset(["tag", "label", "rating", "score", "reference", "output", "pick", "choice", "verdict"])
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]\s|\(\w\))")


def _bare_conclusions(text: str, task: Task) -> list[str]:
    """Per sentence of ``text`` (as ``sentences`` splits it): the label it concludes on when it is only a
    label and conclusion words, else "".

    "Twist ending again." closing its paragraph, or "Final answer: twist ending." / "So, 4." anywhere,
    is the model favouring that label. Without a deciding word a bare label in the middle of a
    paragraph annotates what is being described ("The second film: a tycoon's dying word. Classic
    again. That's the one about the sled.") and a bare number is a list number ("1. Electric kettle"),
    so neither counts; nor does a run of label-only lines of different labels (a list of options).
    """
    found: list[tuple[str, bool]] = []  # (label, a line of a bare label alone: maybe an item of a list)
    for line in text.splitlines():
        own = sentences(line)
        for k, sentence in enumerate(own):
            label, deciding = _bare_label(sentence, task)
            closes = k == len(own) - 1
            keep = label and (deciding or (closes and not label.isdigit()))
            found.append((label if keep else "", bool(label) and not deciding and len(own) == 1))
    listed = {
        i
        for i, (label, alone) in enumerate(found)
        if alone and any(0 <= j < len(found) and found[j][1] and found[j][0] != label for j in (i - 1, i + 1))
    }
    return ["" if i in listed else label for i, (label, _) in enumerate(found)]


def _bare_label(sentence: str, task: Task) -> tuple[str, bool]:
    """(label, has a deciding word) when the sentence is one label and conclusion words, else ("", False)."""
    named = labels_in(sentence, task)
    if len(named) != 1 or _BULLET.match(sentence) or _only_attributive(sentence, named[0], task):
        return "", False  # a list item ("- comedy"), or the ordinary word ("The violence.")
    head = _INTERJECTION.sub("", sentence.strip()).lower()
    rest = re.sub(rf"(?<![\w-]){re.escape(named[0].lower())}(?![\w-])", " ", head, count=1)
    found = set(re.findall(r"[\w']+", rest))
    deciding = bool(found & _DECIDING_WORDS) or {"it", "is"} <= found
    if rest == head or not found <= _CONCLUSION_WORDS or (found & _NOUN_WORDS and not deciding):
        return "", False
    return named[0], deciding


def _drop_single_check(seq: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """A→maybe B→A, the trace's only excursion and B never favoured again: a check of B, no reversal."""
    labels = [label for label, _ in seq]
    checks = [
        i
        for i in range(1, len(seq) - 1)
        if seq[i][1] and labels[i - 1] == labels[i + 1] and labels.count(labels[i]) == 1
    ]
    if len(checks) != 1:
        return seq
    i = checks[0]
    return [*seq[: i - 1], (seq[i - 1][0], seq[i - 1][1] and seq[i + 1][1]), *seq[i + 2 :]]


# A quotation of three or more words is the input's or the profile's voice, not the model's ("two stars, I guess").
_QUOTATION = re.compile(r"\"[^\"]*(?:\s\S+){2,}[^\"]*\"|“[^”]*(?:\s\S+){2,}[^”]*”")


# "Hmm, so 2." / "Wait, it's comedy": an interjection before the clause says nothing about its stance.
_INTERJECTION = re.compile(r"^(?:(?:hmm+|wait|okay|ok|well|oh|ah|right|alright|no|yes|yeah|actually)[,.!]*\s+)+", re.I)


def _clauses(sentence: str) -> list[str]:
    parts = _CLAUSE.split(_QUOTATION.sub(" ", sentence))
    return [_INTERJECTION.sub("", c.strip()) for c in parts if c and c.strip()]


def _read_clause(clause: str, task: Task) -> tuple[str, str]:
    """("favours", label), ("rejects", label) or ("", "") for one clause."""
    named = [label for label in labels_in(clause, task) if not _only_attributive(clause, label, task)]
    if not named:
        return "", ""
    kept = [label for label in named if not rejected(clause, label)]
    if not kept:
        return ("rejects", named[0]) if len(named) == 1 else ("", "")
    predicts = bool(_PREDICTION.search(clause)) or bool(_HEDGE.search(clause) and not _PAST_ACT.search(clause))
    own = bool(_OWN.search(clause)) or predicts
    if (
        _DEFINITION.search(clause)
        or _DESCRIBES_OPTION.search(clause)
        or (not own and (_PROFILE.search(clause) or _GENERIC.search(clause)))
    ):
        return "", ""  # describes the profile, or what a label usually means: no stance on this item
    if _HYPOTHETICAL.search(clause) or len(kept) != 1 or not (own or _STANCE.search(clause)):
        return "", ""
    return "favours", kept[0]


def _only_attributive(clause: str, label: str, task: Task) -> bool:
    """Every mention of a one-word label is the ordinary word: an adjective of another noun ("the classic
    shape", "a sci-fi setting") or a noun with its article ("the psychology", "the violence is brief"), not
    the tag. A work noun after it ("action film", "the romance tag") keeps the label."""
    if task.kind != "classification" or " " in label or not label[:1].isalpha():
        return False
    pattern = rf"(\w*)\s*(?<![\w-]){re.escape(label.lower())}(?![\w-])\s*([a-z]*)"
    uses = re.findall(pattern, clause.lower())
    return bool(uses) and all(
        (before in _DETERMINERS and after and after not in STOPWORDS and after not in _WORK_NOUNS and len(after) > 2)
        or (before in ("the", "its", "his", "her") and after not in _WORK_NOUNS)
        for before, after in uses
    )


def _option_check(sentence: str, named: list[str]) -> bool:
    """'Dystopia: no, ...': the trace walks through the options one by one, checking each."""
    head = _OPTION_CHECK.match(sentence)
    return head is not None and head.group(0).strip(" :").lower() in {label.lower() for label in named}


def rejected(clause: str, label: str) -> bool:
    """The clause names ``label`` only to reject it ("not comedy", "rather than 4", "2 seems too low")."""
    lowered = clause.lower()
    at = lowered.find(label.lower())
    if at < 0:
        return False  # named in another spelling ("two stars", "the first reference"): not rejected
    while at >= 0:
        before, after = lowered[max(0, at - 45) : at], lowered[at + len(label) : at + len(label) + 40]
        if not (_REJECT_BEFORE.search(before) or _REJECT_AFTER.match(after)):
            return False
        at = lowered.find(label.lower(), at + len(label))
    return True
