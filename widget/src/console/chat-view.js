// One chat's DOM: the tab, the header's buttons, the transcript, the details, the reply box.
import { fillCanned, slashSearch } from "./canned.js";
import { activate, attachFile, dismiss, updateChatState } from "./chats.js";
import { historyPanel } from "./history.js";
import { tagsPanel } from "./tags.js";
import { claimChat } from "./queues.js";
import { act, agentTyping, submitReply, toggleTransfer, transfer } from "./reply.js";
import { teachFirstControl } from "./teaching.js";
import { el, takeFiles } from "../shared/dom.js";
import { BUTTON_TITLES } from "../shared/wording.js";

/**
 * One open chat: its state, and the elements the other modules update.
 * @typedef {object} Chat
 * @property {string} id the conversation id
 * @property {boolean} mine this agent owns it
 * @property {any} conversation the server's summary (`open`, `conversation` events)
 * @property {Map<string, any>} messages shown, by id
 * @property {any[]} pending replies not yet acknowledged (sent again after a reconnect)
 * @property {number} unread
 * @property {string} last the newest message id shown
 * @property {Record<string, string>} titles payload -> button title, for the visitor's clicks
 * @property {HTMLButtonElement} tabButton
 * @property {HTMLSpanElement} tabTitle
 * @property {HTMLSpanElement} snippet
 * @property {HTMLButtonElement} dismiss
 * @property {HTMLLIElement} tab
 * @property {HTMLHeadingElement} title
 * @property {HTMLSpanElement} state
 * @property {HTMLButtonElement} claim
 * @property {HTMLButtonElement} transferBtn
 * @property {HTMLButtonElement} handBack
 * @property {HTMLButtonElement} close
 * @property {HTMLDivElement} transcript
 * @property {boolean} pinned the transcript is read at its end (images loading keep it there)
 * @property {number} [autoTop] where `toEnd` last scrolled the transcript to
 * @property {HTMLElement} details
 * @property {HTMLElement} past the visitor's earlier visits (console/history.js)
 * @property {HTMLElement} tags the chat's tags (console/tags.js)
 * @property {HTMLParagraphElement} typing
 * @property {HTMLSelectElement} transferTo
 * @property {HTMLTextAreaElement} transferNote
 * @property {HTMLFormElement} transferForm
 * @property {HTMLTextAreaElement} input
 * @property {HTMLSelectElement} canned
 * @property {(e: KeyboardEvent) => boolean} [slashKey] the "/" search's keys (canned.js)
 * @property {HTMLInputElement} noteMode
 * @property {HTMLButtonElement} send
 * @property {HTMLInputElement} fileInput
 * @property {HTMLButtonElement} attach
 * @property {HTMLParagraphElement} error
 * @property {HTMLFormElement} form
 * @property {HTMLElement} view
 * @property {HTMLButtonElement | null} [earlier]
 * @property {ReturnType<typeof setTimeout>} [typingTimer] the visitor's typing indicator
 * @property {ReturnType<typeof setTimeout>} [typingOff] this agent's "stopped typing"
 * @property {number} [typingSent]
 * @property {string} [readSent] the newest visitor message marked read (receipts.js)
 * @property {ReturnType<typeof setTimeout>} [readTimer]
 * @property {string} [seenId] the visitor has read up to it
 * @property {HTMLSpanElement} [seenEl]
 * @property {ReturnType<typeof setTimeout>} [lingerTimer] a closed chat's tab goes by itself
 */

/** Show the end of the transcript (the latest message), and keep it there as images load.
 * @param {Chat} chat */
export function toEnd(chat) {
  const t = chat.transcript;
  t.scrollTop = t.scrollHeight;
  chat.autoTop = t.scrollTop;
  chat.pinned = true;
}

/** @param {string} id a conversation id */
export function buildChat(id) {
  /** @type {Chat} */
  const chat = /** @type {any} */ ({ id, mine: false, conversation: null, messages: new Map(), pending: [], unread: 0, last: "", titles: { ...BUTTON_TITLES } });
  // tab
  chat.tabButton = el("button", { type: "button", role: "tab", "aria-selected": "false", "aria-controls": `chat-${id}`, "data-conversation": id });
  chat.tabTitle = el("span", {}, `Visitor ${id.slice(0, 6)}`);
  chat.snippet = el("span", { class: "snippet" });
  chat.tabButton.append(chat.tabTitle, chat.snippet);
  chat.tabButton.addEventListener("click", () => activate(id));
  // A tab list holds tabs only: closing a tab is a button of its panel (and Delete on the tab).
  chat.dismiss = el("button", { type: "button", class: "dismiss", "aria-label": "Close this tab", title: "Close this tab" }, "×");
  chat.dismiss.addEventListener("click", () => dismiss(chat));
  chat.tabButton.addEventListener("keydown", (e) => {
    if (e.key === "Delete" && !chat.dismiss.hidden) { e.preventDefault(); dismiss(chat); }
  });
  chat.tab = el("li", { class: "chat-tab", role: "presentation" }, chat.tabButton);

  // header
  chat.title = el("h2", {}, `Visitor ${id.slice(0, 6)}`);
  chat.state = el("span", { class: "state" });
  chat.claim = el("button", { type: "button", class: "primary" }, "Claim");
  chat.transferBtn = el("button", { type: "button", "aria-expanded": "false" }, "Transfer…");
  chat.handBack = el("button", { type: "button" }, "Hand back to bot");
  chat.close = el("button", { type: "button", class: "danger" }, "Close chat");
  chat.claim.addEventListener("click", () => claimChat(id, chat.claim));
  chat.transferBtn.addEventListener("click", () => toggleTransfer(chat));
  chat.handBack.addEventListener("click", () => act(chat, "hand_back", "Handed back to the bot."));
  chat.close.addEventListener("click", () => act(chat, "close", "Chat closed; the visitor was asked for a rating."));

  chat.transcript = el("div", { class: "transcript", role: "log", "aria-live": "polite", "aria-label": "Transcript", tabindex: "0" });
  // An image loads after its row was placed and grows the transcript: one read to the end stays
  // at the end (the latest message, e.g. a transfer note, in view); one read higher up stays put.
  // A scroll event comes a frame late, perhaps after an image grew the transcript: one at the
  // place this code scrolled to is not the agent's, and leaves the transcript pinned.
  chat.pinned = true;
  chat.transcript.addEventListener("scroll", () => {
    const t = chat.transcript;
    if (t.scrollTop === chat.autoTop) return;
    chat.pinned = t.scrollHeight - t.scrollTop - t.clientHeight < 48;
  });
  chat.transcript.addEventListener("load", () => { if (chat.pinned) toEnd(chat); }, true); // load does not bubble: caught on its way down
  chat.details = el("aside", { class: "details", "aria-label": "Visitor details" });
  chat.past = historyPanel();
  chat.tags = tagsPanel(chat);
  chat.typing = el("p", { class: "typing", "aria-live": "polite" });

  // transfer form
  chat.transferTo = el("select", { id: `transfer-to-${id}` });
  chat.transferNote = el("textarea", { id: `transfer-note-${id}`, rows: "2", maxlength: "2000" });
  const cancel = el("button", { type: "button", "data-cancel": "" }, "Cancel");
  chat.transferForm = el("form", { class: "transfer", hidden: "" },
    el("label", { for: `transfer-to-${id}` }, "Transfer to"), chat.transferTo,
    el("label", { for: `transfer-note-${id}` }, "Note for the next person (agents only)"), chat.transferNote,
    el("div", { class: "reply-bar" }, el("button", { type: "submit", class: "primary" }, "Transfer"),
      cancel));
  chat.transferForm.addEventListener("submit", (e) => { e.preventDefault(); transfer(chat); });
  cancel.addEventListener("click", () => toggleTransfer(chat, false));

  // reply box
  chat.input = el("textarea", { id: `reply-${id}`, rows: "3", maxlength: "2000", placeholder: "Write a reply… (Enter sends, Shift+Enter for a new line, / for canned responses)" });
  chat.canned = el("select", { "aria-label": "Insert a canned response" });
  chat.noteMode = el("input", { type: "checkbox", id: `note-${id}` });
  chat.send = el("button", { type: "submit", class: "primary" }, "Send");
  chat.fileInput = el("input", { type: "file", hidden: "", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf", "data-attach": "" });
  chat.attach = el("button", { type: "button", title: "Send an image or a PDF to the visitor" }, "Attach file");
  chat.error = el("p", { class: "error", role: "alert" });
  chat.form = el("form", { class: "reply" },
    el("label", { for: `reply-${id}`, class: "sr" }, "Reply"), slashSearch(chat), chat.input,
    el("div", { class: "reply-bar" }, chat.canned,
      el("label", {}, chat.noteMode, " Internal note (agents only)"), chat.attach, chat.fileInput, chat.send),
    chat.error);
  chat.attach.addEventListener("click", () => chat.fileInput.click());
  chat.fileInput.addEventListener("change", () => {
    const [file] = chat.fileInput.files || [];
    chat.fileInput.value = "";
    if (file) attachFile(chat, file);
  });
  chat.canned.addEventListener("change", () => {
    if (chat.canned.value) insertText(chat.input, chat.canned.value);
    chat.canned.value = "";
  });
  chat.noteMode.addEventListener("change", () => {
    chat.form.classList.toggle("note-mode", chat.noteMode.checked);
    chat.send.textContent = chat.noteMode.checked ? "Add note" : "Send";
    updateChatState(chat);
  });
  chat.input.addEventListener("keydown", (e) => {
    if (chat.slashKey && chat.slashKey(e)) { e.stopPropagation(); return; }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); chat.form.requestSubmit(); }
  });
  chat.input.addEventListener("input", () => agentTyping(chat, !!chat.input.value.trim()));
  chat.form.addEventListener("submit", (e) => { e.preventDefault(); submitReply(chat); });
  fillCanned(chat);

  chat.view = el("section", { class: "chat", id: `chat-${id}`, role: "tabpanel", "data-conversation": id, hidden: "" },
    el("header", { class: "chat-head" }, chat.title, chat.state, chat.claim, chat.transferBtn, chat.handBack, chat.close, chat.dismiss),
    chat.transcript, chat.details,
    el("div", { class: "bottom" }, chat.typing, chat.transferForm, chat.form, teachFirstControl(id)));
  takeFiles(chat.view, chat.input, (file) => { // pasted or dropped: as with "Attach file"
    if (chat.attach.hidden) chat.error.textContent = "Files go to the visitor: claim the chat, and not in an internal note.";
    else attachFile(chat, file);
  });
  return chat;
}

function insertText(input, text) {
  const start = input.selectionStart ?? input.value.length;
  input.value = input.value.slice(0, start) + text + input.value.slice(input.selectionEnd ?? start);
  input.focus();
  input.selectionStart = input.selectionEnd = start + text.length;
}
