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

from bot.site import load

from clients import AgentClient, Visitor
from stack import ROOT, Stack

sys.path.insert(0, str(ROOT / "scripts"))
import build_site

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
    nlu: dict[str, int] = {}
    written: dict[str, set[str]] = {}  # the sentences in blocks the build did not mark `made`
    for block in data["nlu"]:
        lines = {line.strip()[2:].lower() for line in block["examples"].splitlines() if line.strip()}
        nlu[block["intent"]] = nlu.get(block["intent"], 0) + len(lines)
        if block.get("metadata") != "made":
            written.setdefault(block["intent"], set()).update(lines)
    rules = {step["intent"] for rule in data["rules"] for step in rule["steps"] if "intent" in step}
    for topic, t in site.topics.items():
        assert f"faq_{topic}" in domain["intents"]
        assert domain["responses"][f"utter_faq_{topic}"] == [{"text": t.answer}]
        assert f"faq_{topic}" in rules
        assert nlu[f"faq_{topic}"] >= len(t.examples)  # examples, plus the expansion
        # The calibration scores only what a person wrote (actions/judge.py `made`).
        own = {build_site._clean(e).lower() for e in t.examples}
        assert written.get(f"faq_{topic}", set()) <= own
    assert any(block.get("metadata") == "made" for block in data["nlu"])
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
    async with aiohttp.ClientSession() as http, http.get(f"{url}/") as response:
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
