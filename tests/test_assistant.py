"""The assistant's own checks: `rasa data validate` and `rasa test` story tests."""

from __future__ import annotations

import json
import os
import subprocess

from stack import ROOT, Stack


def rasa(stack: Stack, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**stack.env, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "rasa"), *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout,
    )


def endpoints(stack: Stack):
    """The endpoints file the Rasa server of this stack reads (written when it started)."""
    from bot.config import Settings

    return Settings.from_env(stack.env).data_dir / "rasa-endpoints.yml"


def test_training_data_is_valid(stack: Stack) -> None:
    """The built project of the sample pack (base + sites/lantern-street/) passes Rasa's checks."""
    result = rasa(stack, "data", "validate", "--fail-on-warnings", "--config",
                  "build/lantern-street/config.yml",
                  "--domain", "build/lantern-street/domain.yml",
                  "--data", "data", "build/lantern-street/data")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_story_tests_pass(stack: Stack, tmp_path) -> None:
    """Every conversation rule in tests/rasa/test_stories.yml, with the real action server."""
    result = rasa(
        stack, "test", "core", "--stories", "tests/rasa/test_stories.yml",
        "--endpoints", str(endpoints(stack)), "--model", "models/lantern-street", "--out", str(tmp_path),
        "--fail-on-prediction-errors",
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout[-3000:] + result.stderr[-3000:] + details)
    assert os.path.exists(tmp_path / "story_report.json")


async def test_long_conversation_keeps_only_recent_turns_and_its_rules(stack: Stack, redis) -> None:
    """Rasa's tracker holds the last RASA_MAX_TURNS (8) turns, however long the conversation, and
    the rules that look back (two strikes, same question twice) still work after the cut."""
    import aiohttp

    sender = "long-" + os.urandom(6).hex()
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    questions = ["what are your opening hours?", "where is the theatre?", "how much are tickets?"]
    async with aiohttp.ClientSession() as http:
        async def say(text: str) -> list[dict]:
            async with http.post(url, json={"sender": sender, "message": text}) as response:
                assert response.status == 200
                return await response.json()

        for k in range(30):
            assert (await say(questions[k % 3]))[0].get("text")
        stored = json.loads(await redis.get(f"rasa:tracker:{sender}"))
        users = [e for e in stored["events"] if e["event"] == "user"]
        assert len(users) == 8
        assert users[-1]["text"] == questions[29 % 3]
        size_at_30 = len(json.dumps(stored))

        first = await say("/nlu_fallback")  # not understood once: asks to rephrase
        assert "say it another way" in first[0]["text"]
        second = await say("/nlu_fallback")  # twice in a row: hands over
        assert any((r.get("custom") or {}).get("handoff") for r in second), second
        for k in range(30):
            await say(questions[k % 3])
        stored = json.loads(await redis.get(f"rasa:tracker:{sender}"))
        assert len(json.dumps(stored)) < 1.5 * size_at_30  # bounded, not growing with length
        assert await redis.ttl(f"rasa:tracker:{sender}") > 0  # and it expires


async def test_off_topic_offers_a_person_and_hands_over_only_when_asked(stack: Stack) -> None:
    """Off-topic is refused honestly; off-topic again offers a person in so many words and asks,
    a bare "ok" after the refusal is asked too, and a third off-topic is refused again: no
    handoff without asking. A yes, a request, frustration or a message the bot does not
    understand (a real question it cannot answer) hand over (data/rules.yml)."""
    import aiohttp

    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    async with aiohttp.ClientSession() as http:
        async def conversation(*texts: str) -> list[list[dict]]:
            sender, answers = "offtopic-" + os.urandom(6).hex(), []
            for text in texts:
                async with http.post(url, json={"sender": sender, "message": text}) as response:
                    assert response.status == 200
                    answers.append(await response.json())
            return answers

        def handed(answer: list[dict]) -> bool:
            return any((r.get("custom") or {}).get("handoff") for r in answer)

        def said(answer: list[dict]) -> str:
            return " ".join(r.get("text") or "" for r in answer)

        refused, offered, again = await conversation(
            "what's the weather like tomorrow", "will it rain today", "what's the weather like tomorrow")
        assert "can't help with that" in said(refused) and not handed(refused)
        assert "Would you like to talk to someone" in said(offered) and not handed(offered)
        assert "can't help with that" in said(again) and not handed(again)

        refused, ok, yes = await conversation("will it rain today", "ok", "yes please")
        assert not handed(ok) and "Would you like to talk to someone" in said(ok), ok
        assert handed(yes), yes
        for then in ("/human_handoff", "this is useless", "/nlu_fallback"):
            refused, after = await conversation("will it rain today", then)
            assert not handed(refused) and handed(after), (then, after)
        refused, offered, yes = await conversation("will it rain today", "will it rain today", "ok")
        assert not handed(offered) and handed(yes), yes


async def parse(stack: Stack, text: str) -> dict:
    """What the real Rasa server makes of a message (/model/parse)."""
    import aiohttp

    url = f"{stack.rasa_url}/model/parse?token={stack.env['RASA_TOKEN']}"
    async with aiohttp.ClientSession() as http, http.post(url, json={"text": text}) as response:
        assert response.status == 200
        return await response.json()


async def test_a_misspelt_question_is_read_as_the_word_meant(stack: Stack) -> None:
    """Typing slips are read as the training word one edit away (actions/components.py,
    `SpellingNormalizer`), so the bot answers them as it answers the right spelling, about as
    sure; an English word the training data lacks is left alone, never turned into a topic's
    word ("pork" is not "park")."""
    slips = {"how do I get a refnud": ("faq_refunds", "how do I get a refund"),
             "can I cancle my booking": ("faq_cancel_order", "can I cancel my booking"),
             "how do i contcat you": ("faq_contact", "how do i contact you"),
             "acn i get an invoise": ("faq_invoice", "can i get an invoice")}
    for text, (topic, right) in slips.items():
        intent = (await parse(stack, text))["intent"]
        meant = (await parse(stack, right))["intent"]
        assert intent["name"] == meant["name"] == topic, (text, intent, meant)
        assert intent["confidence"] >= meant["confidence"] - 0.05, (text, intent, meant)
    for text in ("I cooked pork for dinner", "we had pulled pork at the buffet"):
        intent = (await parse(stack, text))["intent"]
        assert not intent["name"].startswith("faq_"), (text, intent)


async def test_the_question_inside_a_story_decides_the_topic(stack: Stack) -> None:
    """Greetings, thanks and the story around a question do not pull it to another topic
    (actions/focus.py, `QuestionFocus`): each of these is answered with its question's topic."""
    stories = {
        "Hi there! We're driving down from Leeds on Saturday for my daughter's birthday and she "
        "can't wait. Where can we park near the theatre?": "faq_parking",
        "Thanks so much for your help earlier, the kids loved the show. One more thing: what time "
        "does the box office open on Sunday?": "faq_opening_hours",
        "Hello, I was poorly last week and we never made it to the play on Friday, which was a "
        "shame. Is it too late to get a refund on the tickets?": "faq_refunds",
    }
    story = "We're driving down from Leeds on Saturday for my daughter's birthday and she can't wait."
    assert (await parse(stack, story))["intent"]["name"] != "faq_parking"  # the question decides
    for text, topic in stories.items():
        result = await parse(stack, text)
        got = result["intent"]["name"]
        assert got == topic or topic in result.get("suggestions", []), (text, result["intent"],
                                                                          result.get("suggestions"))
        assert not (got.startswith("faq_") and got != topic), (text, result["intent"])


async def test_unsure_between_topics_the_bot_asks_and_a_click_answers(stack: Stack,
                                                                       faq_answers) -> None:
    """Two close topics: "did you mean" with the topics as buttons and one that offers a person
    (actions/judge.py, action_clarify); clicking a topic answers it at once."""
    import aiohttp

    text = "handling fee"  # the refund, payment and cancellation answers all touch on fees
    result = await parse(stack, text)
    assert result["intent"]["name"] == "nlu_fallback", result["intent"]
    suggestions = result["suggestions"]
    assert 1 <= len(suggestions) <= 3, suggestions
    sender = "clarify-" + os.urandom(6).hex()
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    async with aiohttp.ClientSession() as http:
        async def say(message: str) -> list[dict]:
            async with http.post(url, json={"sender": sender, "message": message}) as response:
                assert response.status == 200
                return await response.json()

        asked = await say(text)
        buttons = asked[0]["buttons"]
        assert [b["payload"] for b in buttons] == [f"/{s}" for s in suggestions] + ["/human_handoff"]
        assert all(b["title"] and not b["title"].startswith(("/", "faq_")) for b in buttons)
        answer = await say(buttons[0]["payload"])
        topic = suggestions[0][len("faq_"):]
        assert answer[0]["text"] in faq_answers[topic], answer


async def test_words_only_an_answer_has_put_its_topic_among_the_buttons(stack: Stack) -> None:
    """For "£1.50" the classifier's likely topics are prices and refunds, but the delivery answer
    names the sum ("delivery by post (£1.50 ...)"): the bot asks with that topic among the buttons
    too (actions/judge.py, `Evidence.hint` and `with_hint`; without them it is not)."""
    result = await parse(stack, "£1.50")
    assert result["intent"]["name"] == "nlu_fallback", result["intent"]
    assert "faq_delivery" in result.get("suggestions", []), result.get("suggestions")


async def test_out_of_scope_asks_when_the_answers_words_and_meaning_agree(stack: Stack) -> None:
    """The classifier calls a restaurant near the theatre out of scope, but the location answer's
    words and meaning both name it: the bot asks with that topic (and a person) instead of
    refusing (actions/judge.py, `TopicJudge.agreed`; `make eval --without agreement`)."""
    result = await parse(stack, "can you recommend a restaurant near lantern street")
    assert result["intent"]["name"] == "nlu_fallback", result["intent"]
    assert result.get("suggestions") == ["faq_location"], result.get("suggestions")
    assert result["intent_ranking"][1]["name"] == "out_of_scope", result["intent_ranking"][:2]


async def test_the_checks_hold_in_new_wordings(stack: Stack) -> None:
    """"Are you real?" and "I want a person" in wordings no example has come from the base
    (actions/components.py: `BotChallengeDetector`, `PersonRequestDetector`)."""
    checks = {
        "could you be a person?": "bot_challenge", "could you be human?": "bot_challenge",
        "r u human": "bot_challenge", "is this automated": "bot_challenge",
        "hang on, is this thing a real person or software?": "bot_challenge",
        "youre just a robot right": "bot_challenge", "you're not a real person, are you?":
        "bot_challenge", "so you're an AI then?": "bot_challenge",
        "are you a bot? i want a human": "human_handoff",
        "staff please": "human_handoff", "can a human take over": "human_handoff",
        "operator!": "human_handoff", "I need to speak to someone about my refund": "human_handoff",
    }
    for text, intent in checks.items():
        assert (await parse(stack, text))["intent"]["name"] == intent, text
    for text in ("are you open on sundays?", "is the refund automatic?"):
        assert (await parse(stack, text))["intent"]["name"] != "bot_challenge", text


async def test_a_question_in_words_no_example_uses_gets_its_topic(stack: Stack) -> None:
    """What a message means, not only its words (actions/meaning.py, `SentenceMeaning`): each of
    these (in no training file, nor among the held-back questions) is answered with its topic or
    asks with it among the buttons, and none gets another topic's answer. Before the sentence
    embedding "what does a seat usually set me back" was refused as out of scope."""
    questions = {
        "my little boy was sick so we never got to the panto, can we come another day": "faq_missed_show",
        "how do I get hold of you lot": "faq_contact",
        "is there somewhere to leave the car": "faq_parking",
        "what does a seat usually set me back": "faq_pricing",
        "my auntie can't do steps, is the building ok for her": "faq_accessibility",
        "i'd like to buy someone a theatre present": "faq_gift_cards",
        "nothing has arrived in my email since i booked": "faq_order_status",
        "do you accept google pay": "faq_payment_methods",
    }
    for text, topic in questions.items():
        result = await parse(stack, text)
        got = result["intent"]["name"]
        assert got == topic or topic in result.get("suggestions", []), (text, result["intent"])
        assert not (got.startswith("faq_") and got != topic), (text, result["intent"])
