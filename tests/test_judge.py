"""The judge's parts that need no trained model (actions/judge.py), run in Rasa's environment:
the calibration scores only sentences a person wrote, the buttons carry both second opinions,
and the topic nearest in meaning is found from the message's sentence embedding."""

from __future__ import annotations

import json
import subprocess

from stack import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def run(code: str) -> dict:
    """The JSON the code prints last, run by Rasa's Python in the project."""
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(RASA_PYTHON), "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_calibration_counts_only_written_sentences() -> None:
    """Two topics whose made sentences are told apart by one clean feature, while one written
    sentence in twenty looks like the other topic: counted all together the held-out folds
    promise under 1.5% wrong answers and the lowest threshold is chosen; counting the written
    ones only (5% wrong at any threshold), the most careful one. Without the `scored` mask both
    choices would be equal."""
    got = run(
        "import json, numpy as np\n"
        "from scipy.sparse import csr_matrix\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from actions.judge import Evidence, TopicJudge, calibrate\n"
        "rng = np.random.default_rng(7)\n"
        "rows, y, texts, written = [], [], [], []\n"
        "for topic, column in (('faq_a', 0), ('faq_b', 1)):\n"
        "    for i in range(300):\n"  # made: the topic's own column, clean
        "        x = np.zeros(4); x[column] = 1; x[2:] = rng.normal(0, .3, 2)\n"
        "        rows.append(x); y.append(topic); texts.append(f'{topic} made {i}')\n"
        "        written.append(False)\n"
        "    for i in range(60):\n"  # written: one in twenty looks like the other topic
        "        x = np.zeros(4); x[column if i % 20 else 1 - column] = 1; x[2:] = rng.normal(0, .3, 2)\n"
        "        rows.append(x); y.append(topic); texts.append(f'{topic} written {i}')\n"
        "        written.append(True)\n"
        "config = {**TopicJudge.get_default_config(), 'evidence_weight': 0}\n"
        "X = csr_matrix(np.array(rows))\n"
        "clf = LogisticRegression(C=50, max_iter=300)\n"
        "every = calibrate(clf, X, y, texts, Evidence({}), config)\n"
        "own = calibrate(clf, X, y, texts, Evidence({}), config, written)\n"
        "print(json.dumps({'every': every['threshold'], 'own': own['threshold'],\n"
        "                  'scored': own['scored'], 'wrong_every': every['held_out']['wrong']}))\n")
    assert got["scored"] == 120
    assert got["every"] == 0.6 and got["wrong_every"] <= 0.015, got
    assert got["own"] > got["every"], got


def test_the_buttons_carry_both_second_opinions() -> None:
    """`with_hints`: an ask keeps the classifier's best topic and puts the answer's words' and the
    meaning's topics after it (three buttons at most); a hint already there is not repeated; an
    answer is never changed."""
    got = run(
        "import json\n"
        "from actions.judge import with_hints\n"
        "F = 'nlu_fallback'\n"
        "print(json.dumps([\n"
        "  with_hints((F, ['faq_a', 'faq_b', 'faq_c']), ['faq_d', 'faq_e']),\n"
        "  with_hints((F, ['faq_a', 'faq_b']), ['faq_b', 'faq_e']),\n"
        "  with_hints((F, []), ['faq_d', 'faq_d']),\n"
        "  with_hints((F, ['faq_a']), [None, None]),\n"
        "  with_hints(('faq_a', []), ['faq_d', 'faq_e'])]))\n")
    assert got == [["nlu_fallback", ["faq_a", "faq_d", "faq_e"]],
                   ["nlu_fallback", ["faq_a", "faq_b", "faq_e"]],
                   ["nlu_fallback", ["faq_d"]],
                   ["nlu_fallback", ["faq_a"]],
                   ["faq_a", []]]


def test_the_topic_nearest_in_meaning_is_found_from_the_embedding() -> None:
    """`Meaning.hint` reads the message's dense sentence feature (scaled or not) and names the
    topic whose own words mean the nearest; no dense feature, or too far from every topic: none."""
    got = run(
        "import json, numpy as np\n"
        "from rasa.shared.nlu.training_data.features import Features\n"
        "from rasa.shared.nlu.training_data.message import Message\n"
        "from actions import minilm\n"
        "from actions.judge import Meaning\n"
        "topics = {'faq_delivery': 'We post tickets first class; e-tickets come by email within'\n"
        "          ' an hour. Keywords: delivery, post, e-ticket',\n"
        "          'faq_location': 'We are at 12 Lantern Street, two minutes from the station.'\n"
        "          ' Keywords: address, directions, parking'}\n"
        "meaning = Meaning(topics)\n"
        "def message(text, scale=1.0):\n"
        "    m = Message(data={'text': text})\n"
        "    vector = minilm.shared().encode([text]) * scale\n"
        "    m.add_features(Features(vector, 'sentence', 'text', 'SentenceMeaning'))\n"
        "    return m\n"
        "print(json.dumps([\n"
        "  meaning.hint(message('my tickets never arrived in the mail'), 0.2),\n"
        "  meaning.hint(message('how do I find you from the train', 3.0), 0.2),\n"
        "  meaning.hint(Message(data={'text': 'no features'}), 0.2),\n"
        "  meaning.hint(message('my tickets never arrived in the mail'), 0.99)]))\n")
    assert got == ["faq_delivery", "faq_location", None, None]


def test_out_of_scope_asks_when_both_second_opinions_name_one_topic() -> None:
    """`TopicJudge.agreed`: the topic the answer's words and the meaning both name clearly; none
    when the message shares no word with any topic, or when the meaning is not near enough."""
    got = run(
        "import json\n"
        "from rasa.shared.nlu.training_data.features import Features\n"
        "from rasa.shared.nlu.training_data.message import Message\n"
        "from actions import minilm\n"
        "from actions.judge import Evidence, Meaning, TopicJudge\n"
        "topics = {'faq_delivery': 'We post tickets first class; e-tickets come by email within'\n"
        "          ' an hour. Keywords: delivery, post, e-ticket',\n"
        "          'faq_location': 'We are at 12 Lantern Street, two minutes from the station.'\n"
        "          ' Keywords: address, directions, parking'}\n"
        "judge = TopicJudge.__new__(TopicJudge)\n"
        "judge.config = TopicJudge.get_default_config()\n"
        "judge.evidence, judge.meaning = Evidence(topics), Meaning(topics)\n"
        "def agreed(text, **config):\n"
        "    judge.config = {**TopicJudge.get_default_config(), **config}\n"
        "    m = Message(data={'text': text})\n"
        "    m.add_features(Features(minilm.shared().encode([text]), 'sentence', 'text', 'x'))\n"
        "    return judge.agreed(m, judge.evidence.of(text))\n"
        "print(json.dumps([agreed('were my e-tickets posted or emailed'),\n"
        "                  agreed('how do I find you from the train'),\n"
        "                  agreed('were my e-tickets posted or emailed', agree_meaning=0.99)]))\n")
    assert got == ["faq_delivery", None, None]
