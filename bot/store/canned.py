"""Canned responses: a department's ready answers, by key."""

from __future__ import annotations

from typing import Protocol


class Canned(Protocol):
    async def canned(self, department: str) -> dict[str, str]: ...

    async def set_canned(self, department: str, key: str, text: str) -> None: ...

    async def delete_canned(self, department: str, key: str) -> bool: ...
