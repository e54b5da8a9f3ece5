// Answers (supervisors): each FAQ topic's answer as the bot gives it now, edited live (the next
// visitor asking gets it, on every bridge), with its history and revert. Links are written
// [words](https://...); buttons one a line, "Title | https://..." or "Title | topic".
import { call } from "./connection.js";
import { $, announce, me } from "./state.js";
import { el } from "../shared/dom.js";

/** @type {Map<string, any>} topic -> {topic, title, department, pack, live} */
const topics = new Map();

export function showAnswersTab() {
  $("answers-tab").hidden = !(me.agent && me.agent.role === "supervisor");
}

export async function loadAnswers() {
  const answer = await call("answers");
  if (!answer.ok) { $("answers-error").textContent = answer.error.message; return; }
  for (const t of answer.topics) topics.set(t.topic, t);
  const select = $("answers-topic");
  const chosen = select.value;
  select.replaceChildren(...answer.topics.map((t) => el("option", { value: t.topic }, `${t.title}${t.live ? " (edited)" : ""}`)));
  if (chosen && topics.has(chosen)) select.value = chosen;
  await showTopic();
}

/** A live change from any supervisor's console (the `answer` event). @param {any} t */
export function answerChanged(t) {
  topics.set(t.topic, t);
  const option = /** @type {HTMLSelectElement} */ ($("answers-topic")).querySelector(`option[value="${t.topic}"]`);
  if (option) option.textContent = `${t.title}${t.live ? " (edited)" : ""}`;
  if (!$("view-answers").hidden && $("answers-topic").value === t.topic) showTopic();
}

/** @param {{text: string, buttons?: any[]} | null} a */
const buttonLines = (a) => ((a && a.buttons) || []).map((b) => `${b.title} | ${b.url || b.topic}`).join("\n");

/** @param {{text: string, buttons?: any[]} | null} a */
function summary(a) {
  if (!a) return "the pack's answer";
  const buttons = (a.buttons || []).map((b) => b.title);
  return a.text + (buttons.length ? ` [buttons: ${buttons.join(", ")}]` : "");
}

async function showTopic() {
  const t = topics.get($("answers-topic").value);
  if (!t) return;
  const now = t.live || t.pack;
  $("answers-pack").textContent = summary(t.pack);
  $("answers-state").textContent = t.live ? "Edited in the console: the bot says this instead of the pack's answer." : "The bot says the pack's answer.";
  /** @type {HTMLTextAreaElement} */ ($("answer-text")).value = now.text;
  /** @type {HTMLTextAreaElement} */ ($("answer-buttons")).value = buttonLines(now);
  $("answers-error").textContent = "";
  const history = await call("answer_history", { topic: t.topic });
  const list = $("answers-history");
  list.replaceChildren();
  if (!history.ok) return;
  if (!history.history.length) list.appendChild(el("li", { class: "muted" }, "No edits yet."));
  history.history.forEach((/** @type {any} */ e, /** @type {number} */ index) => {
    const undo = el("button", { type: "button" }, "Revert");
    undo.setAttribute("aria-label", `Revert the edit by ${e.by} at ${new Date(e.at * 1000).toLocaleString()}`);
    undo.addEventListener("click", () => save("answer_revert", { topic: t.topic, index }));
    list.appendChild(el("li", {},
      el("span", { class: "when" }, `${new Date(e.at * 1000).toLocaleString()} · ${e.by}`),
      el("span", { class: "before" }, "Before: " + summary(e.before)),
      el("span", { class: "after" }, "After: " + summary(e.after)), undo));
  });
}

/** "Title | https://..." or "Title | topic", one a line. @param {string} lines */
export function parseButtons(lines) {
  return lines.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
    const bar = line.lastIndexOf("|");
    const title = (bar < 0 ? line : line.slice(0, bar)).trim();
    const target = bar < 0 ? "" : line.slice(bar + 1).trim();
    return /^https?:\/\//i.test(target) ? { title, url: target } : { title, topic: target };
  });
}

/** @param {string} event @param {any} payload */
async function save(event, payload) {
  const answer = await call(event, payload);
  if (!answer.ok) { $("answers-error").textContent = answer.error.message; return; }
  answerChanged(answer);
  announce(`Answer for ${answer.title} saved: the bot says it from the next question on.`);
}

$("answers-topic").addEventListener("change", () => showTopic());
$("answers-form").addEventListener("submit", (e) => {
  e.preventDefault();
  save("answer_set", { topic: $("answers-topic").value, text: /** @type {HTMLTextAreaElement} */ ($("answer-text")).value,
    buttons: parseButtons(/** @type {HTMLTextAreaElement} */ ($("answer-buttons")).value) });
});
