"""What the bot says when it hands a conversation over: why, and what it guessed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

REASONS = ("requested", "low_confidence", "out_of_scope", "bot_unavailable", "frustrated")


@dataclass
class HandoffRequest:
    """Why the bot is handing over, and what it guessed: everything the agent will see."""

    reason: str
    confidence: float = 0.0
    intent_ranking: list[dict[str, Any]] | None = None
    department: str = ""
    text: str = ""

    @classmethod
    def from_signal(cls, signal: dict[str, Any], departments: Collection[str]) -> HandoffRequest:
        """Read the custom payload of Rasa's `action_handoff`; an unknown department is dropped."""
        reason = str(signal.get("reason") or "requested")
        ranking = signal.get("intent_ranking") or []
        department = str(signal.get("department") or "")
        return cls(
            reason=reason if reason in REASONS else "requested",
            confidence=float(signal.get("confidence") or 0.0),
            intent_ranking=[
                {"name": str(i.get("name")), "confidence": float(i.get("confidence") or 0)}
                for i in ranking
                if isinstance(i, dict)
            ][:5],
            department=department if department in departments else "",
            text=str(signal.get("text") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "confidence": self.confidence,
            "intent_ranking": self.intent_ranking or [],
            "department": self.department,
            "text": self.text,
        }
