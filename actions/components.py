"""Custom NLU components of the assistant (used in config.yml).

`PersonRequestDetector` runs after the intent classifiers. A message that plainly asks for a
person ("I need to speak to someone about a refund") hands off even when it also names a FAQ
topic the classifier preferred: the request wins, and the topic is kept as `"person_topic"` so
the handoff goes to the right department. The bot challenge alone ("are you a real person?")
is left alone; "are you a bot? I want a human" asks for one.

`ShoutingDetector` runs after the intent classifiers. A message written mostly in capitals
("WHY CAN'T I GET MY TICKETS") is read as frustration: its intent becomes `frustrated`, so the
rule "frustration hands off" runs `action_handoff` (reason `frustrated`). The classifier's ranking is
kept (the handoff JSON shows it), the message gets `"shouting": true` in the parse result, and
the intent it would have had is kept as `"shouting_intent"`.

Requests for a person, the bot challenge and short polite replies keep their intent: "I WANT A
PERSON" must still hand off, and "THANK YOU" is not a complaint.

`BotChallengeDetector` (with `PersonRequestDetector`, a `WordRule`): "could you be a person?",
"r u human", "is this automated" get the honest answer in every pack, whatever its examples.
`SpellingNormalizer` reads typing slips; `QuestionFocus` weighs the question over the story
around it (actions/focus.py).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spellchecker import SpellChecker

from actions.focus import focus, kept

FRUSTRATED = "frustrated"
HUMAN_HANDOFF = "human_handoff"
PERSON_TOPIC_KEY = "person_topic"
_PERSON = (r"(?:a |an |some |one of your |a real |a live |an actual |your )?"
           r"(?:someone|somebody|some ?one|person|people|human|humans|agent|representative|rep|"
           r"operator|advisor|adviser|staff|member of (?:your )?staff|manager|supervisor|"
           r"customer (?:service|support) (?:agent|rep|representative|team))")
PERSON_REQUEST = re.compile(
    r"\b(?:speak|talk|chat|get through)\w*\s+(?:to|with)\s+" + _PERSON + r"\b"
    r"|\b(?:connect|transfer|put|pass|escalate)\s+me\s+(?:to|with|through to|on to|over to)\b"
    r"|\b(?:get|give|want|need|request|prefer)\s+(?:me\s+)?(?:a |an )?(?:real |live |actual )?"
    r"(?:human|person|agent|representative|operator)\b",
    re.IGNORECASE,
)
# A request that is only a word or two: "staff please", "operator", "a real person pls".
BARE_PERSON_REQUEST = re.compile(
    r"^\W*(?:(?:can|could|may) i (?:have|get|speak to|talk to) |(?:get|give|find) me |i want |"
    r"i need |i'd like |i would like )?(?:a |an |some |the )?(?:real |live |actual |proper )?"
    r"(?:human(?: being)?|person|agent|operator|representative|rep|staff|member of staff|someone|"
    r"somebody|customer (?:service|support))"
    r"(?:,? (?:please|pls|plz|now|asap|thanks|thank you))*\W*$"
    r"|\b(?:can|could|would|will) (?:a |an |some |one of your )?(?:real |actual |live )?"
    r"(?:human|person|agent|someone|somebody|member of staff|staff member|operator) "
    r"(?:(?:from|at|on|in) (?:your|the) (?:\w+ )?(?:team|staff|\w*shop|store|office|desk) )?"
    r"(?:please )?(?:take over|help me|step in|pick (?:this|it) up|answer|look at this|call me|"
    r"(?:chat|talk|speak) (?:with|to) me|contact me|get back to me|ring me)\b",
    re.IGNORECASE,
)
# "am I talking to a real person?" asks who is there: that is the bot challenge, not a request.
WHO_IS_THERE = re.compile(r"\b(?:am i|are you|is (?:this|it|that)|who am i|who is this)\b",
                          re.IGNORECASE)
# "Are you a bot? I want a human" is a request, whichever the classifier preferred
# (`asks_for_person` reads only the words after the question who is there).
PERSON_REQUEST_SKIP = {HUMAN_HANDOFF}
SHOUTING_KEY = "shouting"
SHOUTING_INTENT_KEY = "shouting_intent"
DEFAULT_KEEP_INTENTS = [
    "human_handoff", "bot_challenge", "greet", "goodbye", "thanks", "affirm", "deny",
]


def is_shouting(text: Optional[str], min_letters: int = 10, min_words: int = 3,
                upper_ratio: float = 0.7) -> bool:
    """True for a message mostly in capitals: enough letters and words, and at least
    `upper_ratio` of the letters upper case. Button payloads ("/human_handoff") never count."""
    if not text or text.startswith("/"):
        return False
    letters = [c for c in text if c.isalpha()]
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    if len(letters) < min_letters or len(words) < min_words:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= upper_ratio


def relabel(message: Message, intent: str, topic_key: str) -> None:
    """Give `message` the intent `intent`, keeping the intent it had (for a fallback, the
    classifier's best guess) as `topic_key` in the parse result: the handoff's department."""
    name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    if name == "nlu_fallback":
        ranked = [r for r in message.get(INTENT_RANKING_KEY) or []
                  if r.get(INTENT_NAME_KEY) != "nlu_fallback"]
        name = ranked[0][INTENT_NAME_KEY] if ranked else name
    message.set(topic_key, name, add_to_output=True)
    message.set(INTENT, {INTENT_NAME_KEY: intent, "confidence": 1.0}, add_to_output=True)


def asks_for_person(text: Optional[str]) -> bool:
    """True when the words plainly ask for a person (not only whether one is talking): "are you
    a bot? I want a human" asks for one after asking who is there."""
    if not text or text.startswith("/"):
        return False
    if BOT_CHALLENGE.search(text):
        return _requests_person(BOT_CHALLENGE.sub(" ", text))
    return not WHO_IS_THERE.search(text) and _requests_person(text)


def _requests_person(text: str) -> bool:
    return PERSON_REQUEST.search(text) is not None or BARE_PERSON_REQUEST.search(text) is not None


_WHAT = (r"(?:an? |the |some )?(?:real |actual |live |living |proper )?(?:bot|robot|chat ?bot|"
         r"machine|ai|a\.i\.?|computer(?: program(?:me)?)?|program|programme|software|"
         r"human(?: being)?|person|"
         r"automated|automatic|automated (?:system|reply|replies|chat|service)|real|for real|"
         r"artificial(?: intelligence)?|algorithm|script|virtual assistant)")
# Whether a person or a program is answering, in the wordings the base must always know.
BOT_CHALLENGE = re.compile(
    r"\b(?:are|r|could|can|would|might|aren'?t) (?:you|u|ya)(?: really| actually| even| just)?"
    r"(?: be)? " + _WHAT + r"(?=\W*(?:$|\?|or\b|\.|!|,|right|though|lol))"
    r"|\b(?:am i|are we|r we) (?:talking|speaking|chatting|writing|texting|messaging)"
    r" (?:to|with) " + _WHAT + r"\b"
    r"|^\W*(?:so |and |but |wait,? )?(?:is|isn'?t) (?:this|it|that|this chat|the chat|this thing)"
    r"(?: really| actually| just)? " + _WHAT + r"(?=\W*(?:$|\?|or\b|\.|!))"
    r"|\b(?:is|are) (?:there )?(?:actually |really )?(?:a |an |any |the )?(?:real |actual |live )?"
    r"(?:someone|somebody|anyone|anybody|person|human|people|humans|\w+ person|staff|\w+) "
    r"(?:there )?(?:actually |really )?(?:typing|reading|answering|writing|replying|behind)"
    r"(?: this| these| me| this chat)?"
    r"\W*(?:$|\?)"
    # "ur a chatbot arent you", "you're not a real person, are you?": said, then asked.
    r"|\b(?:you'?re|youre|you are|ur|u r|you aren'?t|u aren'?t)(?: not)?(?: really| actually| even"
    r"| just| only| obviously| clearly)? " + _WHAT
    + r"(?=\W*(?:$|\?|right\b|aren'?t|arent|are(?:n'?t)? (?:you|u|ya)|r u|isn'?t|huh|eh|lol|yeah|"
    r"yes|no\b|then|too|innit|,))"
    r"|\b(?:human|person|real|people) or (?:an? )?(?:bot|robot|machine|ai|computer|program)\b"
    r"|\b(?:bot|robot|machine|ai|computer|program) or (?:an? )?(?:human|person|real)\b",
    re.IGNORECASE,
)
# The classifier's "a person" gives way to the words' "are you real?" ("ur a chatbot arent you"
# reads like a complaint to it); a request for a person in the same message keeps it.
BOT_CHALLENGE_SKIP = {"bot_challenge"}


def asks_if_bot(text: Optional[str]) -> bool:
    """True when the words ask whether a person or a program is answering, and ask for nothing
    more (a request for a person after the question is a request: `asks_for_person`)."""
    return bool(text and not text.startswith("/") and BOT_CHALLENGE.search(text)
                and not asks_for_person(text))


class WordRule(GraphComponent):
    """After the classifiers: a message whose words `match` gets another intent (`apply`),
    unless the classifier already gave one of `keep`."""

    keep: frozenset = frozenset()

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "WordRule":
        return cls()

    def matches(self, text: Optional[str]) -> bool:
        raise NotImplementedError

    def apply(self, message: Message) -> None:
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if name not in self.keep and self.matches(message.get(TEXT)):
                self.apply(message)
        return messages


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class PersonRequestDetector(WordRule):
    """A plain request for a person wins over a FAQ topic (see the module docstring)."""

    keep = frozenset(PERSON_REQUEST_SKIP)

    def matches(self, text: Optional[str]) -> bool:
        return asks_for_person(text)

    def apply(self, message: Message) -> None:
        relabel(message, HUMAN_HANDOFF, PERSON_TOPIC_KEY)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class BotChallengeDetector(WordRule):
    """"Are you real?" in any wording gets the honest answer: a message that asks whether a
    person or a program is answering becomes `bot_challenge` whatever the classifier guessed,
    a person included (a request for a person in the words stays a request). Part of the base,
    so a new pack has it at full strength however few examples it has."""

    keep = frozenset(BOT_CHALLENGE_SKIP)

    def matches(self, text: Optional[str]) -> bool:
        return asks_if_bot(text)

    def apply(self, message: Message) -> None:
        message.set(INTENT, {INTENT_NAME_KEY: "bot_challenge", "confidence": 1.0},
                    add_to_output=True)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ShoutingDetector(GraphComponent):
    """Turns shouted messages into the `frustrated` intent (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "min_letters": 10,
            "min_words": 3,
            "upper_ratio": 0.7,
            "keep_intents": list(DEFAULT_KEEP_INTENTS),
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._min_letters = int(config["min_letters"])
        self._min_words = int(config["min_words"])
        self._upper_ratio = float(config["upper_ratio"])
        self._keep = set(config["keep_intents"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ShoutingDetector":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            shouting = is_shouting(
                message.get(TEXT), self._min_letters, self._min_words, self._upper_ratio
            )
            if not shouting:
                continue
            message.set(SHOUTING_KEY, True, add_to_output=True)
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if name in self._keep:
                continue
            relabel(message, FRUSTRATED, SHOUTING_INTENT_KEY)
        return messages


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"^[a-z]+$")


def one_edit_away(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return deletes | transposes | replaces | inserts


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpellingNormalizer(GraphComponent):
    """Reads a misspelt word as the training word one typing slip away ("pament" → "payment",
    "acn" → "can"): after the tokenizer, a word that neither the training data nor English has
    (pyspellchecker's English word list: "pork" stays pork, never "park") gets, as its lemma
    (what the count featurizers read), the most frequent training word one edit away, if any.
    Learns only the training data's own vocabulary; the training data itself is left as it is."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_length": 3, "min_count": 3}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 counts: Optional[Dict[str, int]] = None) -> None:
        self.min_length = int(config["min_length"])
        self.min_count = int(config["min_count"])
        self.model_storage, self.resource = model_storage, resource
        self.counts = counts or {}
        self.english = SpellChecker(distance=1)
        self.correction = functools.lru_cache(maxsize=20_000)(self._correction)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SpellingNormalizer":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SpellingNormalizer":
        try:
            with model_storage.read_from(resource) as directory:
                counts = json.loads((directory / "vocabulary.json").read_text())
        except (ValueError, FileNotFoundError, OSError):
            counts = {}
        return cls(config, model_storage, resource, counts)

    def train(self, training_data: TrainingData) -> Resource:
        self.counts = dict(Counter(token.text.lower() for example in training_data.training_examples
                                   for token in example.get(TOKENS_NAMES[TEXT]) or []))
        with self.model_storage.write_to(self.resource) as directory:
            (directory / "vocabulary.json").write_text(json.dumps(self.counts))
        return self.resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def _correction(self, word: str) -> Optional[str]:
        """The most frequent training word (then the first in order) one edit away from a
        `word` neither the training data nor English has, if it is frequent enough."""
        if word in self.counts or len(word) < self.min_length or not _WORD.match(word) \
                or word in self.english:
            return None
        count, best = min((-self.counts.get(c, 0), c) for c in one_edit_away(word))
        return best if -count >= self.min_count else None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                better = self.correction(token.text.lower())
                if better is not None:
                    token.lemma = better
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class QuestionFocus(GraphComponent):
    """Weighs the question most in a message with a story around it (actions/focus.py): after
    the tokenizer, the tokens of greetings and thanks are dropped and, when some parts of the
    message ask and others tell, the asking parts' tokens are counted twice by the featurizers.
    "hi! my mum uses a wheelchair and we've booked for saturday, will she get to her seat ok?"
    is read as the story once and the question twice. The text itself is left as it is."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "QuestionFocus":
        return cls()

    @staticmethod
    def refocus(message: Message) -> None:
        text, tokens = message.get(TEXT), message.get(TOKENS_NAMES[TEXT])
        if not text or not tokens or text.startswith("/"):
            return
        within = lambda token, spans: any(p.start <= token.start < p.end for p in spans)
        body = [t for t in tokens if within(t, kept(text))] or tokens
        extra = [copy.copy(t) for t in tokens if within(t, focus(text))]
        if len(body) != len(tokens) or extra:
            message.set(TOKENS_NAMES[TEXT], body + extra)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self.refocus(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.refocus(message)
        return messages
