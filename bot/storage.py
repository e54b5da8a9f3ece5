"""The storage interface, now in the `bot.store` package."""

# compatibility shim for branches merging #21; removed after the merge
from .store import Appended, Expect, Move, NotOwner, Outcome, Page, Store, Turn  # noqa: F401
