"""Custom actions, the same for every site pack.

`action_handoff` tells the bridge that a person should take over. It sends no text, only one
custom JSON message: {"handoff": {reason, confidence, intent_ranking, department, text}}.
The bridge decides who answers next, so the action returns no events.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def _site_facts() -> Dict[str, Any]:
    """The pack's departments and topics, written by scripts/build_site.py: FRONTDESK_SITE_FILE
    (set by `python -m bot run actions`), else build/$SITE/site.json."""
    path = os.environ.get("FRONTDESK_SITE_FILE")
    if not path:
        if not os.environ.get("SITE"):
            raise RuntimeError("Set SITE (the site pack) or FRONTDESK_SITE_FILE for the actions.")
        path = str(Path(__file__).resolve().parent.parent / "build" / os.environ["SITE"] / "site.json")
    return json.loads(Path(path).read_text(encoding="utf-8"))


SITE = _site_facts()

# FAQ intent -> department that handles it.
INTENT_DEPARTMENTS: Dict[str, str] = {
    intent: topic["department"] for intent, topic in SITE["topics"].items()
}

# Words in the latest message -> department (checked in the pack's order).
KEYWORD_DEPARTMENTS: List[tuple[str, "re.Pattern[str]"]] = [
    (key, re.compile(r"\b(?:" + "|".join(d["words"]) + r")\b", re.I))
    for key, d in SITE["departments"].items()
    if d["words"]
]

# A FAQ intent in the latest ranking counts as a guess above this confidence.
RANKING_GUESS_MIN = 0.15


def guess_department(
    text: str,
    recent_intents: Iterable[str],
    ranking: Iterable[Dict[str, Any]] = (),
    use_ranking: bool = False,
) -> Optional[str]:
    """Department for a handoff: latest words, then (if asked) the latest ranking's FAQ guess,
    then FAQ intents seen in the conversation, most recent first. None when unknown."""
    for department, pattern in KEYWORD_DEPARTMENTS:
        if pattern.search(text or ""):
            return department
    if use_ranking:
        for entry in ranking:
            name = entry.get("name") or ""
            if name in INTENT_DEPARTMENTS and float(entry.get("confidence") or 0) >= RANKING_GUESS_MIN:
                return INTENT_DEPARTMENTS[name]
    for intent in recent_intents:
        if intent in INTENT_DEPARTMENTS:
            return INTENT_DEPARTMENTS[intent]
    return None


def handoff_reason(intent: str) -> str:
    """Why a person should take over, from the latest message's intent."""
    if intent == "out_of_scope":
        return "out_of_scope"
    if intent == "nlu_fallback":
        return "low_confidence"
    if intent == "frustrated":
        return "frustrated"
    return "requested"


def user_intents(tracker: Tracker) -> List[str]:
    """Intents of the visitor's messages, most recent first."""
    names = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            parse_data = event.get("parse_data") or {}
            name = (parse_data.get("intent") or {}).get("name")
            if name:
                names.append(name)
            # A shouted message became `frustrated` (actions/components.py); keep its topic.
            if parse_data.get("shouting_intent"):
                names.append(parse_data["shouting_intent"])
            # A request for a person that named a topic (actions/components.py); keep the topic.
            if parse_data.get("person_topic"):
                names.append(parse_data["person_topic"])
    return names


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        raw_ranking = message.get("intent_ranking") or []
        ranking = [
            {"name": str(e.get("name")), "confidence": float(e.get("confidence") or 0.0)}
            for e in raw_ranking[:5]
        ]
        text = message.get("text") or ""
        reason = handoff_reason(str(intent.get("name") or ""))
        # With a button payload (/human_handoff) the text names no topic; skip it then.
        words = "" if text.startswith("/") else text
        department = guess_department(
            words, user_intents(tracker), raw_ranking, use_ranking=reason != "requested"
        )
        dispatcher.utter_message(
            json_message={
                "handoff": {
                    "reason": reason,
                    "confidence": float(intent.get("confidence") or 0.0),
                    "intent_ranking": ranking,
                    "department": department,
                    "text": text,
                }
            }
        )
        return []


def topic_title(intent: str) -> str:
    """A FAQ intent's name for a button: the pack's title, else its name in words."""
    topic = SITE["topics"].get(intent) or {}
    return topic.get("title") or intent[len("faq_"):].replace("_", " ").capitalize()


def response_text(domain: Dict[Text, Any], name: str) -> str:
    """The first text of a response of the domain (the base's wording, filled by the pack)."""
    return str(((domain.get("responses") or {}).get(name) or [{}])[0].get("text") or "")


class ActionClarify(Action):
    """Not sure: ask "did you mean" with the likely topics as buttons (at most three, from the
    `suggestions` of actions/judge.py) and one that offers a person; a click answers at once,
    its payload being the topic's intent. With no likely topic, ask to rephrase. Either way a
    custom message {"unsure": {"suggestions": [...]}} follows, which the bridge keeps for
    teaching (bot/teaching.py) and shows nobody."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        likely = [s for s in message.get("suggestions") or [] if s in SITE["topics"]][:3]
        if not likely:
            dispatcher.utter_message(response="utter_ask_rephrase")
        else:
            buttons = [{"title": topic_title(s), "payload": f"/{s}"} for s in likely]
            buttons.append({"title": response_text(domain, "utter_clarify_other"),
                            "payload": "/human_handoff"})
            dispatcher.utter_message(text=response_text(domain, "utter_clarify"), buttons=buttons)
        # For the bridge alone (it shows no text): the bot did not answer this message.
        dispatcher.utter_message(json_message={"unsure": {"suggestions": likely}})
        return []
