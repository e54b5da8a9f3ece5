// "To teach": what the bot did not answer (fallback, "did you mean" declined, handed over for
// low confidence or out of scope, answers the visitor rejected), grouped by the same words
// (bot/teaching.py), newest first, 20 groups a page; one click teaches a group a topic, says it
// is out of scope, or ignores it. And the small "Teach the bot" control of a chat: its first
// message, labelled the same way. Visitor text goes in as text (el()), never as HTML.
import { call } from "./connection.js";
import { $, announce, deptTitle, me } from "./state.js";
import { el } from "../shared/dom.js";

const KINDS = { unsure: "bot unsure", declined: "“did you mean” declined", handoff: "handed to a person", off_topic: "refused as off-topic", rejected: "answer rejected" };

/** @param {boolean} allowed the bridge says this agent may use the view (`hello.teach`) */
export function showTeachTab(allowed) { $("teach-tab").hidden = !allowed; }

/** @param {string} intent */
const topicTitle = (intent) => (me.topics.find((t) => t.intent === intent) || { title: intent }).title;

/** A topic picker: the pack's topics, `first` chosen. @param {string} label @param {string} [first] */
function topicPicker(label, first = "") {
  const select = el("select", { "aria-label": label }, me.topics.map((t) => el("option", { value: t.intent, selected: t.intent === first }, t.title)));
  return select;
}

export async function loadTeach(offset = 0) {
  const answer = await call("teach_list", { offset });
  const box = $("teach");
  if (!answer.ok) { box.replaceChildren(el("p", { class: "error", role: "alert" }, answer.error.message)); return; }
  if (answer.topics) me.topics = answer.topics;
  const cards = answer.groups.map(teachCard);
  if (!offset) box.replaceChildren(...(cards.length ? cards : [el("p", { class: "muted" }, "Nothing to teach: the bot answered everything.")]));
  else { box.querySelector(".older")?.remove(); box.append(...cards); }
  if (answer.more) {
    const older = el("button", { type: "button", class: "older" }, "Show older questions");
    older.addEventListener("click", () => loadTeach(offset + answer.groups.length));
    box.append(older);
  }
}

/** @param {any} g a group of `teach_list` */
function teachCard(g) {
  const error = el("p", { class: "error", role: "alert" });
  const topic = topicPicker(`Topic for “${g.text}”`, g.guesses[0]);
  /** @param {string} label @param {string} done */
  const label = async (label, done) => {
    const answer = await call("teach_label", { entries: g.entries, label });
    if (!answer.ok) { error.textContent = answer.error.message; return; }
    card.remove();
    announce(done);
  };
  const teach = el("button", { type: "button", class: "primary" }, "This is that topic");
  teach.addEventListener("click", () => label(topic.value, `Taught: “${g.text}” is ${topicTitle(topic.value)}.`));
  const outOfScope = el("button", { type: "button" }, "Out of scope");
  outOfScope.addEventListener("click", () => label("out_of_scope", `Taught: “${g.text}” is out of scope.`));
  const ignore = el("button", { type: "button" }, "Ignore");
  ignore.addEventListener("click", () => label("ignore", "Ignored."));
  const kinds = Object.entries(g.kinds).map(([k, n]) => `${n} ${KINDS[k] || k}`).join(", ");
  const card = el("article", { class: "teach card", "data-group": g.key },
    el("h3", {}, `“${g.text}”`),
    el("p", { class: "muted" }, `${g.count} time${g.count === 1 ? "" : "s"} (${kinds}) · ${g.departments.map(deptTitle).join(", ")} · last ${new Date(g.newest * 1000).toLocaleString()}`),
    g.texts.length > 1 ? el("ul", { class: "also" }, g.texts.slice(1).map((t) => el("li", {}, t))) : null,
    el("p", {}, g.guesses.length ? `The bot guessed: ${g.guesses.map(topicTitle).join(", ")}` : "The bot had no guess."),
    el("div", { class: "reply-bar" }, topic, teach, outOfScope, ignore), error);
  return card;
}

/**
 * A chat's "Teach the bot" control: its first visitor message is a topic, out of scope, or
 * ignored (`teach_first`), e.g. when finishing a chat the bot handed over.
 * @param {string} conversationId
 */
export function teachFirstControl(conversationId) {
  const topic = topicPicker("What the visitor's first message was about");
  const status = el("p", { class: "muted", role: "status" });
  /** @param {string} label */
  const send = async (label) => {
    const answer = await call("teach_first", { conversation_id: conversationId, label });
    status.textContent = !answer.ok ? answer.error.message
      : label === "ignore" ? "Not taught." : `Taught: “${answer.text}” is ${label === "out_of_scope" ? "out of scope" : topicTitle(label)}.`;
  };
  const teach = el("button", { type: "button" }, "Teach");
  teach.addEventListener("click", () => send(topic.value));
  const outOfScope = el("button", { type: "button" }, "Out of scope");
  outOfScope.addEventListener("click", () => send("out_of_scope"));
  return el("details", { class: "teach-first" }, el("summary", {}, "Teach the bot the first message"),
    el("div", { class: "reply-bar" }, topic, teach, outOfScope), status);
}

$("teach-refresh").addEventListener("click", () => loadTeach());
