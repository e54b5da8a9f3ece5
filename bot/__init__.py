"""Frontdesk: a Socket.IO bridge between website visitors, a Rasa assistant and human agents."""
