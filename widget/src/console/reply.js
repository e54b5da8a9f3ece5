// Replying, internal notes, typing, hand-back, close and transfer in one chat.
import { toEnd } from "./chat-view.js";
import { refreshConversation } from "./chats.js";
import { call } from "./connection.js";
import { messageRow } from "./messages.js";
import { announce, deptTitle, me, newMessageId } from "./state.js";
import { el } from "../shared/dom.js";

/** @param {import("./chat-view.js").Chat} chat */
export async function submitReply(chat) {
  const text = chat.input.value.trim();
  if (!text) return;
  chat.error.textContent = "";
  if (chat.noteMode.checked) {
    const answer = await call("note", { conversation_id: chat.id, text });
    if (answer.ok) chat.input.value = ""; else chat.error.textContent = answer.error.message;
    return;
  }
  const reply = { conversation_id: chat.id, text, message_id: newMessageId("c") };
  chat.input.value = "";
  agentTyping(chat, false);
  chat.pending.push(reply);
  const row = messageRow({ sender: "agent", text, agent_name: me.agent.display_name });
  row.classList.add("pending");
  row.dataset.client = reply.message_id;
  chat.transcript.appendChild(row);
  toEnd(chat);
  await sendReply(chat, reply);
}

/** @param {import("./chat-view.js").Chat} chat */
async function sendReply(chat, reply) {
  const answer = await call("reply", reply);
  const row = /** @type {HTMLElement | null} */ (chat.transcript.querySelector(`[data-client="${CSS.escape(reply.message_id)}"]`));
  if (answer.ok) {
    chat.pending = chat.pending.filter((r) => r !== reply);
    if (row && !row.dataset.id) {
      if (chat.messages.has(answer.id)) row.remove(); // shown already (a reload crossed the ack)
      else { // stored: shown as stored, with its time (the id is the time it was stored, in ms)
        const m = { id: answer.id, sender: "agent", text: reply.text, agent_name: me.agent.display_name, ts: parseInt(answer.id, 10) / 1000 };
        row.replaceWith(messageRow(m));
        chat.messages.set(answer.id, m);
      }
    }
  } else if (answer.error.code !== "offline" && answer.error.code !== "timeout") {
    chat.pending = chat.pending.filter((r) => r !== reply);
    if (row) row.remove();
    chat.input.value = chat.input.value || reply.text;
    chat.error.textContent = answer.error.message;
  } // offline: sent again, with the same message_id, after the reconnect
}

/** @param {import("./chat-view.js").Chat} chat */
export function flushPending(chat) {
  for (const reply of [...chat.pending]) sendReply(chat, Object.assign(reply, { resend: true }));
}

/** @param {import("./chat-view.js").Chat} chat */
export function agentTyping(chat, on) {
  clearTimeout(chat.typingOff);
  if (!chat.mine || chat.noteMode.checked) return;
  if (on) {
    if (Date.now() - (chat.typingSent || 0) > 3000) { call("typing", { conversation_id: chat.id, on: true }); chat.typingSent = Date.now(); }
    chat.typingOff = setTimeout(() => agentTyping(chat, false), 4000);
  } else if (chat.typingSent) {
    call("typing", { conversation_id: chat.id, on: false });
    chat.typingSent = 0;
  }
}

/** @param {import("./chat-view.js").Chat} chat */
export async function act(chat, event, done) {
  chat.error.textContent = "";
  const answer = await call(event, { conversation_id: chat.id });
  if (!answer.ok) { chat.error.textContent = answer.error.message; return; }
  announce(done);
  await refreshConversation(chat);
}

/** @param {import("./chat-view.js").Chat} chat */
export async function toggleTransfer(chat, show = chat.transferForm.hidden) {
  chat.transferForm.hidden = !show;
  chat.transferBtn.setAttribute("aria-expanded", String(show));
  if (!show) return;
  const answer = await call("agents");
  const rank = { online: 0, away: 1, offline: 2 };
  const agents = (answer.ok ? answer.agents.filter((a) => a.name !== me.agent.name) : [])
    .sort((a, b) => rank[a.presence] - rank[b.presence] || a.display_name.localeCompare(b.display_name));
  const people = el("optgroup", { label: "Agents" },
    agents.map((a) => el("option", { value: `agent:${a.name}`, disabled: a.presence === "offline" || a.chats >= a.capacity },
      `${a.display_name} (${a.name}) — ${deptTitle(a.department)}, ${a.presence}, ${a.chats}/${a.capacity} chats`)));
  // who could answer in each department now (supervisors answer for every one)
  const online = (key) => agents.filter((a) => a.presence === "online" && (a.department === key || a.role === "supervisor")).length;
  const teams = el("optgroup", { label: "Departments (back to the queue)" },
    Object.keys(me.departments).map((key) => el("option", { value: `department:${key}` },
      `${me.departments[key]} — ${online(key) ? `${online(key)} online` : "nobody online"}`)));
  chat.transferTo.replaceChildren(people, teams);
  chat.transferTo.focus();
}

/** @param {import("./chat-view.js").Chat} chat */
export async function transfer(chat) {
  const [kind, target] = chat.transferTo.value.split(/:(.*)/);
  const payload = { conversation_id: chat.id, note: chat.transferNote.value.trim() };
  payload[kind === "agent" ? "to_agent" : "department"] = target;
  const answer = await call("transfer", payload);
  if (!answer.ok) { chat.error.textContent = answer.error.message; return; }
  chat.transferNote.value = "";
  toggleTransfer(chat, false);
  announce("Chat transferred.");
  await refreshConversation(chat);
}
