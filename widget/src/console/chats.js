// The open chats: tabs, transcripts in id order, the state of each conversation.
import { alertAgent, beep } from "./alerts.js";
import { fillCanned } from "./canned.js";
import { buildChat, toEnd } from "./chat-view.js";
import { call } from "./connection.js";
import { loadVisitorHistory } from "./history.js";
import { messageRow, renderDetails } from "./messages.js";
import { readNow, seen } from "./receipts.js";
import { flushPending, toggleTransfer } from "./reply.js";
import { $, CLOSED_LINGER_MS, TOKEN, chats, deptTitle, me, newMessageId, session, shown, visitorLabel } from "./state.js";
import { el } from "../shared/dom.js";
import { cmpId } from "../shared/time.js";

export function ensureChat(id, mine) {
  let chat = chats.get(id);
  if (!chat) {
    chat = buildChat(id);
    chats.set(id, chat);
    $("chat-tabs").appendChild(chat.tab);
  }
  if (mine !== undefined) chat.mine = mine;
  updateChatState(chat);
  $("no-chats").hidden = chats.size > 0;
  return chat;
}

/**
 * @param {string} id
 * @param {{mine?: boolean, focus?: boolean}} [how] mine: I own it; focus: show its tab
 */
export async function openChat(id, { mine, focus } = {}) {
  const chat = ensureChat(id, mine);
  const answer = await call("open", { conversation_id: id });
  if (!answer.ok) { addSystem(chat, answer.error.message); return; }
  loaded(chat, answer);
  if (focus) activate(id);
}

/** Whether the agent is writing in the chat on screen (a reply or a transfer note with text):
 * an assignment must not take it from under their fingers. */
export function writing() {
  const chat = chats.get(session.activeId);
  return !!chat && [chat.input, chat.transferNote].some((box) => box.value.trim() !== "");
}

/**
 * A chat was given to me (auto-assignment, a transfer, routing): alerted like a new chat (sound,
 * title, desktop notification), and its tab brought forward unless I am writing in another one
 * (then it waits as a tab marked new). A chat I claimed myself here is only opened.
 * @param {string} id
 */
export async function assignedToMe(id) {
  const mine = session.claiming.has(id);
  const forward = !writing() || session.activeId === id;
  await openChat(id, { mine: true, focus: forward });
  if (mine) return;
  const chat = chats.get(id);
  const c = chat && chat.conversation;
  alertAgent("Chat assigned to you", `${visitorLabel(c || { id })}${c ? ` · ${deptTitle(c.department)}` : ""}`, id, { quiet: false });
  if (chat && !forward) { chat.unread = Math.max(chat.unread, 1); updateTab(chat); }
}

/** @param {import("./chat-view.js").Chat} chat */
export function loaded(chat, answer) {
  chat.conversation = answer.conversation;
  if (answer.conversation.agent && me.agent) chat.mine = answer.conversation.agent === me.agent.name;
  for (const m of answer.messages) addMessage(chat.id, m, false);
  seen(chat, answer.read && answer.read.visitor);
  readNow(chat);
  earlierButton(chat, answer.earlier);
  renderDetails(chat);
  loadVisitorHistory(chat);
  updateChatState(chat);
  fillCanned(chat);
  flushPending(chat);
}

// `open` gives the latest page of a long transcript; earlier pages come on request, in order.
/** @param {import("./chat-view.js").Chat} chat */
function earlierButton(chat, more) {
  if (!more) { if (chat.earlier) chat.earlier.remove(); chat.earlier = null; return; }
  if (!chat.earlier) {
    chat.earlier = el("button", { type: "button", class: "earlier" }, "Show earlier messages");
    chat.earlier.addEventListener("click", () => loadEarlier(chat));
  }
  chat.transcript.prepend(chat.earlier);
}

/** @param {import("./chat-view.js").Chat} chat */
async function loadEarlier(chat) {
  const first = [...chat.messages.keys()].filter(Boolean).sort(cmpId)[0];
  const answer = await call("history", { conversation_id: chat.id, before: first });
  if (!answer.ok) { addSystem(chat, answer.error.message); return; }
  const keep = chat.transcript.scrollHeight - chat.transcript.scrollTop;
  for (const m of answer.messages) addMessage(chat.id, m, false);
  earlierButton(chat, answer.more);
  chat.transcript.scrollTop = chat.transcript.scrollHeight - keep; // stay where the agent was reading
}

export function changed(conversation) { // a move or a rating: the tab and details follow at once
  const chat = chats.get(conversation.id);
  if (!chat) return;
  chat.conversation = { ...(chat.conversation || {}), ...conversation };
  chat.mine = conversation.owner === "agent" && !!me.agent && conversation.agent === me.agent.name;
  renderDetails(chat);
  updateChatState(chat);
  clearTimeout(chat.lingerTimer);
  if (conversation.owner === "closed") {
    chat.lingerTimer = setTimeout(() => {
      if (chat.conversation && chat.conversation.owner === "closed" && chats.get(chat.id) === chat) dismiss(chat);
    }, CLOSED_LINGER_MS);
  }
}

export function released(id) {
  const chat = chats.get(id);
  if (!chat) return;
  chat.mine = false;
  updateChatState(chat);
  refreshConversation(chat);
}

/** @param {import("./chat-view.js").Chat} chat */
export async function refreshConversation(chat) {
  const answer = await call("open", { conversation_id: chat.id });
  if (answer.ok) { chat.conversation = answer.conversation; renderDetails(chat); updateChatState(chat); }
}

export function activate(id) {
  session.activeId = id;
  for (const chat of chats.values()) {
    const active = chat.id === id;
    chat.view.hidden = !active;
    chat.tabButton.setAttribute("aria-selected", String(active));
    chat.tabButton.tabIndex = active ? 0 : -1;
    if (active) { chat.unread = 0; updateTab(chat); }
  }
  const pane = $("chat-pane");
  const chat = chats.get(id);
  if (chat && chat.view.parentNode !== pane) pane.appendChild(chat.view);
  $("empty-chat").hidden = !!chat;
  if (chat) { toEnd(chat); readNow(chat); }
}

$("chat-tabs").addEventListener("keydown", (e) => { // arrow keys move between tabs (WAI-ARIA)
  const ids = [...chats.keys()];
  const focused = document.activeElement;
  const at = ids.indexOf(focused instanceof HTMLElement ? focused.dataset.conversation || "" : "");
  if (at < 0) return;
  const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: ids.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  const id = ids[(next + ids.length) % ids.length];
  activate(id);
  chats.get(id).tabButton.focus();
});

/** @param {import("./chat-view.js").Chat} chat */
export function dismiss(chat) {
  clearTimeout(chat.lingerTimer);
  call("leave", { conversation_id: chat.id });
  chat.view.remove();
  chat.tab.remove();
  chats.delete(chat.id);
  $("no-chats").hidden = chats.size > 0;
  if (session.activeId === chat.id) {
    const next = chats.keys().next().value;
    if (next) activate(next); else { session.activeId = ""; $("empty-chat").hidden = false; }
  }
}
/** @param {import("./chat-view.js").Chat} chat */
export function updateChatState(chat) {
  const c = chat.conversation || {};
  const owner = c.owner || "";
  const supervisor = me.agent && me.agent.role === "supervisor";
  const canAct = chat.mine || (supervisor && owner === "agent");
  chat.title.textContent = visitorLabel(c.id ? c : { id: chat.id });
  chat.tabTitle.textContent = chat.title.textContent;
  chat.state.className = "state " + owner;
  chat.state.textContent = chat.mine ? "Yours" : owner === "agent" ? `With ${c.agent}` : owner === "queue" ? "Waiting" : owner === "triage" ? "Choosing department" : owner === "closed" ? "Closed" : owner === "bot" ? "With the bot" : "…";
  chat.claim.hidden = owner !== "queue";
  chat.transferBtn.hidden = !canAct;
  chat.close.hidden = !(canAct || owner === "queue" || owner === "triage");
  chat.handBack.hidden = !(canAct || owner === "queue" || owner === "triage");
  const replying = !chat.noteMode.checked;
  chat.input.disabled = replying && !canAct;
  chat.send.disabled = replying && !canAct;
  chat.attach.hidden = !canAct || chat.noteMode.checked; // files go to the visitor, never in a note
  chat.input.placeholder = replying && !canAct ? "Claim this chat to reply (internal notes are always possible)." : chat.noteMode.checked ? "Write an internal note (the visitor never sees it)…" : "Write a reply… (Enter sends, Shift+Enter for a new line)";
  chat.dismiss.hidden = chat.mine;
  if (!canAct) toggleTransfer(chat, false);
}

/** @param {import("./chat-view.js").Chat} chat */
function updateTab(chat) {
  chat.tabButton.classList.toggle("unread", chat.unread > 0);
  chat.tabTitle.textContent = visitorLabel(chat.conversation || { id: chat.id }) + (chat.unread ? ` (${chat.unread} new)` : "");
}

/** @param {import("./chat-view.js").Chat} chat */
function addSystem(chat, text) {
  chat.transcript.appendChild(el("div", { class: "msg system" }, text));
}

export function addMessage(id, m, live) {
  const chat = chats.get(id);
  if (!chat || (m.id && chat.messages.has(m.id))) return;
  const pendingRow = m.client_id && chat.transcript.querySelector(`[data-client="${CSS.escape(m.client_id)}"]`);
  if (pendingRow) { pendingRow.replaceWith(messageRow(m, chat.titles)); chat.messages.set(m.id, m); return; } // now with its time
  chat.messages.set(m.id, m);
  for (const q of m.quick_replies || []) chat.titles[q.payload] = q.title;
  const row = messageRow(m, chat.titles);
  let before = null; // keep the transcript in id order, even when a live event and a reload cross
  for (let node = chat.transcript.lastElementChild; node; node = node.previousElementSibling) {
    if (node.dataset.id && cmpId(node.dataset.id, m.id) > 0) before = node; else if (node.dataset.id) break;
  }
  chat.transcript.insertBefore(row, before);
  if (cmpId(m.id, chat.last) > 0) chat.last = m.id;
  chat.snippet.textContent = m.sender === "note" ? "Note" : m.file ? `File: ${m.file.name}` : m.sender === "visitor" ? shown(m.text, chat.titles) : m.text;
  if (m.sender === "visitor") { showVisitorTyping(chat, false); if (live) readNow(chat); }
  if (live && m.sender === "visitor" && session.activeId !== chat.id) { chat.unread++; updateTab(chat); }
  if (live && m.sender === "visitor" && (document.hidden || session.activeId !== chat.id) && chat.mine) beep();
  if (live && m.sender === "system" && m.custom) refreshConversation(chat);
  toEnd(chat);
}

/** @param {import("./chat-view.js").Chat} chat */
export async function attachFile(chat, file) {
  chat.error.textContent = "";
  const form = new FormData();
  form.append("conversation_id", chat.id);
  form.append("message_id", newMessageId("f"));
  form.append("file", file, file.name);
  let body;
  try {
    const response = await fetch("/api/agent/attachments", { method: "POST", body: form, headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN)}` } });
    body = await response.json();
  } catch (e) {
    body = { ok: false, error: { message: "The file could not be sent: the server could not be reached." } };
  }
  if (!body.ok) { chat.error.textContent = body.error.message; return; }
  addMessage(chat.id, body.message, false);
}

/** @param {import("./chat-view.js").Chat} chat */
export function showVisitorTyping(chat, on) {
  clearTimeout(chat.typingTimer);
  chat.typing.textContent = on ? "The visitor is typing…" : "";
  if (on) chat.typingTimer = setTimeout(() => showVisitorTyping(chat, false), 10000);
}
