// The widget's state: what survives a reload (session id, last message id, unacknowledged
// messages, open or not, the greeting shown) and who answers the conversation now, with
// subscribers told of every change. The reducers below are pure (tested in widget/test/).
import { cmpId, minutes } from "../shared/time.js";

/** @typedef {"bot" | "triage" | "queue" | "agent" | "closed"} Owner */
/** @typedef {{id: string, text: string}} Outgoing a visitor's message, until the bridge acknowledges it */
/**
 * @typedef {object} Saved
 * @property {string} session
 * @property {string} last the newest stored message id shown
 * @property {Outgoing[]} pending
 * @property {boolean} open
 * @property {string} [greeting]
 * @property {string} [conversation]
 */
/** @typedef {{owner: Owner, agentName: string}} Live */

export const OWNERS = ["bot", "triage", "queue", "agent", "closed"];
export const WITH_PEOPLE = ["triage", "queue", "agent"];

/**
 * @param {string} key the localStorage key (one per bridge)
 * @param {Pick<Storage, "getItem" | "setItem">} storage
 */
export function createStore(key, storage) {
  /** @type {Saved} */
  const saved = Object.assign({ session: "", last: "", pending: [], open: false }, load());
  /** @type {Live} */
  const live = { owner: "bot", agentName: "" };
  /** @type {Set<(changed: Partial<Live>) => void>} */
  const listeners = new Set();

  function load() {
    try { return JSON.parse(storage.getItem(key) || "null") || {}; } catch (e) { return {}; }
  }

  return {
    saved,
    live,
    /** @param {Partial<Saved>} [patch] */
    save(patch) {
      Object.assign(saved, patch);
      try { storage.setItem(key, JSON.stringify(saved)); } catch (e) { /* private mode */ }
    },
    /** @param {Partial<Live>} patch listeners hear of it even when nothing changed (the view redraws) */
    set(patch) {
      Object.assign(live, patch);
      for (const listener of listeners) listener(patch);
    },
    /** @param {(changed: Partial<Live>) => void} listener */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** @typedef {ReturnType<typeof createStore>} Store */

/**
 * Who answers after this live message: the bridge says so in `metadata.owner` (flattened to
 * `owner`) on every live message; anything else keeps the current owner.
 * @param {any} msg a message as the widget receives it (metadata flattened in)
 * @param {Owner} current
 * @returns {Owner}
 */
export function nextOwner(msg, current) {
  const told = (msg.metadata && msg.metadata.owner) || msg.owner;
  return OWNERS.includes(told) ? told : current;
}

/**
 * Orders transcript rows by stream id; rows without one (not yet stored) sort last.
 * @param {string} a
 * @param {string} b
 */
export function cmpRows(a, b) {
  if (!a) return b ? 1 : 0;
  if (!b) return -1;
  return cmpId(a, b);
}

/**
 * The header's second line; with the bot, how soon a person usually replies (measured), if known.
 * @param {Owner} owner @param {string} agentName @param {number | null} [usual] seconds
 */
export function subtitle(owner, agentName, usual) {
  return owner === "agent" ? `Chatting with ${agentName || "our team"}`
    : owner === "queue" || owner === "triage" ? "Waiting for a person…"
      : owner === "closed" ? "Chat closed"
        : "Virtual assistant" + (usual ? ` · a person usually replies in ${minutes(usual)} min` : "");
}

/**
 * The queue line, or null when nobody can answer now (no place and no estimate then). The
 * estimate counts down; once over it says "soon", once late (the bridge said it takes longer
 * than it should) no estimate at all.
 * @param {{position: number, eta_seconds?: number | null, late?: boolean}} q
 */
export function queueText(q) {
  if (q.eta_seconds == null) return null;
  const wait = q.late ? "sorry for the wait" : q.eta_seconds > 0 ? `about ${minutes(q.eta_seconds)} min` : "soon";
  return `${q.position === 1 ? "You're next" : `You're number ${q.position} in the queue`} · ${wait}`;
}

// The status line beside the bridge's one "nobody is online" message: it does not say it again.
export const NOBODY = "Waiting for someone from our team to come online.";

/**
 * The status while nobody can answer: outside opening hours, until when (not "keep waiting").
 * @param {{open: boolean, back?: string} | null} hours
 */
export function nobodyText(hours) {
  if (!hours || hours.open) return NOBODY;
  return `We're closed${hours.back ? ` until ${hours.back}` : ""}. You can leave a message and we'll reply by email.`;
}

/**
 * The greeting of a new conversation, with the opening hours when nobody is there.
 * @param {string} base the tag's, the site pack's or the default greeting
 * @param {{open: boolean, back?: string}} hours
 */
export function greeting(base, hours) {
  if (hours.open) return base;
  return `${base} Nobody from our team is here right now${hours.back ? `; we're back ${hours.back}` : ""}. You can still leave a message.`;
}

/**
 * "can I leave a message?" typed while waiting (not "I don't want to leave a message").
 * @param {string} text
 */
export const asksToLeaveMessage = (text) => /\bleave (a |you a |us a )?message\b/i.test(text)
  && !/(\bnot|n't|\bno|\bnever)\b.*\bleave\b/i.test(text);

let counter = 0;
/** A client message id, unique enough to be sent again after a reconnect without doubling. */
export function newId() {
  return "w" + Date.now().toString(36) + "-" + (counter++).toString(36) + Math.random().toString(36).slice(2, 8);
}
