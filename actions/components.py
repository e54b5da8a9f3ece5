"""Custom NLU component of the Lantern Street Theatre assistant (used in config.yml).

`ShoutingDetector` runs after the intent classifiers. A message written mostly in capitals
("WHY CAN'T I GET MY TICKETS") is read as frustration: its intent becomes `frustrated`, so the
rule "frustration offers a person" answers with `utter_offer_person`. The classifier's ranking is
kept (the handoff JSON shows it), the message gets `"shouting": true` in the parse result, and
the intent it would have had is kept as `"shouting_intent"`.

Requests for a person, the bot challenge and short polite replies keep their intent: "I WANT A
PERSON" must still hand off, and "THANK YOU" is not a complaint.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

FRUSTRATED = "frustrated"
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
            if name == "nlu_fallback":  # keep the classifier's best guess as the topic
                ranked = [r for r in message.get(INTENT_RANKING_KEY) or []
                          if r.get(INTENT_NAME_KEY) != "nlu_fallback"]
                name = ranked[0][INTENT_NAME_KEY] if ranked else name
            message.set(SHOUTING_INTENT_KEY, name, add_to_output=True)
            message.set(
                INTENT, {INTENT_NAME_KEY: FRUSTRATED, "confidence": 1.0}, add_to_output=True
            )
        return messages
