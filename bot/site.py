"""A site pack: one business's name, departments, hours, widget look and FAQ (sites/<pack>/).

The bridge reads the pack for what it says to people (departments, the business's name, the
widget's defaults); scripts/build_site.py turns it, with the base in data/ and domain.yml, into the
Rasa project that is trained. See docs/site-pack.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from . import hours

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "sites"
DEFAULT_SITE = "lantern-street"

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Department(_Strict):
    title: Line
    words: list[Line] = []  # regular expressions; a handoff whose text matches goes here


class Widget(_Strict):
    title: Line = "Chat with us"
    colour: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")] = "#1f5f8b"
    greeting: Annotated[str, StringConstraints(max_length=400)] = ""


class Topic(_Strict):
    """One FAQ topic: its answer, who handles it, and how visitors ask about it."""

    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)]
    department: Name = "general"
    examples: list[Line] = Field(min_length=3, max_length=30)
    keywords: list[Line] = Field(default=[], max_length=30)
    common: Name | None = None  # a common topic (sites/common/topics.yml) whose wording it gets
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None  # its button ("Did you mean"); default: the name in words


class Site(_Strict):
    """Everything business-specific; the base (data/, domain.yml, actions/) has none of it."""

    id: str = ""
    name: Line
    assistant: Line = ""
    can_help_with: Line
    goodbye: Line = "Goodbye, and thanks for visiting!"
    hours: Annotated[str, StringConstraints(max_length=200)] = ""
    timezone: Line = "UTC"
    widget: Widget = Widget()
    departments: dict[Name, Department]
    topics: dict[Name, Topic]

    @model_validator(mode="after")
    def _consistent(self) -> "Site":
        try:
            hours.parse(self.hours)
            ZoneInfo(self.timezone)
        except (ValueError, KeyError) as error:
            raise ValueError(f"hours/timezone: {error}") from None
        if "general" not in self.departments:
            raise ValueError("departments: a 'general' department is required (the fallback)")
        for name, topic in self.topics.items():
            if topic.department not in self.departments:
                raise ValueError(f"topics.{name}.department: no department {topic.department!r}")
        for key, department in self.departments.items():
            for word in department.words:
                try:
                    re.compile(word)
                except re.error as error:
                    raise ValueError(f"departments.{key}.words: {word!r}: {error}") from None
        return self

    @property
    def assistant_name(self) -> str:
        return self.assistant or f"{self.name}'s virtual assistant"

    @property
    def department_titles(self) -> dict[str, str]:
        return {key: d.title for key, d in self.departments.items()}

    def widget_defaults(self) -> dict[str, str]:
        """What the widget shows when its script tag does not say otherwise."""
        return {"title": self.widget.title, "color": self.widget.colour,
                "greeting": self.widget.greeting}


class SiteError(ValueError):
    """A pack that cannot be read; the message says which file and field."""


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise SiteError(f"{path}: {error}") from None
    if not isinstance(data, dict):
        raise SiteError(f"{path}: expected a mapping at the top")
    return data


def load(name: str, sites: Path = SITES) -> Site:
    """The pack sites/<name>/ (site.yml + faq.yml), validated."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", name or ""):
        raise SiteError(f"SITE: {name!r} is not a pack name (lower-case letters, digits, '-')")
    folder = sites / name
    if not (folder / "site.yml").is_file():
        known = ", ".join(sorted(p.name for p in sites.iterdir() if (p / "site.yml").is_file()))
        raise SiteError(f"SITE: no pack {name!r} in {sites} (there are: {known})")
    raw = {**_read(folder / "site.yml"), "topics": _read(folder / "faq.yml").get("topics") or {}}
    try:
        return Site.model_validate({**raw, "id": name})
    except ValidationError as error:
        raise SiteError(f"{folder}: {error}") from None


@lru_cache(maxsize=8)
def cached(name: str) -> Site:
    return load(name)
