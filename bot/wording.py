"""What the bridge itself says to visitors, in one place for whoever edits the tone."""

from __future__ import annotations

from collections.abc import Mapping

TALK_TO_PERSON = {"title": "Talk to a person", "payload": "/human_handoff"}

HANDOFF = {
    "requested": "Of course. I'm passing you to a person from our team. They will see "
    "everything you've written, so you won't need to repeat yourself.",
    "low_confidence": "I'm not sure I can answer that well, so I'm passing you to a person "
    "from our team. They will see everything you've written.",
    "out_of_scope": "That's outside what I can help with, so I'm passing you to a person "
    "from our team. They will see everything you've written.",
    "frustrated": "Sorry about the trouble. I'm passing you to a person from our team. They "
    "will see everything you've written, so you won't need to repeat yourself.",
    "bot_unavailable": "Sorry, our assistant can't answer right now. I've passed your message "
    "to our team and a person will reply here.",
}

# Before the one offer of a message when nobody at all is online (`nobody_online`).
NOBODY_BECAUSE = {
    "bot_unavailable": "Sorry, our assistant can't answer right now.",
}

NO_REPLY = "Sorry, I don't have an answer for that. Would you like to talk to a person?"

CHOOSE_DEPARTMENT = "So I can find the right person: what is it about?"

RATINGS = {"good": "Great", "ok": "OK", "poor": "Poor"}


def department_buttons(departments: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"title": title, "payload": f"/department {key}"} for key, title in departments.items()]


def rating_buttons() -> list[dict[str, str]]:
    return [{"title": title, "payload": f"/rate {key}"} for key, title in RATINGS.items()]


def leave_message_button() -> dict[str, str]:
    return {"title": "Leave a message", "payload": "/leave_message"}


def all_buttons(departments: Mapping[str, str]) -> list[dict[str, str]]:
    """Every button the bridge offers (their payloads come back as visitor text)."""
    return [TALK_TO_PERSON, leave_message_button(), *department_buttons(departments), *rating_buttons()]


def waiting(position: int, eta_seconds: int | None) -> str:
    ahead = "You're next" if position == 1 else f"You're number {position} in the queue"
    if eta_seconds is None:
        return f"{ahead}."
    minutes = max(1, round(eta_seconds / 60))
    return f"{ahead}; the wait is about {minutes} minute{'s' if minutes != 1 else ''}. Please hold on."


def nobody_available(department: str, why: str, departments: Mapping[str, str],
                     back: str = "") -> str:
    """The offer of a message; `back`: when people are back (outside opening hours), with the
    time zone. Outside hours nobody is asked to keep waiting (it may be days)."""
    team = departments.get(department, "our team")
    reasons = {
        "no_agent": f"Nobody from {team} is online right now.",
        "closed_hours": "We're outside our opening hours right now"
                        + (f"; we're back {back}." if back else "."),
        "long_wait": "I'm sorry, this is taking longer than it should.",
        "asked": "Of course.",
    }
    wait = "." if why == "closed_hours" else ", or keep waiting here."
    return (f"{reasons[why]} You can leave a message with your email address and we'll reply "
            f"as soon as we can{wait}")


def nobody_online(why: str, reason: str = "", back: str = "",
                  usual_seconds: int | None = None) -> str:
    """The one thing said when a visitor asks for a person and nobody who could answer is online
    at all: that, once (with when people are back, or how soon they usually reply, if known),
    and the offer of a message. No department is asked for: nobody could take it."""
    if why == "closed_hours":
        said = "We're outside our opening hours right now" + (
            f"; we're back {back}." if back else ".")  # the greeting said nobody is there
    else:
        said = "Nobody from our team is online right now" + (
            f"; we usually reply within about {max(1, round(usual_seconds / 60))} minute"
            f"{'s' if round(usual_seconds / 60) > 1 else ''}." if usual_seconds else ".")
    wait = "." if why == "closed_hours" else ", or keep waiting here."
    before = NOBODY_BECAUSE.get(reason, "")
    return ((f"{before} " if before else "") + f"{said} You can leave a message with your email "
            f"address and we'll reply as soon as we can{wait}")


def routed_elsewhere(asked: str, department: str, departments: Mapping[str, str]) -> str:
    return (f"Nobody from {departments.get(asked, asked)} is free right now, so someone from "
            f"{departments.get(department, department)} will help you.")


def joined(agent_name: str) -> str:
    return f"{agent_name} joined the chat."


def transferred(to: str) -> str:
    return f"I'm transferring you to {to}. They can see our whole conversation."


def agent_gone(agent_name: str) -> str:
    return (
        f"{agent_name} lost their connection. You're back at the front of the queue; the next "
        "person from our team will pick up right where you left off."
    )


HANDED_BACK = "You're back with the virtual assistant. Ask me anything, or ask for a person again."

ABANDONED = ("You left before someone from our team could answer, so this chat was closed. "
             "Write again any time, or leave a message and we'll reply by email.")

CLOSED = "This chat has been closed. Thanks for getting in touch! How did we do?"

THANKS_FOR_RATING = "Thank you for your feedback."

ASK_EMAIL = "Of course. What's your email address? We'll reply there."
EMAIL_AGAIN = "That doesn't look like an email address. Could you type it again?"
ASK_MESSAGE = "Thanks. What would you like to tell us? Write it in one message."

WITH_PERSON = ("Someone from our team is answering you here now, so there's no need to leave a "
               "message: just write to them in this chat.")

MESSAGE_LEFT = "Thanks, your message is saved. We'll reply to {email} as soon as we can."

FILE_TO_BOT = ("Thanks, your file is saved with our conversation. I'm a virtual assistant and can't "
               "open files, but a person from our team can. Would you like to talk to a person?")

TRANSCRIPT_SUBJECT = "Your chat with {name}"
TRANSCRIPT_CUT = ("(Earlier messages are left out: this email keeps the latest part of a long chat. "
                  "Ask us if you need the rest.)")
