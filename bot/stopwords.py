"""Common words left out when messages are grouped (bot/teaching.py) or indexed for search
(bot/history.py)."""

from __future__ import annotations

STOP_WORDS = """a about am an and any are at be can could do does for from get got have how i
 if in is it me my of on or please the there this to want was what when where which who why will
 with would you your we our us can't cant don't dont i'm im it's its"""
STOP = frozenset(STOP_WORDS.split())
