"""Finding the question in a visitor's message.

Visitors often tell a story around their question ("hi! my mum uses a wheelchair and we've
booked for Saturday, will she be able to get to her seat?"). Greetings, thanks and the story
must not pull the message to another topic: `focus` splits a message into sentences and
clauses, drops the pleasantries, and says which parts ask the question, so the classifier can
weigh them most (`QuestionFocus` in actions/components.py repeats their tokens).
"""

from __future__ import annotations

import re
from typing import List, NamedTuple

# Sentence ends, and the start of a clause that asks ("..., will she be able to ...").
_SENTENCE = re.compile(r"[.!?;:\n]+|\s+-+\s+|,\s*(?:but|so|and)?\s*(?=(?:how|what|when|where|which|"
                       r"who|why|can|could|do|does|did|is|are|will|would|should|may|might|"
                       r"have|has|any|am)\b)", re.IGNORECASE)
_ASKS = re.compile(
    r"^\s*(?:(?:so|and|but|also|ok|okay|well|please|pls|just)\s+)*(?:how|what|whats|what's|when|"
    r"where|wheres|where's|which|who|why|can|cna|could|do|does|did|is|isn't|are|aren't|will|"
    r"would|should|may|might|have|has|any|am|r|u|wat|wen|hw)\b"
    r"|\b(?:i (?:want|need|would like|'d like|wanna|am trying|'m trying|am looking|'m looking)|"
    r"i'd like|tell me|let me know|wondering|wonder if|looking for|trying to)\b",
    re.IGNORECASE,
)
_PLEASANTRY = re.compile(
    r"^\s*(?:(?:hi|hiya|hello|hey|heya|hallo|howdy|good (?:morning|afternoon|evening)|dear \w+|"
    r"thanks?(?: you)?(?: so much| very much| a lot| in advance)?|thx|ty|cheers|many thanks|"
    r"hope (?:you(?:'re| are) well|all is well)|please|pls|sorry|ok|okay|right|so|um+|er+|"
    r"there|team|all|folks|everyone|for (?:your|the|any) help|for helping)\b[\s,!.']*)+$",
    re.IGNORECASE,
)
# A greeting before the first words of a sentence ("hi there, my mum ...").
_GREETING = re.compile(r"\s*(?:(?:hi|hiya|hello|hey|heya|howdy|good (?:morning|afternoon|evening)|"
                       r"dear \w+)(?: there| team| all| folks| everyone)?[\s,!.]+)+", re.IGNORECASE)


class Part(NamedTuple):
    start: int
    end: int
    asks: bool


def parts(text: str) -> List[Part]:
    """The message's sentences and asking clauses, without pleasantries."""
    found, start = [], 0
    for match in list(_SENTENCE.finditer(text)) + [None]:
        end = match.start() if match else len(text)
        greeting = _GREETING.match(text, start, end) if start < end else None
        start = greeting.end() if greeting else start
        chunk = text[start:end]
        if chunk.strip() and not _PLEASANTRY.match(chunk):
            asks = "?" in text[end:end + 3] or bool(_ASKS.search(chunk))
            found.append(Part(start, end, asks))
        start = match.end() if match else len(text)
    return found


def focus(text: str) -> List[Part]:
    """The parts to weigh most: the asking parts of a message that also tells a story (none when
    the message is one part, or every part asks, or none does)."""
    found = parts(text)
    asking = [p for p in found if p.asks]
    if len(found) < 2 or not asking or len(asking) == len(found):
        return []
    return asking


def kept(text: str) -> List[Part]:
    """Every part that is not a pleasantry (the whole text when nothing is left)."""
    return parts(text) or [Part(0, len(text), False)]


def rewrite(text: str) -> str:
    """The message as the classifier reads it with the question weighed twice (for evaluation
    scripts; the component does the same on tokens)."""
    body = " ".join(text[p.start:p.end].strip() for p in kept(text))
    extra = " ".join(text[p.start:p.end].strip() for p in focus(text))
    return (body + " " + extra).strip()
