"""The learning curve: how a pack improves as the business teaches it in the console.

A pack as a business starts it (a cut-down copy of --site: each topic its answer and its first
--examples examples, scripts/cut_pack.py) runs on the real stack: Redis, action server, bridge,
trainer (`python -m bot run trainer`) and a Rasa worker that pulls the live model from the bridge
every second. In each round, visitors ask a stream of natural questions through the widget's
Socket.IO; they click the right "did you mean" button when it is there, "something else" when not,
and give a thumbs-down to a wrong answer. A supervisor then opens To teach (console Socket.IO)
and labels what is there from the stream's labels, up to a budget per topic (round r: r/rounds of
--teach), and asks for a retraining; the trainer trains, gates and promotes; the worker pulls the
model. A disjoint set of questions (never streamed, never taught) is scored through Rasa's
/model/parse after each round: answered right, asked (right topic among the buttons or not),
wrong topic, not answered; and the safety figures (bot challenge, handoff, out of scope, out of
domain) on sentences never taught either.

The questions are the public labelled dev set (../shared/eval/dev.jsonl, or --data), FAQ rows of
the topics the pack has, split per topic at random (--seed) into the stream and the test set;
the trained models are thrown away (never copied into data/ or the pack).

    .venv/bin/python bench/learning.py [--site lantern-street] [--examples 3] [--rounds 3]
        [--teach 5] [--ask 8] [--test 30] [--plot docs/img/learning.svg] [--json FILE]
    .venv/bin/python bench/learning.py --replot FILE --plot docs/img/learning.svg  # a saved run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import common
from common import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from cut_pack import cut
from evaluate import score

from bot.eval_data import topics_of
from bot.model_server import model_files

from clients import AgentClient, Visitor
from stack import rasa_api

SAFETY = ("bot_challenge", "human_handoff", "out_of_scope", "out_of_domain")
SHOWN = ("faq_topic_acc", "faq_right_or_among", "faq_asked", "wrong_topic", "faq_not_answered",
         "challenge_recall", "handoff_recall", "oos_safe", "ood_never_faq")
PACK = "learning-bench"


def split(rows: list[dict[str, str]], mapping: dict[str, str], test: int, seed: int,
          safety: int) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """(stream questions per topic, test rows): disjoint; the test holds up to `test` FAQ
    questions a topic and `safety` sentences of each safety label."""
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        label = row["label"]
        if label.startswith("faq:"):
            topic = mapping.get(label[len("faq:"):])
            if topic is None:
                continue
            label = "faq:" + topic
        by_label[label].append(row["text"])
    stream: dict[str, list[str]] = {}
    held: list[dict[str, str]] = []
    for label, texts in sorted(by_label.items()):
        texts = sorted(set(texts))
        rng.shuffle(texts)
        if label in SAFETY:
            held += [{"text": t, "label": label} for t in texts[:safety]]
            continue
        size = min(test, len(texts) // 2)
        held += [{"text": t, "label": label} for t in texts[:size]]
        stream[label[len("faq:"):]] = texts[size:]
    return stream, held


def scored(port: str, token: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The figures of scripts/evaluate.py for `rows`, parsed by the running worker."""
    triples = []
    for row in rows:
        parsed = rasa_api(port, token, "/model/parse", {"text": row["text"]})
        triples.append((row["label"], parsed["intent"]["name"], parsed.get("suggestions") or []))
    return score(triples)


async def visit(url: str, text: str, topic: str) -> str:
    """One visitor asks `text` (about `topic`) and acts as a visitor would; the outcome."""
    visitor = Visitor(url)
    try:
        await visitor.connect()
        reply = await visitor.ask(text, timeout=60)
        meta = reply.get("metadata") or {}
        answered = (meta.get("answer") or {}).get("topic")
        buttons = [q.get("payload", "") for q in reply.get("quick_replies") or []]
        if answered == topic:
            return "right"
        if answered:
            await visitor.sio.emit("reject_answer", {"message_id": meta["id"]})
            await visitor.seen.wait_for("answer_rejected", timeout=30)
            return "wrong"
        if any(b.startswith("/faq_") for b in buttons):
            if f"/faq_{topic}" in buttons:
                await visitor.ask(f"/faq_{topic}", timeout=60)
                return "asked_among"
            mark = await visitor.say("/human_handoff", message_id=uuid.uuid4().hex)
            await visitor.seen.wait_for("bot_uttered", start=mark, timeout=60)
            return "asked_not_among"
        return "not_answered"
    finally:
        await visitor.close()


async def stream_round(url: str, stream: dict[str, list[str]], start: int, ask: int
                       ) -> tuple[Counter[str], dict[str, str]]:
    """Every topic's next `ask` questions through the widget; outcomes, and text -> topic."""
    outcomes: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for topic, texts in stream.items():
        for text in texts[start:start + ask]:
            labels[" ".join(text.lower().split())] = topic
            outcomes[await visit(url, text, topic)] += 1
    return outcomes, labels


async def teach(boss: AgentClient, labels: dict[str, str], taught: Counter[str],
                cap: int) -> int:
    """Label what To teach shows from the stream's labels, up to `cap` a topic in all."""
    done, offset = 0, 0
    while True:
        page = await boss.must("teach_list", {"offset": offset})
        for group in page["groups"]:
            topic = labels.get(" ".join(group["text"].lower().split()))
            if topic is None or taught[topic] >= cap:
                continue
            result = await boss.must("teach_label", {"entries": group["entries"],
                                                     "label": f"faq_{topic}"})
            taught[topic] += result["learned"]
            done += result["learned"]
        if not page["more"]:
            return done
        offset += len(page["groups"])


async def retrain(boss: AgentClient, port: str, token: str, timeout: float) -> dict[str, Any]:
    """Ask for a training; wait for the verdict and, if live, for the worker to run it."""
    taught_at = time.monotonic()
    before = (await boss.must("model"))["trainer"].get("finished_at", "")
    await boss.must("model_train")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        trainer = (await boss.must("model"))["trainer"]
        if trainer.get("finished_at", "") != before and trainer.get("state") != "training":
            break
        await asyncio.sleep(2)
    else:
        raise TimeoutError("the trainer did not finish")
    result = {"state": trainer["state"], "model": trainer.get("model", ""),
              "train_s": float(trainer["finished_at"]) - float(trainer["started_at"]),
              "gate": trainer.get("gate", {})}
    if trainer["state"] == "live":
        while rasa_api(port, token, "/status")["model_file"] != trainer["model"]:
            if time.monotonic() > deadline:
                raise TimeoutError("the worker did not pull the new model")
            await asyncio.sleep(0.5)
    result["to_live_s"] = time.monotonic() - taught_at
    return result


def make_pack(site: str, examples: int) -> None:
    """The cut-down pack in sites/, trained into models/ (thrown away at the end)."""
    remove_pack()
    cut(site, PACK, examples)
    subprocess.run(["bash", "scripts/train.sh"], cwd=ROOT, check=True,
                   env={**os.environ, "SITE": PACK}, stdout=subprocess.DEVNULL)


def remove_pack() -> None:
    for folder in ("sites", "models", "build"):
        shutil.rmtree(ROOT / folder / PACK, ignore_errors=True)


def supervisor(env: dict[str, str]) -> tuple[str, str]:
    name, password = f"boss-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    subprocess.run([sys.executable, "-m", "bot", "agents", "add", name, "--department",
                    "general", "--role", "supervisor", "--display-name", "Boss",
                    "--password-stdin"],
                   cwd=ROOT, env=env, check=True, capture_output=True, input=password + "\n",
                   text=True)
    return name, password


def line(name: str, figures: dict[str, Any], extra: str = "") -> str:
    cells = " ".join(f"{figures[k]:.3f}" if figures.get(k) is not None else "  n/a" for k in SHOWN)
    return f"{name:<9} {cells} {extra}"


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = [json.loads(t) for t in args.data.read_text(encoding="utf-8").splitlines() if t.strip()]
    facts = json.loads((ROOT / "build" / PACK / "site.json").read_text(encoding="utf-8"))
    stream, test = split(rows, topics_of(facts), args.test, args.seed, args.safety)
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-learning-models-"))
    shutil.copyfile(model_files(ROOT / "models" / PACK)[0], folder / "20000101-000000-start.tar.gz")
    stack = common.new_stack(SITE=PACK, RASA_MODEL_DIR=str(folder), MODEL_PULL_EVERY="1",
                             TRAIN_AFTER_EXAMPLES="1000000", TRAIN_AFTER="1000000",
                             AUTO_ASSIGN="false", TEACH_CAP="5000")
    curve: list[dict[str, Any]] = []
    try:
        stack.start_redis()
        stack.start_actions()
        stack.start_rasa()
        stack.start_bridge()
        stack.start("trainer")
        env = {**stack.env, "REDIS_URL": stack.redis_url}
        port, token = stack.env["RASA_PORT"], stack.env["RASA_TOKEN"]
        boss = AgentClient(stack.bridge_url)
        await boss.connect(*supervisor(env))
        taught: Counter[str] = Counter()
        print(f"pack {PACK}: {args.site} cut to {args.examples} examples a topic; topics "
              f"streamed: {', '.join(stream)}; test: {len(test)} sentences "
              f"({sum(r['label'].startswith('faq:') for r in test)} FAQ)")
        print(f"{'round':<9} " + " ".join(k[:9] for k in SHOWN) + " taught stream(right/asked/"
              "wrong/none) train_s to_live_s gate")
        for number in range(args.rounds + 1):
            entry: dict[str, Any] = {"round": number}
            if number:
                outcomes, labels = await stream_round(stack.bridge_url, stream,
                                                      (number - 1) * args.ask, args.ask)
                cap = math.ceil(args.teach * number / args.rounds)
                await asyncio.sleep(1)  # the last rejections reach the To-teach list
                entry["taught_now"] = await teach(boss, labels, taught, cap)
                entry["stream"] = dict(outcomes)
                entry.update(await retrain(boss, port, token, args.timeout))
            entry["taught"] = dict(taught)
            entry["figures"] = scored(port, token, test)
            curve.append(entry)
            stream_cell = "/".join(str(entry.get("stream", {}).get(k, 0)) for k in
                                   ("right", "asked_among", "wrong", "not_answered"))
            extra = (f"{sum(taught.values()):>6} {stream_cell:>14} "
                     f"{entry.get('train_s', 0):7.0f} {entry.get('to_live_s', 0):9.0f} "
                     f"{entry.get('state', '-')}")
            print(line(str(number), entry["figures"], extra), flush=True)
            if entry.get("state") == "held_back":
                print(f"  held back: {json.dumps(entry['gate'].get('fell'))}")
        await boss.close()
    finally:
        stack.stop_all()
        shutil.rmtree(folder, ignore_errors=True)
    return curve


def report(curve: list[dict[str, Any]], args: argparse.Namespace) -> None:
    first, last = curve[0]["figures"], curve[-1]["figures"]
    per_topic = min(curve[-1]["taught"].values(), default=0)
    gain = last["faq_topic_acc"] - first["faq_topic_acc"]
    fell = [k for k in ("challenge_recall", "handoff_recall", "oos_safe", "ood_never_faq")
            if last[k] < first[k]]
    print(f"\nafter teaching {sum(curve[-1]['taught'].values())} questions (at least "
          f"{per_topic} a topic): answered right {first['faq_topic_acc']:.3f} -> "
          f"{last['faq_topic_acc']:.3f} ({gain * 100:+.1f} points; target +10), wrong topic "
          f"{last['wrong_topic']:.3f} (target <= 0.02), safety figures lower than at the start: "
          f"{', '.join(fell) or 'none'}")
    if args.plot:
        import plot

        series = {name: [(e["round"], e["figures"][key]) for e in curve] for name, key in (
            ("answered right", "faq_topic_acc"), ("right or among the buttons", "faq_right_or_among"),
            ("wrong topic", "wrong_topic"), ("not answered", "faq_not_answered"))}
        plot.lines(args.plot, f"Learning curve ({args.site} cut to {args.examples} examples a "
                   f"topic, {args.teach} taught a topic over {args.rounds} rounds)",
                   "round (taught, retrained, live)", "share of held-out FAQ questions", series)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", default="lantern-street")
    parser.add_argument("--examples", type=int, default=3, help="examples a topic the pack starts with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--teach", type=int, default=5, help="questions taught a topic in all")
    parser.add_argument("--ask", type=int, default=8, help="stream questions a topic a round")
    parser.add_argument("--test", type=int, default=30, help="held-out FAQ questions a topic")
    parser.add_argument("--safety", type=int, default=60, help="held-out sentences a safety label")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a retraining may take")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--plot", help="write the curve as an SVG here")
    parser.add_argument("--json", type=Path, help="write the curve as JSON here")
    parser.add_argument("--replot", type=Path, help="only report and plot a curve written by --json")
    args = parser.parse_args()
    if args.replot:
        report(json.loads(args.replot.read_text(encoding="utf-8")), args)
        return
    print(f"# learning curve, {common.machine()}, git {common.git_head()}")
    make_pack(args.site, args.examples)
    try:
        curve = asyncio.run(run(args))
    finally:
        remove_pack()
    if args.json:
        args.json.write_text(json.dumps(curve, indent=1), encoding="utf-8")
    report(curve, args)


if __name__ == "__main__":
    main()
