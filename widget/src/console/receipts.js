// Seen receipts: the visitor is told how far the agent has read (the newest visitor message of
// a chat they have, in the active tab, while the page is shown; at most one mark a second per
// chat), and "Seen" goes under the last of the agent's messages the visitor has read.
import { call } from "./connection.js";
import { chats, session } from "./state.js";
import { el } from "../shared/dom.js";
import { cmpId } from "../shared/time.js";

/** @param {import("./chat-view.js").Chat} chat */
export function readNow(chat) {
  if (!chat.mine || session.activeId !== chat.id || document.hidden) return;
  const newest = [...chat.messages.values()].filter((m) => m.sender === "visitor" && m.id).map((m) => m.id).sort(cmpId).pop();
  if (!newest || cmpId(newest, chat.readSent || "") <= 0) return;
  chat.readSent = newest;
  chat.readTimer = chat.readTimer || setTimeout(() => {
    chat.readTimer = undefined;
    call("read", { conversation_id: chat.id, message_id: chat.readSent });
  }, 1000);
}

/** @param {import("./chat-view.js").Chat} chat @param {string} [id] the visitor read up to it */
export function seen(chat, id = chat.seenId) {
  if (!id) return;
  chat.seenId = id;
  const rows = [...chat.transcript.querySelectorAll(".msg.agent[data-id]")].filter((r) => cmpId(r.getAttribute("data-id") || "", id) <= 0);
  chat.seenEl = chat.seenEl || el("span", { class: "seen" }, "Seen");
  if (rows.length) rows[rows.length - 1].appendChild(chat.seenEl);
}

document.addEventListener("visibilitychange", () => {
  const chat = chats.get(session.activeId);
  if (chat) readNow(chat);
});
