// The queues: who waits, for how long, and claiming a chat.
import { seen } from "./alerts.js";
import { activate, ensureChat, loaded, openChat } from "./chats.js";
import { call } from "./connection.js";
import { $, REASONS, chats, deptTitle, me, queues, said, session, visitorLabel } from "./state.js";
import { el } from "../shared/dom.js";
import { fmtWait } from "../shared/time.js";

export function setQueue(department, waiting) {
  const now = Date.now();
  queues[department] = waiting.map((c) => ({ ...c, seenAt: now }));
}

export function upsertQueued(conversation) {
  const list = (queues[conversation.department] = queues[conversation.department] || []);
  const since = conversation.waiting_since || conversation.queued_at; // this stay in the queue
  const fresh = { ...conversation, seenAt: Date.now(), waited_seconds: conversation.waited_seconds ?? Math.max(0, Date.now() / 1000 - since) };
  const index = list.findIndex((c) => c.id === conversation.id);
  if (index >= 0) list[index] = fresh; else list.push(fresh); // its place comes with the server's next `queue` event
  renderQueues();
}

const refreshing = {};
export function refreshQueue(department) {
  clearTimeout(refreshing[department]);
  refreshing[department] = setTimeout(async () => {
    const answer = await call("queue", { department });
    if (answer.ok) { setQueue(department, answer.waiting); renderQueues(); }
  }, 150);
}

const waitedNow = (c) => (c.waited_seconds || 0) + (Date.now() - c.seenAt) / 1000;

export function renderQueues() {
  const box = $("queues");
  box.replaceChildren();
  for (const department of Object.keys(queues).sort()) {
    const list = queues[department]; // the server's order, which pick-ups follow (not the waits shown)
    const section = el("section", { class: "dept", "aria-label": `${deptTitle(department)} queue` },
      el("h3", {}, deptTitle(department), el("span", { class: "muted" }, `${list.length} waiting`)));
    const ul = el("ul", { class: "queue" });
    for (const c of list) ul.appendChild(queueItem(c));
    if (!list.length) section.appendChild(el("p", { class: "muted" }, "Nobody waiting."));
    section.appendChild(ul);
    box.appendChild(section);
  }
}

/** @type {WeakMap<Element, any>} the conversation whose wait each shown figure counts */
const ticking = new WeakMap();

function queueItem(c) {
  const h = c.handoff || {};
  const top = (h.intent_ranking || [])[0];
  const intent = top ? `${top.name} ${Math.round(top.confidence * 100)}%` : h.confidence ? `confidence ${Math.round(h.confidence * 100)}%` : "no intent";
  const waited = el("span", { class: "waited", "data-waited": "" }, fmtWait(waitedNow(c)));
  ticking.set(waited, c);
  const claim = el("button", { type: "button", class: "primary" }, "Claim");
  const preview = el("button", { type: "button" }, "Preview");
  claim.addEventListener("click", () => claimChat(c.id, claim));
  preview.addEventListener("click", () => openChat(c.id, { mine: false, focus: true }));
  return el("li", { class: "q-item" + (waitedNow(c) > 120 ? " old" : ""), "data-conversation": c.id },
    el("div", { class: "q-top" }, el("span", {}, REASONS[h.reason] || "Waiting"), waited),
    el("div", { class: "q-meta" }, `${deptTitle(c.department)} · top intent: ${intent}`),
    h.text ? el("p", { class: "q-text" }, said(h.text)) : null,
    el("div", { class: "q-meta" }, visitorLabel(c), c.page_url ? ` · ${c.page_url}` : ""),
    el("div", { class: "q-actions" }, claim, preview));
}

setInterval(() => { // the waited times tick
  for (const span of document.querySelectorAll("[data-waited]")) {
    const c = ticking.get(span);
    if (c) span.textContent = fmtWait(waitedNow(c));
  }
}, 1000);

export async function claimChat(id, button) {
  seen();
  if (button) button.disabled = true;
  session.claiming.add(id); // its `assigned` event comes before the answer: no alert for it
  const answer = await call("claim", { conversation_id: id }).finally(() => session.claiming.delete(id));
  if (!answer.ok) {
    if (button) button.disabled = false;
    notice(answer.error.message);
    refreshQueue(chats.get(id)?.conversation?.department || me.agent.department);
    return;
  }
  const chat = ensureChat(id, true);
  loaded(chat, answer);
  activate(id);
  chat.input.focus();
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let noticeTimer;
export function notice(text) { // a short visible message above the queues
  $("queue-error").textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $("queue-error").textContent = ""; }, 6000);
}
