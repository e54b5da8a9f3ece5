"""What the bot did not answer, kept for people to teach it (issue 23, "To teach").

Five kinds of entry, each one visitor message: `unsure` (the bot asked "did you mean" or to
rephrase: `action_clarify`'s `unsure` signal), `declined` (an `unsure` whose "did you mean" the
visitor turned down with "Something else"), `handoff` (handed to a person for low confidence or
out of scope), `off_topic` (answered with the off-topic refusal or the offer of a person that
follows a second one: off-topic is no handoff by itself) and `rejected` (the visitor gave a bot
answer a thumbs-down, or answered it with frustration, "that's not what I asked"; the entry is
the question that answer was to). Each keeps the bot's guesses (FAQ intents, best first) and a
department: the handoff's, else the best guess's topic's, else none (supervisors only).

Grouping is by normalised words: lower case, words of two letters or more, common English words
dropped, a plural or -ing/-ed ending cut, as a sorted set; "How do I get a refund?" and "refund,
how to get" are one group. Deliberately simple: it never joins two different questions that
share no content word, and it is explainable to the person who teaches.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from .handoff.request import HandoffRequest
from .models import Learned, Sender, Unanswered
from .site import Site
from .stopwords import STOP
from .store import Store, Teaching

KINDS = ("unsure", "declined", "handoff", "off_topic", "rejected")
# Rasa's responses to a message the bot judged off-topic (data/rules.yml)
OFF_TOPIC_RESPONSES = frozenset({"utter_out_of_scope", "utter_offer_person"})
# Words that acknowledge rather than ask ("ok" after the refusal): nothing to teach
ACKNOWLEDGING = frozenset({"ok", "okay", "yes", "yeah", "yep", "no", "nope", "sure", "thank",
                           "thanks", "fine", "alright"})
HANDED_FOR = ("low_confidence", "out_of_scope")
FRUSTRATED = "frustrated"  # a handoff for frustration right after an answer rejects it
OUT_OF_SCOPE = "out_of_scope"
IGNORE = "ignore"
FAQ = "faq_"
GUESS_MIN = 0.15  # a FAQ topic in a handoff's ranking counts as a guess from this confidence


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """A message's content words, normalised and sorted (the grouping key's parts)."""
    found = re.findall(r"[a-z0-9'£$€]+", text.lower())
    return sorted({_stem(w.strip("'")) for w in found if len(w) > 1 and w not in STOP})


def key_of(text: str) -> str:
    """The grouping key: the normalised words, or the trimmed text when it has none."""
    return " ".join(words(text)) or " ".join(text.lower().split())


@dataclass
class Group:
    """Entries of one key: how many, the bot's guesses and the texts, newest first."""

    key: str
    newest: float
    entries: list[Unanswered] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        guesses: dict[str, int] = {}
        kinds: dict[str, int] = {}
        for entry in self.entries:
            kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
            for guess in entry.guesses:
                guesses[guess] = guesses.get(guess, 0) + 1
        texts = list(dict.fromkeys(entry.text for entry in self.entries))
        return {"key": self.key, "count": len(self.entries), "newest": self.newest,
                "text": texts[0], "texts": texts[:5], "kinds": kinds,
                "guesses": sorted(guesses, key=lambda g: -guesses[g])[:3],
                "departments": sorted({e.department for e in self.entries}),
                "entries": [e.id for e in self.entries]}


def group(entries: list[Unanswered]) -> list[Group]:
    """Entries (newest first) grouped by `key_of`, the group with the newest entry first."""
    groups: dict[str, Group] = {}
    for entry in sorted(entries, key=lambda e: -e.ts):
        key = key_of(entry.text)
        groups.setdefault(key, Group(key, entry.ts)).entries.append(entry)
    return list(groups.values())


def topics(site: Site) -> list[dict[str, str]]:
    """What a message can be taught as: the pack's topics (intent and button title)."""
    return [{"intent": f"{FAQ}{name}", "title": topic.title or name.replace("_", " ").capitalize()}
            for name, topic in site.topics.items()]


def learned_example(text: str, intent: str, by: str) -> tuple[Learned, str]:
    """A taught example (one line of words) and its key in the learned data."""
    line = " ".join(text.split())
    return Learned(line, intent, by, round(time.time(), 3)), line.lower()


async def taught(store: Teaching) -> list[dict[str, str]]:
    """The learned examples as a trainer takes them: `{"text", "intent"}` each."""
    return [{"text": e.text, "intent": e.intent} for e in await store.learned()]


class Teacher:
    """Notes what the bot did not answer, as the dialogue learns it (bot/dialogue.py)."""

    def __init__(self, store: Store, site: Site, cap: int) -> None:
        self.store = store
        self.site = site
        self.cap = cap

    def department_of(self, guesses: list[str]) -> str:
        for guess in guesses:
            topic = self.site.topics.get(guess.removeprefix(FAQ))
            if topic is not None:
                return topic.department
        return ""

    async def note(self, conversation_id: str, message_id: str, text: str, kind: str,
                   guesses: list[str], department: str = "") -> None:
        if not message_id or not text.strip() or text.startswith("/"):
            return  # a button's payload is not something a visitor asked
        guesses = [g for g in guesses if g.startswith(FAQ)][:3]
        entry = Unanswered(conversation_id, message_id, text.strip(), kind,
                           department or self.department_of(guesses), guesses,
                           round(time.time(), 3))
        await self.store.add_unanswered(entry, self.cap)

    async def unsure(self, conversation_id: str, message_id: str, text: str,
                     signal: Any) -> None:
        """The bot asked "did you mean" (with its suggestions) or to rephrase."""
        suggestions = signal.get("suggestions") if isinstance(signal, dict) else None
        guesses = [str(s) for s in suggestions or [] if isinstance(s, str)]
        await self.note(conversation_id, message_id, text, "unsure", guesses)

    async def off_topic(self, conversation_id: str, message_id: str, text: str) -> None:
        """The bot refused a message as off-topic (or offered a person after a second one)."""
        if set(words(text)) - ACKNOWLEDGING:
            await self.note(conversation_id, message_id, text, "off_topic", [])

    async def handed_over(self, conversation_id: str, message_id: str, text: str,
                          request: HandoffRequest) -> None:
        """A handoff for low confidence or out of scope (others are not the bot's failing); a
        frustrated one just after a bot answer ("that's not what I asked") rejects that answer."""
        if request.reason == FRUSTRATED:
            await self.answer_disowned(conversation_id, message_id)
            return
        if request.reason not in HANDED_FOR:
            return
        guesses = [str(r["name"]) for r in request.intent_ranking or []
                   if float(r.get("confidence") or 0) >= GUESS_MIN]
        await self.note(conversation_id, message_id, text, "handoff", guesses,
                        request.department)

    async def declined(self, conversation_id: str) -> None:
        """The visitor asked for a person: a "did you mean" just shown was turned down."""
        entries = await self.store.unanswered_of(conversation_id)
        if entries and entries[-1].kind == "unsure" and entries[-1].guesses:
            await self.store.relabel_unanswered(entries[-1].id, "declined")

    def topic_answered(self, data: dict[str, Any], text: str) -> str:
        """The FAQ intent a bot message answered: as the bridge noted it (`answer.topic`, live
        answers), else the pack's answer with the same text; '' for none."""
        noted = data.get("answer")
        name = noted.get("topic") if isinstance(noted, dict) else None
        if isinstance(name, str) and name in self.site.topics:
            return f"{FAQ}{name}"
        return next((f"{FAQ}{n}" for n, t in self.site.topics.items()
                     if t.answer.strip() == text.strip()), "")

    async def answer_disowned(self, conversation_id: str, message_id: str) -> bool:
        """The visitor's message `message_id` answered a bot FAQ answer with frustration: as a
        thumbs-down on that answer (when it is the bot's last message before it)."""
        try:
            page = await self.store.page_before(conversation_id, message_id or None, 10)
        except ValueError:
            return False
        last = next((m for m in reversed(page.messages)
                     if m.sender not in (Sender.SYSTEM, Sender.NOTE)), None)
        if last is None or last.sender is not Sender.BOT \
                or not self.topic_answered(last.data, last.text):
            return False
        return await self.rejected(conversation_id, last.id)

    async def rejected(self, conversation_id: str, message_id: str) -> bool:
        """A thumbs-down on a bot answer: its question (the visitor's message before it) is
        kept, with the answer's topic as the guess; False if that is not a bot's answer."""
        try:
            answer = await self.store.message(conversation_id, message_id)
            page = await self.store.page_before(conversation_id, message_id, 10)
        except ValueError:
            return False
        if answer is None or answer.sender is not Sender.BOT:
            return False
        asked = [m for m in page.messages if m.sender is Sender.VISITOR
                 and not m.text.startswith("/")]
        if not asked:
            return False
        topic = self.topic_answered(answer.data, answer.text)
        entry = Unanswered(conversation_id, message_id, asked[-1].text.strip(), "rejected",
                           self.department_of([topic]), [topic] if topic else [],
                           round(time.time(), 3))
        await self.store.add_unanswered(entry, self.cap)
        return True
