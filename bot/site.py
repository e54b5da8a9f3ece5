"""A site pack: one business's name, departments, hours, widget look and FAQ (sites/<pack>/).

The bridge reads the pack for what it says to people (departments, the business's name, the
widget's defaults); scripts/build_site.py turns it, with the base in data/ and domain.yml, into the
Rasa project that is trained. See docs/site-pack.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic_core import ErrorDetails

from . import answer_text, hours
from .answer_text import MAX_BUTTONS, Button

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "sites"
DEFAULT_SITE = "lantern-street"
ANSWERS_FILE = "answers.yml"  # answers edited in the console, exported (bot/pack.py)
EDITABLE = ("answer", "buttons")  # what answers.yml may say about a topic

NAME_RULE = ("1 to 40 characters: lower-case letters a-z, digits and _, starting with a letter "
             "(like bike_hire)")
COLOUR_RULE = ('write "#rgb" or "#rrggbb" in hex digits, in quotes (like "#2e7d32"): '
               "an unquoted # starts a YAML comment")
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]  # NAME_RULE
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _At(ValueError):
    """A check across fields that knows which field is wrong (loc: keys, as pydantic's)."""

    def __init__(self, loc: tuple[Any, ...], message: str):
        super().__init__(message)
        self.loc, self.message = loc, message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Department(_Strict):
    title: Line
    words: list[Line] = []  # regular expressions; a handoff whose text matches goes here


class Widget(_Strict):
    title: Line = "Chat with us"
    colour: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")] = \
        "#1f5f8b"  # COLOUR_RULE
    greeting: Annotated[str, StringConstraints(max_length=400)] = ""


class Topic(_Strict):
    """One FAQ topic: its answer, who handles it, and how visitors ask about it."""

    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)]
    department: Name = "general"
    examples: list[Line] = Field(min_length=3, max_length=30)
    keywords: list[Line] = Field(default=[], max_length=30)
    common: Name | None = None  # a common topic (sites/common/topics.yml) whose wording it gets
    buttons: list[Button] = Field(default=[], max_length=MAX_BUTTONS)  # bot/answer_text.py
    # Its button in "did you mean"; default: the name in words ("missed_show": "Missed show").
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None


def _check_answer(name: str, topic: Topic, topics: dict[str, Topic]) -> None:
    """An answer's links are web links, its buttons ask about topics the pack has."""
    for target in answer_text.unsafe_links(topic.answer):
        raise _At(("topics", name, "answer"),
                  f"the link to {target!r} is not a web link (http:// or https://)")
    for index, button in enumerate(topic.buttons):
        if button.topic is not None and button.topic not in topics:
            raise _At(("topics", name, "buttons", index, "topic"),
                      f"no topic {button.topic!r} in faq.yml")


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
    def _consistent(self) -> Site:
        try:
            hours.parse(self.hours)
        except ValueError as error:
            message = str(error).removeprefix("BUSINESS_HOURS: ")
            raise _At(("hours",), f"{message} (or \"\" for always)") from None
        try:
            ZoneInfo(self.timezone)
        except (ValueError, KeyError):
            raise _At(("timezone",), f"no time zone {self.timezone!r} "
                      "(an IANA name, like Europe/London or UTC)") from None
        if "general" not in self.departments:
            raise _At(("departments",), "a 'general' department is required (the fallback)")
        for name, topic in self.topics.items():
            if topic.department not in self.departments:
                raise _At(("topics", name, "department"),
                          f"no department {topic.department!r} (site.yml has: "
                          f"{', '.join(self.departments)})")
        for name, topic in self.topics.items():
            _check_answer(name, topic, self.topics)
        for key, department in self.departments.items():
            for index, word in enumerate(department.words):
                try:
                    re.compile(word)
                except re.error as error:
                    raise _At(("departments", key, "words", index),
                              f"{word!r} is not a regular expression: {error}") from None
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
    """A pack that cannot be read; the message says which file, line and field (one line each)."""


class _Duplicate(yaml.YAMLError):
    def __init__(self, mapping: yaml.MappingNode, key: Any, first: yaml.Node, second: yaml.Node):
        super().__init__(key)
        self.mapping, self.key, self.first, self.second = mapping, key, first, second


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key written twice in one mapping is refused: PyYAML
    would keep the second silently (a second topic of the same name would replace the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # an unhashable key: the constructor refuses it anyway
                continue
            if first is not key_node:
                raise _Duplicate(node, key, first, key_node)
        return super().construct_mapping(node, deep)


def shown(path: Path) -> str:
    """A path as errors show it: relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of loc (keys, list indexes) that the file has."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)
                     and k.value == str(part)]
            if not found:
                break
            line, node = found[-1][0].start_mark.line + 1, found[-1][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _path_to(node: yaml.Node, target: yaml.Node, path: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The keys and indexes that lead from node to target (None beyond 20 levels: a recursive
    alias cannot loop)."""
    if node is target:
        return path
    if len(path) > 20:
        return None
    children = (
        [(k.value, v) for k, v in node.value] if isinstance(node, yaml.MappingNode)
        else list(enumerate(node.value)) if isinstance(node, yaml.SequenceNode) else []
    )
    for key, child in children:
        found = _path_to(child, target, (*path, key))
        if found is not None:
            return found
    return None


def _parse(path: Path) -> tuple[Any, yaml.Node | None]:
    """The YAML file's data and its node tree (for line numbers), duplicate keys refused."""
    try:
        loader = _Loader(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SiteError(f"{shown(path)}: cannot read it: {error}") from None
    loader.name = shown(path)
    root = None
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    except _Duplicate as dup:
        where = ".".join(map(str, _path_to(root, dup.mapping) or ())) if root else ""
        first, second = dup.first.start_mark.line + 1, dup.second.start_mark.line + 1
        raise SiteError(
            f"{shown(path)}:{second}: {where + ': ' if where else ''}{dup.key!r} is written twice "
            f"(lines {first} and {second}); YAML would keep only the second: rename or merge them"
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = ", ".join(str(x) for x in (error.context, error.problem) if x)
        raise SiteError(f"{shown(path)}:{mark.line + 1 if mark else '?'}: not valid YAML: {what}") \
            from None
    except yaml.YAMLError as error:
        raise SiteError(f"{shown(path)}: not valid YAML: {error}") from None
    finally:
        loader.dispose()


def read_yaml(path: Path) -> Any:
    """A YAML file of a pack, with duplicate keys refused; errors name the file and line."""
    return _parse(path)[0]


def where(path: Path, loc: tuple[Any, ...]) -> str:
    """`file:line` of a field (loc: keys and list indexes) in a pack's YAML file."""
    line = _line(_parse(path)[1], loc)
    return f"{shown(path)}:{line}" if line else shown(path)


def _read(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    data, root = _parse(path)
    if data is None:
        return {}, root
    if not isinstance(data, dict):
        raise SiteError(f"{shown(path)}:1: expected a mapping at the top (field: value lines)")
    return data, root


_FIELDS = {"widget": Widget, "departments": Department, "topics": Topic}  # of what is under


def _explain(error: ErrorDetails) -> tuple[tuple[Any, ...], str]:
    """A pydantic error as (where: keys and indexes, what is wrong and what is allowed)."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _At):
        return cause.loc, cause.message
    if loc and loc[-1] == "[key]":
        what = {"topics": "topic", "departments": "department"}.get(str(loc[0]), "")
        return loc[:-1], f"{value!r} is not a valid {what} name: {NAME_RULE}".replace("  ", " ")
    if kind == "extra_forbidden":
        model = Site if len(loc) == 1 else _FIELDS.get(str(loc[0]))
        fields = [f for f in model.model_fields if f != "id"] if model else []  # type: ignore[attr-defined]
        return loc, f"unknown field {loc[-1]!r}" + (f" (allowed here: {', '.join(fields)})"
                                                    if fields else "")
    if loc[-1:] == ("colour",):
        return loc, (f"{value!r} is not a colour" if value is not None else "no colour") \
            + f": {COLOUR_RULE}"
    if kind == "string_pattern_mismatch":
        return loc, f"{value!r} is not a valid name: {NAME_RULE}"
    if kind == "missing":
        return loc, "required, but missing"
    return loc, error["msg"].removeprefix("Value error, ")


def load(name: str, sites: Path = SITES) -> Site:
    """The pack sites/<name>/ (site.yml + faq.yml, and answers.yml over faq.yml's answers
    when the console's edits were exported), validated."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", name or ""):
        raise SiteError(f"SITE: {name!r} is not a pack name (lower-case letters, digits, '-')")
    folder = sites / name
    if not (folder / "site.yml").is_file():
        known = ", ".join(sorted(p.name for p in sites.iterdir() if (p / "site.yml").is_file()))
        raise SiteError(f"SITE: no pack {name!r} in {sites} (there are: {known})")
    site, site_nodes = _read(folder / "site.yml")
    faq, faq_nodes = _read(folder / "faq.yml")
    edited, edited_nodes = _read(folder / ANSWERS_FILE) if (folder / ANSWERS_FILE).is_file() \
        else ({}, None)
    topics = _with_answers(folder, faq.get("topics") or {}, edited.get("topics") or {})
    try:
        return Site.model_validate({**site, "topics": topics, "id": name})
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            loc, message = _explain(problem)
            path, nodes = (folder / "faq.yml", faq_nodes) if loc[:1] == ("topics",) \
                else (folder / "site.yml", site_nodes)
            if loc[:1] == ("topics",) and len(loc) > 2 and loc[2] in EDITABLE \
                    and loc[1] in (edited.get("topics") or {}):
                path, nodes = folder / ANSWERS_FILE, edited_nodes
            line = _line(nodes, loc)
            field = ".".join(map(str, loc))
            lines.append(f"{shown(path)}{f':{line}' if line else ''}: "
                         f"{field + ': ' if field else ''}{message}")
        raise SiteError("\n".join(lines)) from None


def _with_answers(folder: Path, topics: dict[str, Any], edited: Any) -> dict[str, Any]:
    """faq.yml's topics with the answers (and buttons) of answers.yml in place of theirs."""
    where = shown(folder / ANSWERS_FILE)
    if not isinstance(edited, dict):
        raise SiteError(f"{where}: expected `topics:` with one entry a topic")
    merged = dict(topics)
    for name, answer in edited.items():
        if name not in topics:
            raise SiteError(f"{where}: topics.{name}: no topic {name!r} in faq.yml")
        if not isinstance(answer, dict) or set(answer) - set(EDITABLE) or "answer" not in answer:
            raise SiteError(f"{where}: topics.{name}: expected `answer:` and maybe `buttons:`, "
                            "nothing else")
        merged[name] = {**topics[name], "buttons": [], **answer}
    return merged


@lru_cache(maxsize=8)
def cached(name: str) -> Site:
    return load(name)
