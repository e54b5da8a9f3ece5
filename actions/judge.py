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
  ≥ `evidence_button`) and the topic whose own words mean the nearest (`Meaning.hint`, the
  sentence embedding's cosine ≥ `meaning_button`) are always among the buttons (`with_hints`):
  the classifier's likely topics are the examples' view, the answer's words and meaning second
  opinions that cost nothing when wrong (a button is not an answer);
- **not sure**: `nlu_fallback` without suggestions (ask to rephrase, then a person).

"Out of scope" is the classifier's "none of the topics", and with three examples a topic it says
so of plain questions ("what cards do you accept online"). When both second opinions name the
same topic, clearly (the answer's words at cosine ≥ `agree_evidence`, the meaning at
≥ `agree_meaning`), the bot asks with that topic instead of refusing (`agreed`): a button is not
an answer, so no wrong-topic figure can move.

`threshold` is chosen per pack at training (`calibrate`), by cross-validation on the pack's own
training data: the lowest value from `min_threshold` up whose held-out predictions answer at most
`max_wrong` of FAQ sentences with another topic and at most `max_unsafe` of never-FAQ sentences
(out of scope, the bot challenge, a person) with a FAQ. The folds keep together the sentences the
build made from one example (`groups`): otherwise a held-out fold holds near copies of training
sentences and promises more than real visitors give. For the same reason only sentences a person
wrote are scored (the build marks the ones it made, `made`); the made ones are still trained on.
The choice and the curve it came from are kept with the model (`calibration.json`);
`scripts/evaluate.py` prints them with the figures.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
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
from scipy.sparse import csr_matrix
from sklearn.base import clone
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold

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
        if self.docs is not None:  # what `similarity` reads, so a message costs no scipy matrix
            self.columns: Dict[str, int] = dict(self.vectorizer.vocabulary_)
            self.idf = np.asarray(self.vectorizer.idf_, dtype=np.float64)
            self.dense = self.docs.toarray()

    def similarity(self, text: str) -> Dict[str, float]:
        """Cosine of the message's TF-IDF vector (the vectorizer's: 1 + log(count) times idf,
        length one) with each topic's, for the topics it shares a word with."""
        if self.docs is None:
            return {}
        counts = Counter(c for c in map(self.columns.get, _words(text)) if c is not None)
        if not counts:
            return {}
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        weights = (1 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))))
        weights *= self.idf[columns]
        scores = self.dense[:, columns] @ (weights / np.linalg.norm(weights))
        return {name: float(score) for name, score in zip(self.names, scores) if score > 0}

    def of(self, text: str) -> Dict[str, float]:
        """`similarity` of the message as the judge reads it (`rewrite`: its question first)."""
        return self.similarity(rewrite(text)) if self.docs is not None else {}

    @staticmethod
    def hint(similarity: Dict[str, float], min_similarity: float) -> Optional[str]:
        """The topic whose own words the message shares most (`similarity`, from `of`), if it
        shares at least `min_similarity` (cosine) with it."""
        best = max(similarity, key=similarity.__getitem__, default=None)
        return best if best is not None and min_similarity > 0 \
            and similarity[best] >= min_similarity else None

    @staticmethod
    def weigh(ranking: List[Dict[str, Any]], similarity: Dict[str, float],
              weight: float) -> List[Dict[str, Any]]:
        """The ranking with each FAQ topic's confidence times (1 + weight × similarity),
        normalised again."""
        if not similarity or not weight:
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


def with_hints(decision: tuple[str, List[str]], hints: List[Optional[str]]) -> tuple[str, List[str]]:
    """A "did you mean" or not-sure decision with each hint's topic among the buttons (in place
    of the last likely topics, at most three buttons); an answer is left alone."""
    intent, suggestions = decision
    missing = list(dict.fromkeys(h for h in hints if h is not None and h not in suggestions))[:3]
    if intent != FALLBACK or not missing:
        return decision
    return intent, suggestions[:3 - len(missing)] + missing


class Meaning:
    """How near a message's sentence embedding (`SentenceMeaning`) is to each topic's own words'
    (answer, keywords, title): cosine. A second opinion for the buttons, like `Evidence`, that
    reads meaning rather than shared words ("no confirmation email" is near the order-status
    answer that speaks of a confirmation email, whatever the examples say)."""

    def __init__(self, topics: Dict[str, str]) -> None:
        from actions import minilm

        self.names = list(topics)
        self.vectors = minilm.shared().encode([topics[n] for n in self.names]) if topics else None

    def hint(self, message: Message, min_similarity: float) -> Optional[str]:
        """The topic nearest the message's meaning, if its cosine is at least `min_similarity`;
        None when the message has no dense sentence feature."""
        dense = [f.features for f in message.features if f.attribute == TEXT
                 and f.type == FEATURE_TYPE_SENTENCE and not f.is_sparse()]
        if self.vectors is None or not dense:
            return None
        vector = np.asarray(dense[-1], dtype=np.float32).ravel()
        if vector.shape[0] != self.vectors.shape[1] or not np.any(vector):
            return None
        similarity = self.vectors @ (vector / np.linalg.norm(vector))
        best = int(np.argmax(similarity))
        return self.names[best] if similarity[best] >= min_similarity else None


def _rates(rankings: List[List[Dict[str, Any]]], y: List[str],
           cal: Dict[str, float]) -> Dict[str, float]:
    """Held-out outcomes of the decision with `cal`: right, wrong, asked-and-among, unsafe."""
    n = {"faq": 0, "right": 0, "wrong": 0, "among": 0, "unsafe_total": 0, "unsafe": 0}
    for ranking, label in zip(rankings, y):
        if ranking is None:  # a made sentence: trained on, never scored
            continue
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


def made(example: Message) -> bool:
    """Whether the build made this training sentence from a pack's examples (scripts/build_site.py
    marks them with the metadata `made`) rather than a person writing it."""
    return (example.get("metadata") or {}).get("intent") == "made"


def calibrate(clf: Any, X: Any, y: List[str], texts: List[str], evidence: "Evidence",
              config: Dict[str, Any], scored: Optional[List[bool]] = None) -> Dict[str, Any]:
    """Thresholds for this pack, from out-of-fold predictions of `clf` on its training data
    (weighed by the evidence as at run time). Only the `scored` sentences (default all) count:
    the train passes those a person wrote, because sentences made from an example in a template
    ("how do I get a refund", "I need to get a refund") are easier than real wording, and a pack
    of three examples a topic would otherwise be promised far fewer wrong answers than it gives."""
    scored = scored if scored is not None else [True] * len(y)
    labels = np.asarray(y)
    folds = StratifiedGroupKFold(n_splits=int(config["folds"]), shuffle=True, random_state=42)
    classes = sorted(set(y))
    probas = np.zeros((len(y), len(classes)))
    for train, test in folds.split(np.zeros(len(y)), labels, groups(texts, y)):
        model = clone(clf).fit(X[train], labels[train])
        cols = [classes.index(c) for c in model.classes_]
        probas[np.ix_(test, cols)] = model.predict_proba(X[test])
    rankings: List[Optional[List[Dict[str, Any]]]] = []
    for row, text, counted in zip(probas, texts, scored):
        if not counted:
            rankings.append(None)
            continue
        top = np.argsort(-row)[:10]
        ranking = [{INTENT_NAME_KEY: classes[i], "confidence": float(row[i])} for i in top]
        rankings.append(evidence.weigh(ranking, evidence.of(text), float(config["evidence_weight"])))
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
    chosen["scored"] = sum(scored)
    return chosen


def _row(message: Message) -> tuple[np.ndarray, np.ndarray, int]:
    """A message's sentence features as one row (values, columns, width), in the featurizers'
    order: each count block as log(1 + count) scaled to length one, each dense block as it is."""
    values, columns, width = [], [], 0
    for f in sorted((f for f in message.features if f.attribute == TEXT
                     and f.type == FEATURE_TYPE_SENTENCE), key=lambda f: f.origin):
        if f.is_sparse():
            block = csr_matrix(f.features)  # sums repeated entries, as counts do
            block.sum_duplicates()
            v, cols = np.log1p(block.data.astype(np.float64)), block.indices
            length = np.sqrt((v * v).sum())
            v = v / length if length > 0 else v
        else:
            dense = np.asarray(f.features, dtype=np.float64).ravel()
            cols = np.flatnonzero(dense)
            v = dense[cols]
        values.append(v)
        columns.append(cols.astype(np.int32) + width)
        width += f.features.shape[-1]
    if not values:
        return np.zeros(0), np.zeros(0, dtype=np.int32), 0
    return np.concatenate(values), np.concatenate(columns), width


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
            "meaning_button": 0.2,  # the topic nearest in meaning is a button from this cosine up
            # "Out of scope" asks instead when both second opinions name one topic this clearly
            # (chosen on the public dev set: docs/assistant.md, 2026-12-06 morning).
            "agree_evidence": 0.2,
            "agree_meaning": 0.4,
        }

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.C = float(self.config["C"])
        self.evidence = Evidence(dict(self.config["topics"]))
        self.meaning: Optional[Meaning] = None
        self.calibration: Dict[str, Any] = {
            "threshold": 0.6, "base_threshold": float(self.config["base_threshold"]),
            "ambiguity": float(self.config["ambiguity"]),
            "suggest_min": float(self.config["suggest_min"]), "ask_min": float(self.config["ask_min"]),
        }

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        """Each featurizer's counts as log(1 + count), scaled to length one: a long message
        weighs as much as a short one instead of pushing every probability to 0 or 1. Dense
        sentence features (`SentenceMeaning`) come as they are (length one times their weight).
        The rows are put together as arrays (`_row`), not one scipy matrix per block: a parse
        spent 2 ms here that way."""
        if not self.config["normalize"]:
            return super()._create_X(messages)
        rows = [_row(message) for message in messages]
        width = max((w for _, _, w in rows), default=0)
        data = np.concatenate([d for d, _, _ in rows]) if rows else np.zeros(0)
        indices = np.concatenate([i for _, i, _ in rows]) if rows else np.zeros(0, dtype=np.int32)
        indptr = np.concatenate([[0], np.cumsum([len(d) for d, _, _ in rows])])
        return csr_matrix((data, indices, indptr), shape=(len(rows), width))

    def train(self, training_data: TrainingData) -> Resource:
        X, y = self._create_training_matrix(training_data)
        if X.shape[0]:
            examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
            self.calibration = calibrate(self.clf, X.tocsr(), y, [e.get(TEXT) for e in examples],
                                         self.evidence, self.config,
                                         [not made(e) for e in examples])
            logger.info("TopicJudge calibration: %s", json.dumps(self.calibration))
        super().train(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "calibration.json").write_text(json.dumps(self.calibration))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TopicJudge":
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        if hasattr(component.clf, "coef_"):  # coef_.T row-major: a parse copies no weights
            component.clf.coef_ = np.asfortranarray(component.clf.coef_)
        try:
            with model_storage.read_from(resource) as directory:
                component.calibration = {**component.calibration,
                                         **json.loads((directory / "calibration.json").read_text())}
        except (ValueError, FileNotFoundError, OSError):
            logger.warning("TopicJudge: no calibration in the model, using the defaults")
        component.topic_meaning()  # the topics' embeddings now, not in a visitor's turn
        return component

    def topic_meaning(self) -> Meaning:
        """The topics' `Meaning`, made on first use (at load, or after training)."""
        if self.meaning is None:
            self.meaning = Meaning(dict(self.config["topics"]))
        return self.meaning

    def hints(self, message: Message, similarity: Dict[str, float]) -> List[Optional[str]]:
        """The second opinions' topics for the buttons: the answer's words, then the meaning."""
        return [self.evidence.hint(similarity, float(self.config["evidence_button"])),
                self.topic_meaning().hint(message, float(self.config["meaning_button"]))]

    def agreed(self, message: Message, similarity: Dict[str, float]) -> Optional[str]:
        """The topic both second opinions name clearly (`agree_evidence`, `agree_meaning`), if
        they name the same one."""
        words = self.evidence.hint(similarity, float(self.config["agree_evidence"]))
        if words is None:
            return None
        return words if self.topic_meaning().hint(message, float(self.config["agree_meaning"])) \
            == words else None

    def process(self, messages: List[Message]) -> List[Message]:
        super().process(messages)
        for message in messages:
            similarity = self.evidence.of(message.get(TEXT) or "")
            ranking = self.evidence.weigh(message.get(INTENT_RANKING_KEY) or [], similarity,
                                          float(self.config["evidence_weight"]))
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            intent, suggestions = decide(ranking, self.calibration)
            if intent == OUT_OF_SCOPE and self.agreed(message, similarity):
                intent = FALLBACK  # asks with the agreed topic (`with_hints` below)
            if intent != FALLBACK:  # an answer: no buttons, so no second opinion to read
                message.set(INTENT, ranking[0], add_to_output=True)
                continue
            intent, suggestions = with_hints((intent, suggestions), self.hints(message, similarity))
            fallback = {INTENT_NAME_KEY: FALLBACK, "confidence": self.calibration["threshold"]}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback] + list(ranking), add_to_output=True)
            if suggestions:
                message.set(SUGGESTIONS_KEY, suggestions, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
