"""What the bridge itself says to visitors, in one place for whoever edits the tone."""

TALK_TO_PERSON = {"title": "Talk to a person", "payload": "/human_handoff"}

HANDOFF = {
    "requested": "Of course. I'm passing you to a person from our team. They will see "
    "everything you've written, so you won't need to repeat yourself.",
    "low_confidence": "I'm not sure I can answer that well, so I'm passing you to a person "
    "from our team. They will see everything you've written.",
    "out_of_scope": "That's outside what I can help with, so I'm passing you to a person "
    "from our team. They will see everything you've written.",
    "bot_unavailable": "Sorry, our assistant can't answer right now. I've passed your message "
    "to our team and a person will reply here.",
}

NO_REPLY = "Sorry, I don't have an answer for that. Would you like to talk to a person?"

