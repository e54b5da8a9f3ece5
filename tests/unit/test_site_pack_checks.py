"""A site pack's checks (bot/site.py, bot/eval_data.py through scripts/build_site.py): a wrong
pack is refused with one line naming the file, the line, the field and what is allowed."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from bot.eval_data import EvalDataError
from bot.site import COLOUR_RULE, NAME_RULE, SiteError, load

from stack import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_site


def _pack(tmp_path: Path, site: dict, faq: dict) -> Path:
    folder = tmp_path / "sites" / "shop"
    folder.mkdir(parents=True)
    (folder / "site.yml").write_text(yaml.safe_dump(site))
    (folder / "faq.yml").write_text(yaml.safe_dump({"topics": faq}))
    return tmp_path / "sites"


GOOD_SITE = {"name": "Shop", "can_help_with": "orders",
             "departments": {"general": {"title": "General"}}}
GOOD_TOPIC = {"answer": "Yes.", "examples": ["a?", "b?", "c?"]}


@pytest.mark.parametrize("site, faq, file, says", [
    ({**GOOD_SITE, "departments": {"sales": {"title": "Sales"}}}, {"t": GOOD_TOPIC}, "site.yml",
     "departments: a 'general' department is required"),
    (GOOD_SITE, {"t": {**GOOD_TOPIC, "department": "nowhere"}}, "faq.yml",
     "topics.t.department: no department 'nowhere' (site.yml has: general)"),
    ({**GOOD_SITE, "departments": {"general": {"title": "G"}, "sales": {"title": "S"}}},
     {"t": {**GOOD_TOPIC, "department": "nowhere"}}, "faq.yml", "(site.yml has: general, sales)"),
    (GOOD_SITE, {"t": {**GOOD_TOPIC, "examples": ["only one"]}}, "faq.yml", "topics.t.examples"),
    (GOOD_SITE, {"Bad Name": GOOD_TOPIC}, "faq.yml",
     "'Bad Name' is not a valid topic name: " + NAME_RULE),
    (GOOD_SITE, {"a" * 41: GOOD_TOPIC}, "faq.yml", "1 to 40 characters"),
    (GOOD_SITE, {"t": {**GOOD_TOPIC, "department": "Sales"}}, "faq.yml",
     "topics.t.department: 'Sales' is not a valid name: 1 to 40 characters"),
    ({**GOOD_SITE, "departments": {"general": {"title": "G", "words": ["(unclosed"]}}},
     {"t": GOOD_TOPIC}, "site.yml", "departments.general.words.0: '(unclosed' is not a regular"),
    ({**GOOD_SITE, "widget": {"colour": "red"}}, {"t": GOOD_TOPIC}, "site.yml",
     "widget.colour: 'red' is not a colour: " + COLOUR_RULE),
    ({**GOOD_SITE, "widget": {"colour": None}}, {"t": GOOD_TOPIC}, "site.yml",  # colour: #fff
     "an unquoted # starts a YAML comment"),
    ({**GOOD_SITE, "colour": "#fff"}, {"t": GOOD_TOPIC}, "site.yml",
     "colour: unknown field 'colour' (allowed here: name, assistant, can_help_with, goodbye, "),
    (GOOD_SITE, {"t": {**GOOD_TOPIC, "answers": "x"}}, "faq.yml",
     "unknown field 'answers' (allowed here: answer, department, examples, keywords, common, "
     "buttons, title)"),
    (GOOD_SITE, {"t": {**GOOD_TOPIC, "answer": "See [this](javascript:alert(1))."}}, "faq.yml",
     "topics.t.answer: the link to 'javascript:alert(1)' is not a web link (http:// or https://)"),
    (GOOD_SITE, {"t": {**GOOD_TOPIC, "buttons": [{"title": "More", "topic": "nope"}]}},
     "faq.yml", "topics.t.buttons.0.topic: no topic 'nope' in faq.yml"),
    (GOOD_SITE, {"t": {**GOOD_TOPIC, "buttons": [{"title": "Go", "url": "ftp://x.example"}]}},
     "faq.yml", "topics.t.buttons.0"),
    ({**GOOD_SITE, "hours": "weekdays 9 to 5"}, {"t": GOOD_TOPIC}, "site.yml",
     "hours: cannot read"),
    ({**GOOD_SITE, "timezone": "Mars/Olympus"}, {"t": GOOD_TOPIC}, "site.yml",
     "timezone: no time zone 'Mars/Olympus'"),
    ({k: v for k, v in GOOD_SITE.items() if k != "name"}, {"t": GOOD_TOPIC}, "site.yml",
     "name: required"),
])
def test_a_wrong_pack_gets_a_clear_error(tmp_path: Path, site, faq, file, says) -> None:
    """One line, which names the file (and the line, where the field is written), the field,
    what is wrong and what is allowed."""
    sites = _pack(tmp_path, site, faq)
    with pytest.raises(SiteError, match=re.escape(says)) as error:
        load("shop", sites)
    assert re.match(re.escape(str(sites / "shop" / file)) + r"(:\d+)?: ", str(error.value))
    assert "\n" not in str(error.value) and "pydantic" not in str(error.value)
    load_good = _pack(tmp_path / "good", GOOD_SITE, {"t": GOOD_TOPIC})
    assert load("shop", load_good).topics["t"].department == "general"


def test_a_field_is_found_on_its_line(tmp_path: Path) -> None:
    sites = _pack(tmp_path, GOOD_SITE, {})
    (sites / "shop" / "faq.yml").write_text(
        "topics:\n  t:\n    answer: Yes.\n    examples: [a, b, c]\n"
        "  u:\n    answer: Yes.\n    department: nowhere\n    examples: [a, b, c]\n")
    with pytest.raises(SiteError) as error:
        load("shop", sites)
    assert str(error.value).startswith(f"{sites / 'shop' / 'faq.yml'}:7: topics.u.department: ")


def test_a_topic_written_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    """YAML keeps the second of two equal keys: the first topic would vanish without a word."""
    sites = _pack(tmp_path, GOOD_SITE, {})
    (sites / "shop" / "faq.yml").write_text(
        "topics:\n  refunds:\n    answer: Within 30 days.\n    examples: [a, b, c]\n"
        "  delivery:\n    answer: Two days.\n    examples: [d, e, f]\n"
        "  refunds:\n    answer: Never.\n    examples: [g, h, i]\n")
    with pytest.raises(SiteError) as error:
        load("shop", sites)
    assert str(error.value) == (
        f"{sites / 'shop' / 'faq.yml'}:8: topics: 'refunds' is written twice (lines 2 and 8); "
        "YAML would keep only the second: rename or merge them")
    (sites / "shop" / "site.yml").write_text(
        "name: Shop\ncan_help_with: orders\ndepartments:\n  general: {title: General}\n"
        "name: Other shop\n")
    with pytest.raises(SiteError, match=re.escape(
            f"{sites / 'shop' / 'site.yml'}:5: 'name' is written twice (lines 1 and 5)")):
        load("shop", sites)


def test_a_yaml_mistake_names_the_file_and_line(tmp_path: Path) -> None:
    sites = _pack(tmp_path, GOOD_SITE, {})
    (sites / "shop" / "faq.yml").write_text("topics:\n  t:\n    answer: Yes: no\n")
    faq = sites / "shop" / "faq.yml"
    with pytest.raises(SiteError, match=re.escape(f"{faq}:3: not valid YAML")):
        load("shop", sites)


def test_a_copied_eval_file_is_refused(tmp_path: Path) -> None:
    """A pack copied from a sample keeps the sample's eval.jsonl: its sentences would score the
    new business against the old one's topics, so the build refuses them."""
    sites = _pack(tmp_path, GOOD_SITE, {"refunds": GOOD_TOPIC,
                                        "returns": {**GOOD_TOPIC, "common": "delivery"}})
    site, folder = load("shop", sites), sites / "shop"
    build_site.check_eval(site, folder)  # no eval.jsonl: nothing to check
    rows = [{"text": "can I get my money back", "label": "faq:refunds"},
            {"text": "where is my parcel", "label": "faq:delivery"},  # a common: of the pack's
            {"text": "are you a bot", "label": "bot_challenge"}]
    (folder / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    build_site.check_eval(site, folder)
    copied = [{"text": "is my bike ready", "label": "faq:repair_status"},
              {"text": "can I hire an ebike", "label": "faq:bike_hire"},
              {"text": "is my bike fixed yet", "label": "faq:repair_status"}]
    (folder / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows + copied))
    with pytest.raises(EvalDataError) as error:
        build_site.check_eval(site, folder)
    lines = str(error.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{folder / 'eval.jsonl'}:4: label 'faq:repair_status' (2 sentences)"
                               ": the pack has no topic 'repair_status'")
    assert lines[1].startswith(f"{folder / 'eval.jsonl'}:5: label 'faq:bike_hire' (1 sentence)")
    assert all("this looks copied from another pack" in line for line in lines)
    (folder / "eval.jsonl").write_text(json.dumps(rows[0]) + "\nnot json\n"
                                       + json.dumps({"text": "x", "label": "faq_refunds"}) + "\n")
    with pytest.raises(EvalDataError) as error:
        build_site.check_eval(site, folder)
    assert str(error.value).splitlines() == [
        f"{folder / 'eval.jsonl'}:2: not JSON: Expecting value: line 1 column 1 (char 0)",
        f"{folder / 'eval.jsonl'}:3: label 'faq_refunds' is not one of bot_challenge, "
        "human_handoff, out_of_scope, out_of_domain, faq:<topic>"]


def test_an_unknown_or_hostile_pack_name_is_refused() -> None:
    for name in ["nowhere", "../etc", "", "Lantern"]:
        with pytest.raises(SiteError, match="SITE"):
            load(name)
