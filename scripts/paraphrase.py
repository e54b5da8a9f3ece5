"""Turn a pack's handful of example questions per topic into enough training sentences.

Three sources, all from the pack itself: the examples as written; what a visitor wants to do
("how do I reset my password" -> "reset my password") or asks about ("what are your prices" ->
"your prices") put into other request frames; and the topic's keywords in short requests and
as things to do ("a refund" -> "get a refund"). A few
variants get the noise of real chat (greetings, "pls", lower case, one typo). Deterministic: the
same pack always gives the same sentences.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

_TASK = re.compile(
    r"^(?:how (?:do|can|could|would|should) (?:i|we)|(?:can|could|may) (?:i|we)|where (?:do|can|could) "
    r"i|i (?:want|need|would like|'d like|wish|have) to|i'm trying to|i am trying to|help me|"
    r"what do i (?:need to |have to )?do to|is it possible to|tell me how to) (?P<x>.+?)[?.!\s]*$",
    re.I,
)
_THING = re.compile(
    r"^(?:what(?:'s| is| are)|tell me about|do you (?:have|offer|sell|do)|is there|are there|"
    r"any) (?P<x>.+?)[?.!\s]*$",
    re.I,
)

TASK_FRAMES = [
    "how do I {x}", "how can I {x}?", "I want to {x}", "I need to {x}", "help me {x}",
    "can you help me {x}?", "I'd like to {x}", "where can I {x}", "I'm trying to {x}",
    "what do I have to do to {x}?", "is it possible to {x}?", "could you tell me how to {x}",
    "I have to {x}, can you help", "I don't know how to {x}", "tell me how to {x}",
    "need help to {x}", "I can't {x}", "what's the way to {x}", "I would like to {x} please",
    "any idea how I can {x}", "want to {x}", "can I {x} online", "I need assistance to {x}",
    "where do I go to {x}", "how to {x}", "where to {x}", "I have got to {x}",
    "could you help me to {x}", "I want help to {x}", "can u help me {x}", "I wanna {x}",
    "what's the procedure to {x}", "show me how to {x}", "I'm not sure how to {x}",
    "I need support to {x}", "please help me {x}", "I was wondering how to {x}",
    "what should I do to {x}", "how would I {x}", "I expect to {x}", "{x}",
]
# Verbs that turn a keyword into something to do: "a refund" -> "get a refund".
VERBS = ["get", "check", "see", "find", "ask about", "sort out", "look at", "request", "know about"]
THING_FRAMES = [
    "what are {x}", "tell me about {x}", "info on {x}", "{x}?", "I'd like to know about {x}",
    "can you tell me about {x}", "question about {x}", "I need information about {x}",
    "what about {x}", "details of {x} please", "could you give me {x}", "I want to know {x}",
    "where can I find {x}", "information on {x}", "I'm looking for {x}",
]
KEYWORD_FRAMES = [
    "{x}", "{x}?", "{x} please", "help with {x}", "I need help with {x}",
    "I have a question about {x}", "information about {x}", "issue with {x}",
    "can you help me with {x}?", "where can I see {x}", "I want to know about {x}",
    "problem with {x}", "question regarding {x}", "I need some info about {x}", "{x} help",
    "I'm waiting for {x}", "I have a problem with {x}", "something about {x}",
    "where do I find {x}", "I need {x}", "assistance with {x}",
]
# Details visitors add to a request: a reference, an amount, a date, whose it is.
DETAILS = [
    "for order {n}", "#{n}", "number {n}", "of ${a}", "of £{a}", "of {a} dollars", "of {a} euros",
    "from last month", "from last week", "from two weeks ago", "from Mr. {name}", "for Ms. {name}",
    "for my wife", "for my son", "for my company", "from {name}",
]
DETAIL_RATE = 0.25  # share of variants that get a detail
NAMES = ["Smith", "Jones", "Patel", "Garcia", "Nowak", "Okafor", "Rossi", "Chen", "Murphy"]
PREFIXES = ["", "", "", "", "hi, ", "hello ", "hey ", "excuse me, ", "good morning, ", "quick question: "]
SUFFIXES = ["", "", "", "", "?", " please", " thanks", " pls", " asap", " thank you"]


def _typo(text: str, rng: random.Random) -> str:
    """One slip of the finger in one longer word: swapped, dropped or doubled letter."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w, k = words[i], rng.randrange(1, len(words[i]) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    elif kind == 1:
        w = w[:k] + w[k + 1:]
    else:
        w = w[:k] + w[k] + w[k:]
    words[i] = w
    return " ".join(words)


def _detail(rng: random.Random) -> str:
    return rng.choice(DETAILS).format(
        n=rng.randrange(1000, 99999999), a=rng.choice([3, 12, 25, 48, 60, 120, 299, 350, 1500]),
        name=rng.choice(NAMES),
    )


def _noisy(text: str, rng: random.Random) -> str:
    text = text.rstrip("?.! ")
    if rng.random() < DETAIL_RATE:
        text = f"{text} {_detail(rng)}"
    text = rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)
    if rng.random() < 0.4:
        text = text.lower()
    if rng.random() < 0.2:
        text = _typo(text, rng)
    return text.strip()


def _cores(examples: Iterable[str]) -> tuple[list[str], list[str]]:
    """The tasks and the things the examples ask about."""
    tasks, things = [], []
    for example in examples:
        if match := _TASK.match(example.strip()):
            tasks.append(match["x"])
        elif match := _THING.match(example.strip()):
            things.append(match["x"])
    return tasks, things


def _framed(cores: list[str], frames: list[str], per_core: int, rng: random.Random) -> list[str]:
    out = []
    for core in cores:
        for frame in rng.sample(frames, min(per_core, len(frames))):
            out.append(frame.format(x=core))
    return out


def expand(topic: str, examples: list[str], keywords: list[str], limit: int = 300) -> list[str]:
    """Training sentences for one topic: the examples first, then up to `limit` in all."""
    rng = random.Random(f"frontdesk:{topic}")
    tasks, things = _cores(examples)
    doing = [f"{verb} {keyword}" for keyword in keywords for verb in rng.sample(VERBS, 3)]
    made = (_framed(tasks, TASK_FRAMES, 10, rng) + _framed(things, THING_FRAMES, 6, rng)
            + _framed(keywords, KEYWORD_FRAMES, 8, rng) + _framed(doing, TASK_FRAMES, 3, rng))
    rng.shuffle(made)
    noisy = [_noisy(text, rng) if rng.random() < 0.6 else text for text in made]
    noisy += [_noisy(example, rng) for example in examples]
    seen: set[str] = set()
    out: list[str] = []
    for text in [*examples, *noisy]:
        key = re.sub(r"\W+", " ", text.lower()).strip()
        if key and key not in seen and len(out) < max(limit, len(examples)):
            seen.add(key)
            out.append(text)
    return out
