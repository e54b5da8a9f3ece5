// The assistant's model, for supervisors (agent events `model`, `model_train`, `model_rollback`):
// what every Rasa worker runs, what the trainer did last and, when the gate held a model back,
// which figure fell and the sentences and taught examples behind it. Refreshed every 5 s while shown.
import { call } from "./connection.js";
import { $ } from "./state.js";
import { el } from "../shared/dom.js";
import { clockTime } from "../shared/time.js";

const STATES = {
  training: "Training a new model now (in the background; the assistant keeps answering).",
  live: "The last training passed the gate and is live.",
  held_back: "The last training was held back by the gate: the model in use did not change.",
  failed: "The last training failed: the model in use did not change.",
};
const FIGURES = {
  challenge_recall: "“Are you real?” answered honestly", handoff_recall: "Requests for a person",
  oos_safe: "Out-of-scope questions kept safe", ood_never_faq: "Off-topic never given an answer",
  wrong_topic: "Wrong topic (lower is better)", faq_right_or_among: "Right topic answered or suggested",
  faq_topic_acc: "Right topic answered at once",
};

/** @type {ReturnType<typeof setInterval> | undefined} */
let timer;
export function startModel() { showModel(); timer = setInterval(showModel, 5000); }
export function stopModel() { clearInterval(timer); }

/** @param {"model" | "model_train" | "model_rollback"} event */
async function ask(event) {
  const answer = await call(event);
  $("model-error").textContent = answer.ok ? "" : answer.error.message;
  if (answer.ok) render(answer);
}
export const showModel = () => ask("model");
$("model-train").addEventListener("click", () => ask("model_train"));
$("model-rollback").addEventListener("click", () => ask("model_rollback"));

/** @param {number | undefined} value */
const pct = (value) => (value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10}%`);

/** @param {any} gate */
function gateView(gate) {
  if (!gate || !gate.live) return null;
  const fell = new Set((gate.fell || []).map((/** @type {any} */ f) => f.figure));
  const rows = Object.entries(FIGURES).map(([key, label]) => el("tr", { class: fell.has(key) ? "fell" : null },
    el("th", { scope: "row" }, label), el("td", {}, pct(gate.live[key])), el("td", {}, pct(gate.new[key])),
    el("td", {}, fell.has(key) ? "fell" : "")));
  return el("div", { class: "gate" },
    el("table", {}, el("caption", {}, "The gate: the model in use and the new one, on the check sentences"),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Figure"), el("th", { scope: "col" }, "In use"),
        el("th", { scope: "col" }, "New"), el("th", { scope: "col" }, ""))),
      el("tbody", {}, rows)),
    (gate.lost || []).length ? el("div", {}, el("h3", {}, "Check sentences the new model gets wrong"),
      el("ul", {}, gate.lost.map((/** @type {any} */ x) => el("li", {}, `“${x.text}”: ${x.live} before, ${x.new} now`)))) : null,
    (gate.causes || []).length ? el("div", {}, el("h3", {}, "Taught examples likely to blame"),
      el("ul", {}, gate.causes.map((/** @type {any} */ c) => el("li", {}, `“${c.text}” taught as ${c.intent}`)))) : null);
}

/** @param {any} model the answer of `model` */
function render(model) {
  const trainer = model.trainer || {};
  const finished = Number(trainer.finished_at || 0);
  $("model-rollback").disabled = !model.previous;
  $("model-train").disabled = trainer.state === "training";
  $("model-state").replaceChildren(
    el("p", {}, "In use on every assistant worker: ", el("strong", {}, model.live || "no model yet")),
    model.previous ? el("p", { class: "muted" }, `Before it: ${model.previous}`) : null,
    el("p", { role: "status" }, STATES[/** @type {keyof typeof STATES} */ (trainer.state)] || "No training since the assistant was set up.",
      trainer.examples ? ` Taught examples: ${trainer.examples}.` : "",
      finished ? ` Finished at ${clockTime(finished)}.` : "", trainer.asked === "1" ? " A training was asked for." : ""),
    trainer.detail ? el("pre", { class: "detail" }, trainer.detail) : null,
    gateView(trainer.gate));
}
