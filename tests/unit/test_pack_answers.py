"""Answers edited in the console, exported into the pack (bot/pack.py) and read back over
faq.yml's answers (bot/site.py): the pack in git is the source of truth for answers too."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.answer_text import Button
from bot.answers import Answer
from bot.pack import answers_yaml
from bot.site import ANSWERS_FILE, SiteError, load

GOOD_SITE = {"name": "Shop", "can_help_with": "orders",
             "departments": {"general": {"title": "General"}}}
TOPICS = {"prices": {"answer": "From 10 euros.", "examples": ["a?", "b?", "c?"],
                     "buttons": [{"title": "Opening", "topic": "hours"}]},
          "hours": {"answer": "9 to 5.", "examples": ["d?", "e?", "f?"]}}


def pack(tmp_path: Path, answers: object = None) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "site.yml").write_text(yaml.safe_dump(GOOD_SITE))
    (folder / "faq.yml").write_text(yaml.safe_dump({"topics": TOPICS}))
    if answers is not None:
        (folder / ANSWERS_FILE).write_text(yaml.safe_dump(answers))
    return folder


def test_an_exported_edit_is_the_packs_answer_and_the_rest_stays(tmp_path: Path) -> None:
    folder = pack(tmp_path)
    site = load("shop", tmp_path)
    edit = Answer(text="Now from [12 euros](https://shop.example/prices).",
                  buttons=[Button(title="Book", url="https://shop.example/book")])
    text, edited = answers_yaml(site, folder, {"prices": edit.stored()}, "shop")
    assert edited == 1
    (folder / ANSWERS_FILE).write_text(text)
    again = load("shop", tmp_path)
    assert again.topics["prices"].answer == edit.text
    assert [b.url for b in again.topics["prices"].buttons] == ["https://shop.example/book"]
    assert again.topics["prices"].examples == site.topics["prices"].examples
    assert again.topics["hours"] == site.topics["hours"]
    # A second export with no edit in the store (reverted, or another Redis) keeps the file's.
    text2, edited2 = answers_yaml(again, folder, {}, "shop")
    assert edited2 == 0 and yaml.safe_load(text2) == yaml.safe_load(text)


def test_an_edit_without_buttons_drops_faq_yml_buttons(tmp_path: Path) -> None:
    pack(tmp_path, {"topics": {"prices": {"answer": "Ask us."}}})
    assert load("shop", tmp_path).topics["prices"].buttons == []


@pytest.mark.parametrize("answers, says", [
    ({"topics": {"nope": {"answer": "x"}}}, "answers.yml: topics.nope: no topic 'nope' in faq.yml"),
    ({"topics": {"prices": {"answer": "x", "examples": ["q"]}}},
     "topics.prices: expected `answer:` and maybe `buttons:`"),
    ({"topics": {"prices": {"answer": "see [this](javascript:alert(1))"}}},
     "answers.yml"),
    ({"topics": ["prices"]}, "expected `topics:`"),
])
def test_a_wrong_answers_file_is_refused_naming_it(tmp_path: Path, answers: object,
                                                   says: str) -> None:
    pack(tmp_path, answers)
    with pytest.raises(SiteError, match=None) as error:
        load("shop", tmp_path)
    assert says in str(error.value), str(error.value)
