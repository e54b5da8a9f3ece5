// The console's shared state: who is signed in, the queues, the open chats, the socket.
import { buttonTitle, isPayload } from "../shared/text.js";
import { BUTTON_TITLES } from "../shared/wording.js";

/** @param {string} id @returns {any} an element of pages/console.html (there by construction) */
export const $ = (id) => document.getElementById(id);
export const TOKEN = "frontdesk:agent-token";
export const REASONS = {
  requested: "Asked for a person", low_confidence: "Bot unsure", out_of_scope: "Out of scope",
  bot_unavailable: "Bot unavailable", frustrated: "Visitor frustrated",
};
// A closed chat's tab leaves the list by itself after this long (`?linger_ms=` to change it).
export const CLOSED_LINGER_MS = Number(new URLSearchParams(globalThis.location?.search).get("linger_ms")) || 60000;
/** @type {{agent: any, departments: Record<string, string>, presence: string, topics: {intent: string, title: string}[]}} */
export const me = { agent: null, departments: {}, presence: "online", topics: [] };
/** @type {Record<string, any[]>} department -> [conversation summary, with `seenAt`] */
export const queues = {};
/** @type {Map<string, any>} conversation id -> chat (see buildChat) */
export const chats = new Map();
/** @type {{activeId: string, socket: import("socket.io-client").Socket | null, claiming: Set<string>}} claiming: chats this console is claiming by hand (no alert for those) */
export const session = { activeId: "", socket: null, claiming: new Set() };

let counter = 0;
/** @param {string} prefix a message id for a reply or a file, sent again unchanged after a reconnect */
export const newMessageId = (prefix) => `${prefix}${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** @param {string} key */
export const deptTitle = (key) => me.departments[key] || key || "—";
/** @param {any} c */
export const visitorLabel = (c) => (c && c.user_id ? `Visitor ${c.user_id}` : `Visitor ${(c && c.id || "").slice(0, 6)}`);
/** @param {string} text */
export const announce = (text) => { $("announcer").textContent = text; };

/**
 * A quick-reply payload shows as the button clicked; other text in quotes.
 * @param {string} text
 * @param {Record<string, string>} [titles] the chat's own buttons, then the bridge's
 */
export function said(text, titles = BUTTON_TITLES) {
  return isPayload(text) ? `Clicked “${buttonTitle(text, { ...BUTTON_TITLES, ...titles }, me.departments) || "a button"}”` : `“${text}”`;
}
/** @param {string} text @param {Record<string, string>} [titles] */
export const shown = (text, titles = BUTTON_TITLES) => (isPayload(text) ? said(text, titles) : text || "");
