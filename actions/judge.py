"""The assistant's judgement: answer, ask "did you mean", or say it is not sure.

`TopicJudge` is Rasa's own `LogisticRegressionClassifier` on length-normalised features
(`_create_X`: a long message weighs as much as a short one), whose ranking is weighed by how much
the message shares with each topic's own words (`Evidence`), with the decision that
`FallbackClassifier` used to make folded in, and one more outcome (`decide`):

- **answer**: a FAQ topic confident (≥ `threshold`, calibrated per pack) and clear of the second
  (by `ambiguity`), or another intent (bot challenge, a person, out of scope, small talk)
  ≥ `base_threshold`: the intent stands;
- **ask**: otherwise, or when "out of scope" wins below `threshold`, if FAQ topics are likely
  (the best ≥ `ask_min`, each ≥ `suggest_min`): the intent becomes `nlu_fallback` and the parse
  result gets `"suggestions": [faq_a, faq_b, ...]` (at most three); `action_clarify` shows them
  as buttons with one that offers a person, and a click answers at once (its payload is the
  topic's intent). The topic whose own words the message shares most (`Evidence.hint`, cosine
  ≥ `evidence_button`) is always among the buttons (`with_hint`): the classifier's likely topics
  are the examples' view, the answer's words a second opinion that costs nothing when wrong
  (a button is not an answer);
- **not sure**: `nlu_fallback` without suggestions (ask to rephrase, then a person).

`threshold` is chosen per pack at training (`calibrate`), by cross-validation on the pack's own
training data: the lowest value from `min_threshold` up whose held-out predictions answer at most
`max_wrong` of FAQ sentences with another topic and at most `max_unsafe` of never-FAQ sentences
(out of scope, the bot challenge, a person) with a FAQ. The folds keep together the sentences the
build made from one example (`groups`): otherwise a held-out fold holds near copies of training
sentences and promises more than real visitors give. The choice and the curve it came from are kept with the
model (`calibration.json`); `scripts/evaluate.py` prints them with the figures.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.base import clone
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.preprocessing import normalize

from actions.focus import rewrite

logger = logging.getLogger(__name__)

FALLBACK = "nlu_fallback"
SUGGESTIONS_KEY = "suggestions"
FAQ_PREFIX = "faq_"
OUT_OF_SCOPE = "out_of_scope"
# Intents whose sentences must never get a FAQ answer (safety) in calibration.
UNSAFE_AS_FAQ = {"out_of_scope", "bot_challenge", "human_handoff", "frustrated"}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> List[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9£$€]+", text.lower())
            if len(w) > 1 and w not in ENGLISH_STOP_WORDS]


class Evidence:
    """How much a message shares with each topic's own words (its answer, keywords and title):
    TF-IDF cosine similarity. "Do you charge booking fees?" shares "booking fees" with the
    payment answer ("we don't charge booking fees") although no example says it."""

    def __init__(self, topics: Dict[str, str]) -> None:
        self.names = list(topics)
        self.vectorizer = TfidfVectorizer(analyzer=_words, sublinear_tf=True)
        self.docs = self.vectorizer.fit_transform([topics[n] for n in self.names]) if topics else None

    def similarity(self, text: str) -> Dict[str, float]:
        if self.docs is None:
            return {}
        scores = (self.docs @ self.vectorizer.transform([text]).T).toarray().ravel()
        return {name: float(score) for name, score in zip(self.names, scores) if score > 0}

    def hint(self, text: str, min_similarity: float) -> Optional[str]:
        """The topic whose own words the message shares most, if it shares at least
        `min_similarity` (cosine) with it."""
        similarity = self.similarity(rewrite(text)) if min_similarity > 0 else {}
        best = max(similarity, key=similarity.__getitem__, default=None)
        return best if best is not None and similarity[best] >= min_similarity else None

    def weigh(self, ranking: List[Dict[str, Any]], text: str, weight: float) -> List[Dict[str, Any]]:
        """The ranking with each FAQ topic's confidence times (1 + weight × similarity),
        normalised again."""
        similarity = self.similarity(rewrite(text)) if weight else {}
        if not similarity:
            return ranking
        scored = [(r[INTENT_NAME_KEY],
                   r["confidence"] * (1 + weight * similarity.get(r[INTENT_NAME_KEY], 0.0)))
                  for r in ranking]
        total = sum(c for _, c in scored) or 1.0
        return sorted(({INTENT_NAME_KEY: n, "confidence": c / total} for n, c in scored),
                      key=lambda r: -r["confidence"])


def decide(ranking: List[Dict[str, Any]], cal: Dict[str, float]) -> tuple[str, List[str]]:
    """(intent, suggestions) for a ranking (best first, without nlu_fallback)."""
    if not ranking:
        return FALLBACK, []
    top = ranking[0]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    faq_top = top[INTENT_NAME_KEY].startswith(FAQ_PREFIX)
    needed = cal["threshold"] if faq_top else cal["base_threshold"]
    likely = [r for r in ranking[:4] if r[INTENT_NAME_KEY].startswith(FAQ_PREFIX)
              and r["confidence"] >= cal["suggest_min"]][:3]
    if not likely or likely[0]["confidence"] < cal["ask_min"]:
        likely = []
    faq = [r[INTENT_NAME_KEY] for r in likely]
    if top["confidence"] >= needed and (not faq_top or top["confidence"] - second >= cal["ambiguity"]):
        # "Out of scope", but not sure, with a likely topic: ask rather than refuse.
        if top[INTENT_NAME_KEY] == OUT_OF_SCOPE and top["confidence"] < cal["threshold"] and faq:
            return FALLBACK, faq
        return top[INTENT_NAME_KEY], []
    return FALLBACK, faq


def with_hint(decision: tuple[str, List[str]], hint: Optional[str]) -> tuple[str, List[str]]:
    """A "did you mean" or not-sure decision with the evidence's topic among the buttons (in
    place of the third likely topic); an answer is left alone."""
    intent, suggestions = decision
    if intent != FALLBACK or hint is None or hint in suggestions:
        return decision
    return intent, suggestions[:2] + [hint]


def _rates(rankings: List[List[Dict[str, Any]]], y: List[str],
           cal: Dict[str, float]) -> Dict[str, float]:
    """Held-out outcomes of the decision with `cal`: right, wrong, asked-and-among, unsafe."""
    n = {"faq": 0, "right": 0, "wrong": 0, "among": 0, "unsafe_total": 0, "unsafe": 0}
    for ranking, label in zip(rankings, y):
        intent, suggestions = decide(ranking, cal)
        if label.startswith(FAQ_PREFIX):
            n["faq"] += 1
            n["right"] += intent == label
            n["wrong"] += intent.startswith(FAQ_PREFIX) and intent != label
            n["among"] += intent == label or label in suggestions
        elif label in UNSAFE_AS_FAQ:
            n["unsafe_total"] += 1
            n["unsafe"] += intent.startswith(FAQ_PREFIX)
    faq, unsafe_total = max(n["faq"], 1), max(n["unsafe_total"], 1)
    return {"right": n["right"] / faq, "wrong": n["wrong"] / faq, "among": n["among"] / faq,
            "unsafe": n["unsafe"] / unsafe_total}


def groups(texts: List[str], y: List[str], shared_by: int = 3) -> List[int]:
    """A group per intent and set of its sentence's own words (those fewer than `shared_by`
    intents use): the sentences the build made from one example in other frames ("how do I get
    a refund", "I'd like to get a refund") share one, so a held-out fold never holds near copies
    of the training folds' sentences."""
    words = [set(_words(t)) for t in texts]
    intents_of: Dict[str, set] = {}
    for ws, label in zip(words, y):
        for w in ws:
            intents_of.setdefault(w, set()).add(label)
    keys: Dict[tuple, int] = {}
    return [keys.setdefault((label, frozenset(w for w in ws if len(intents_of[w]) < shared_by)
                             or frozenset([text.lower()])), len(keys))
            for text, ws, label in zip(texts, words, y)]


def calibrate(clf: Any, X: Any, y: List[str], texts: List[str], evidence: "Evidence",
              config: Dict[str, Any]) -> Dict[str, Any]:
    """Thresholds for this pack, from out-of-fold predictions of `clf` on its training data
    (weighed by the evidence as at run time)."""
    labels = np.asarray(y)
    folds = StratifiedGroupKFold(n_splits=int(config["folds"]), shuffle=True, random_state=42)
    classes = sorted(set(y))
    probas = np.zeros((len(y), len(classes)))
    for train, test in folds.split(np.zeros(len(y)), labels, groups(texts, y)):
        model = clone(clf).fit(X[train], labels[train])
        cols = [classes.index(c) for c in model.classes_]
        probas[np.ix_(test, cols)] = model.predict_proba(X[test])
    rankings = []
    for row, text in zip(probas, texts):
        top = np.argsort(-row)[:10]
        ranking = [{INTENT_NAME_KEY: classes[i], "confidence": float(row[i])} for i in top]
        rankings.append(evidence.weigh(ranking, text, float(config["evidence_weight"])))
    base = {"ambiguity": float(config["ambiguity"]), "suggest_min": float(config["suggest_min"]),
            "ask_min": float(config["ask_min"]), "base_threshold": float(config["base_threshold"])}
    chosen: Optional[Dict[str, Any]] = None
    curve = []
    for threshold in np.arange(float(config["min_threshold"]), 0.951, 0.025):
        cal = {**base, "threshold": round(float(threshold), 3)}
        rates = {k: round(v, 3) for k, v in _rates(rankings, y, cal).items()}
        curve.append({"threshold": cal["threshold"], **rates})
        if chosen is None and rates["wrong"] <= config["max_wrong"] \
                and rates["unsafe"] <= config["max_unsafe"]:
            chosen = {**cal, "held_out": rates}
    if chosen is None:
        chosen = {**base, "threshold": 0.95, "held_out": {}}
    chosen["curve"] = curve
    chosen["examples"] = len(y)
    return chosen


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TopicJudge(LogisticRegressionClassifier):
    """Rasa's logistic regression plus a per-pack calibrated answer / ask / not-sure decision
    (see the module docstring); it replaces `FallbackClassifier` in the pipeline."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 50.0,
            "normalize": True,
            "topics": {},  # faq intent -> its answer, keywords and title (scripts/build_site.py)
            "evidence_weight": 3.0,
            "base_threshold": 0.5,
            "folds": 3,
            "min_threshold": 0.6,  # never below FallbackClassifier's former default
            "max_wrong": 0.015,
            "max_unsafe": 0.03,
            "ambiguity": 0.1,
            "suggest_min": 0.12,
            "ask_min": 0.25,
            "evidence_button": 0.1,  # the evidence's best topic is a button from this cosine up
        }

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.C = float(self.config["C"])
        self.evidence = Evidence(dict(self.config["topics"]))
        self.calibration: Dict[str, Any] = {
            "threshold": 0.6, "base_threshold": float(self.config["base_threshold"]),
            "ambiguity": float(self.config["ambiguity"]),
            "suggest_min": float(self.config["suggest_min"]), "ask_min": float(self.config["ask_min"]),
        }

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        """Each featurizer's counts as log(1 + count), scaled to length one: a long message
        weighs as much as a short one instead of pushing every probability to 0 or 1. Dense
        sentence features (`SentenceMeaning`) come as they are (length one times their weight)."""
        if not self.config["normalize"]:
            return super()._create_X(messages)
        rows = []
        for message in messages:
            blocks = sorted((f for f in message.features if f.attribute == TEXT
                             and f.type == FEATURE_TYPE_SENTENCE), key=lambda f: f.origin)
            rows.append(hstack([normalize(csr_matrix(f.features).log1p()) if f.is_sparse()
                                else csr_matrix(f.features) for f in blocks]))
        return vstack(rows).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        X, y = self._create_training_matrix(training_data)
        if X.shape[0]:
            texts = [e.get(TEXT) for e in training_data.intent_examples
                     if e.get(INTENT) and e.get(TEXT)]
            self.calibration = calibrate(self.clf, X.tocsr(), y, texts, self.evidence, self.config)
            logger.info("TopicJudge calibration: %s", json.dumps(self.calibration))
        super().train(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "calibration.json").write_text(json.dumps(self.calibration))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TopicJudge":
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        try:
            with model_storage.read_from(resource) as directory:
                component.calibration = {**component.calibration,
                                         **json.loads((directory / "calibration.json").read_text())}
        except (ValueError, FileNotFoundError, OSError):
            logger.warning("TopicJudge: no calibration in the model, using the defaults")
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        super().process(messages)
        for message in messages:
            ranking = self.evidence.weigh(message.get(INTENT_RANKING_KEY) or [],
                                          message.get(TEXT) or "", float(self.config["evidence_weight"]))
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            hint = self.evidence.hint(message.get(TEXT) or "", float(self.config["evidence_button"]))
            intent, suggestions = with_hint(decide(ranking, self.calibration), hint)
            if intent != FALLBACK:
                message.set(INTENT, ranking[0], add_to_output=True)
                continue
            fallback = {INTENT_NAME_KEY: FALLBACK, "confidence": self.calibration["threshold"]}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback] + list(ranking), add_to_output=True)
            if suggestions:
                message.set(SUGGESTIONS_KEY, suggestions, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
