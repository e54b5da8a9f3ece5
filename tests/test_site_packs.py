"""Site packs: the business lives in sites/<pack>/, the base is shared, and a second, very
different pack (a bicycle workshop) builds, trains, answers and routes with the same code."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.eval_data import EvalDataError
from bot.site import COLOUR_RULE, NAME_RULE, SiteError, load
from clients import AgentClient, Visitor
from stack import ROOT, Stack

sys.path.insert(0, str(ROOT / "scripts"))
import build_site  # noqa: E402

PACKS = ["lantern-street", "spoke-and-chain"]
BASE = [ROOT / "bot", ROOT / "actions", ROOT / "data", ROOT / "domain.yml", ROOT / "config.yml",
        ROOT / "sites" / "common"]
# Words only the sample packs use: none of them may appear in the shared code and data.
BUSINESS_WORDS = re.compile(r"lantern|theatre|theater|box office|spoke|bicycle|tickets_billing|"
                            r"website_technical|online_shop|workshop", re.I)


def test_nothing_business_specific_in_the_base() -> None:
    found = []
    for root in BASE:
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if path.suffix in (".py", ".yml", ".yaml", ".json") and "__pycache__" not in path.parts:
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if BUSINESS_WORDS.search(line) and not line.startswith("DEFAULT_SITE ="):
                        found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


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
     "unknown field 'answers' (allowed here: answer, department, examples, keywords, common, title)"),
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


def test_training_hides_the_libraries_warnings_and_shows_the_rest() -> None:
    """scripts/rasa_quiet.py (train.sh, make validate): no deprecation or solver warnings from
    the libraries, although sanic asks for every DeprecationWarning once; a warning about the
    assistant (Rasa's UserWarnings, ours) still shows."""
    program = (
        "import sys, warnings\n"
        "sys.path.insert(0, 'scripts'); import rasa_quiet; rasa_quiet.install()\n"
        "import sanic\n"  # filterwarnings('once', category=DeprecationWarning), as in `rasa`
        "from sklearn.exceptions import ConvergenceWarning\n"
        "lib = sys.modules['sanic'].__file__\n"
        "warnings.warn_explicit('pkg_resources is deprecated', DeprecationWarning, lib, 1)\n"
        "warnings.warn_explicit('lbfgs failed to converge', ConvergenceWarning, lib, 2)\n"
        "warnings.warn_explicit('utter_x is not a valid utterance', UserWarning, lib, 3)\n"
        "warnings.warn_explicit('ours is deprecated', DeprecationWarning, 'actions/x.py', 4)\n"
    )
    result = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", program],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "utter_x is not a valid utterance" in result.stderr
    assert "ours is deprecated" in result.stderr
    assert "pkg_resources" not in result.stderr and "lbfgs" not in result.stderr, result.stderr


def test_an_unknown_or_hostile_pack_name_is_refused() -> None:
    for name in ["nowhere", "../etc", "", "Lantern"]:
        with pytest.raises(SiteError, match="SITE"):
            load(name)


@pytest.mark.parametrize("pack", PACKS)
def test_the_build_has_every_topic_and_is_reproducible(pack: str, tmp_path: Path) -> None:
    site = load(pack)
    first = build_site.build(pack, tmp_path / "a")
    second = build_site.build(pack, tmp_path / "b")
    for name in ["domain.yml", "site.json", "data/faq.yml"]:
        assert (first / name).read_text() == (second / name).read_text(), name
    domain = yaml.safe_load((first / "domain.yml").read_text())
    data = yaml.safe_load((first / "data" / "faq.yml").read_text())
    sentences: dict[str, set[str]] = {}
    for path in sorted((first / "data").glob("*.yml")) + sorted((ROOT / "data").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            for line in block["examples"].splitlines():
                sentences.setdefault(line.strip()[2:].lower(), set()).add(block["intent"])
    assert not {s: i for s, i in sentences.items() if len(i) > 1}  # no sentence in two intents
    nlu = {block["intent"]: block["examples"].count("\n- ") + 1 for block in data["nlu"]}
    rules = {step["intent"] for rule in data["rules"] for step in rule["steps"] if "intent" in step}
    for topic, t in site.topics.items():
        assert f"faq_{topic}" in domain["intents"]
        assert domain["responses"][f"utter_faq_{topic}"] == [{"text": t.answer}]
        assert f"faq_{topic}" in rules
        assert nlu[f"faq_{topic}"] >= len(t.examples)  # examples, plus the expansion
    text = json.dumps(domain)
    assert "$" not in text.replace("$1", "")  # every $name of the base domain filled in
    assert site.name in domain["responses"]["utter_iamabot"][0]["text"] or \
        site.assistant_name in domain["responses"]["utter_iamabot"][0]["text"]
    if pack == "spoke-and-chain":  # 15 topics of at most 15 examples, visitors' wording, off-topic
        assert len(site.topics) >= 10 and max(len(t.examples) for t in site.topics.values()) <= 15
        nlu_files = sorted(p.name for p in (ROOT / "sites" / pack / "nlu").iterdir())
        assert nlu_files == ["out_of_scope.yml", "visitors.yml"]
    held_back = set()
    for name in ("natural.jsonl", "eval.jsonl"):  # kept back: never in the training data
        path = ROOT / "sites" / pack / name
        held_back |= {json.loads(line)["text"].strip().lower() for line in path.open() if line.strip()}
    assert len(held_back) >= 80 and not held_back & set(sentences), held_back & set(sentences)


def test_the_expansion_reframes_examples_and_keywords() -> None:
    from paraphrase import expand

    made = expand("returns", ["how do I return a part", "what is your returns policy"],
                  ["money back"], limit=120)
    assert made[:2] == ["how do I return a part", "what is your returns policy"]
    assert len(made) >= 30 and len(set(made)) == len(made)
    lower = " | ".join(made).lower()
    assert "return a part" in lower and "money back" in lower
    reframed = [s for s in made[2:] if "return a part" in s.lower()]  # the task, other frames
    assert len(reframed) >= 5 and len({s.lower().split(" return")[0] for s in reframed}) >= 5
    assert expand("returns", ["how do I return a part"], [], 50) == \
        expand("returns", ["how do I return a part"], [], 50)  # the same every time


def _parse(pack: str, texts: list[str]) -> list[str]:
    """The intents the trained model of a pack gives (in Rasa's environment)."""
    model = max((ROOT / "models" / pack).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    program = (
        "import asyncio, json, sys, logging; logging.disable(logging.WARNING)\n"
        "sys.path.insert(0, '.')\n"
        "from rasa.core.agent import Agent\n"
        f"agent = Agent.load({str(model)!r})\n"
        "texts = json.loads(sys.stdin.read())\n"
        "out = [asyncio.run(agent.parse_message(t))['intent']['name'] for t in texts]\n"
        "print('RESULT' + json.dumps(out))\n"
    )
    result = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", program],
                            input=json.dumps(texts), capture_output=True, text=True, cwd=ROOT,
                            timeout=600, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    line = [x for x in result.stdout.splitlines() if x.startswith("RESULT")]
    assert line, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads(line[0][len("RESULT"):])


def test_the_second_pack_answers_its_topics_and_keeps_the_base_safety() -> None:
    """The bicycle workshop's model: its own topics (questions not in its faq.yml), the common
    topics, and the base's judgement (bot challenge, handoff, off-topic) unchanged."""
    asked = {
        "how much is a full service": "faq_pricing",
        "can I book my bike in next tuesday": "faq_book_service",
        "is my bike ready to collect": "faq_repair_status",
        "can I hire an ebike for saturday": "faq_bike_hire",
        "the part you fitted has broken already": "faq_warranty",
        "where is my parcel, I ordered a chain last week": "faq_order_status",
        "I want to return the pedals I bought": "faq_refunds",
        "I forgot my password": "faq_account",
        "are you a real person": "bot_challenge",
        "let me talk to a human": "human_handoff",
    }
    safe = ["what's the weather tomorrow", "transfer 100 pounds to my savings account",
            "book me a flight to rome", "what's the capital of peru"]
    got = _parse("spoke-and-chain", list(asked) + safe)
    wrong = {text: (want, have) for (text, want), have in zip(asked.items(), got) if want != have}
    assert len(wrong) <= 1, wrong
    assert not [g for g in got[len(asked):] if g.startswith("faq_") or g == "bot_challenge"], got


def test_the_action_server_routes_by_the_packs_departments(tmp_path: Path) -> None:
    """actions/ holds no department: the pack's site.json says which words go where."""
    target = build_site.build("spoke-and-chain", tmp_path)
    program = (
        "import json\n"
        "from actions.actions import guess_department, INTENT_DEPARTMENTS\n"
        "print(json.dumps([guess_department('my brakes squeak', []),\n"
        "                  guess_department('where is my parcel', []),\n"
        "                  guess_department('hello', ['faq_bike_hire']),\n"
        "                  guess_department('hello', []), INTENT_DEPARTMENTS['faq_invoice']]))\n"
    )
    result = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", program], capture_output=True,
        text=True, cwd=ROOT, env={"FRONTDESK_SITE_FILE": str(target / "site.json")}, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == [
        "workshop", "online_shop", "workshop", None, "online_shop"]


async def test_a_bridge_for_the_second_pack_speaks_for_that_business(
    stack: Stack, isolated, make_agent
) -> None:
    """SITE=spoke-and-chain: the widget gets that pack's title, colour and greeting, agents see
    its departments, the pages name it, and an unknown department is refused by the CLI."""
    import aiohttp

    url, redis_url = isolated(SITE="spoke-and-chain")
    visitor = Visitor(url)
    await visitor.connect()
    state = visitor.seen.of("session_state")[-1]
    assert state["site"] == {"title": "Ask Spoke & Chain", "color": "#2e7d32",
                             "greeting": load("spoke-and-chain").widget.greeting}
    boss = AgentClient(url)
    await boss.connect(*make_agent("workshop", role="supervisor", redis_url=redis_url,
                                   site="spoke-and-chain"))
    hello = await boss.must("hello")
    assert hello["departments"] == {"workshop": "Workshop", "online_shop": "Online shop & billing",
                                    "general": "General"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/") as response:
            page = await response.text()
    assert "<h1>Spoke &amp; Chain Cycles</h1>" in page and "Lantern" not in page
    with pytest.raises(subprocess.CalledProcessError) as refused:
        make_agent("tickets_billing", redis_url=redis_url, site="spoke-and-chain")
    assert "No department 'tickets_billing'" in refused.value.stderr
    await boss.close()
    await visitor.close()


def test_make_eval_reports_a_pack(tmp_path: Path) -> None:
    """`make eval SITE=...` runs scripts/evaluate.py for that pack: the figures and targets."""
    own = ROOT / "sites" / "spoke-and-chain" / "eval.jsonl"
    shutil.copy(own, tmp_path / "eval.jsonl")
    result = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "scripts/evaluate.py", "--site",
         "spoke-and-chain", "--data", str(tmp_path / "eval.jsonl"), "--json",
         str(tmp_path / "figures.json")],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert figures["site"] == "spoke-and-chain"
    mine = figures["files"][str(tmp_path / "eval.jsonl")]
    assert mine["counts"]["faq"] >= 40
    assert mine["challenge_recall"] >= 0.97 and mine["handoff_recall"] >= 0.95
    assert mine["oos_safe"] >= 0.8 and mine["ood_never_faq"] >= 0.95
    assert mine["wrong_topic"] <= 0.05
    assert "FAQ answered right" in result.stdout and "parse latency" in result.stdout
    assert "calibration" in result.stdout and "FAQ right or among the buttons" in result.stdout
