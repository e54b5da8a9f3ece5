// The widget's DOM: the launcher and panel (in a shadow root, so the host page's CSS and ours
// never mix), the transcript, the composer. Everything people or the bot write goes in with
// textContent (through el()); links are followed only by the rules of shared/text.js.
import { el, svgIcon, takeFiles, textOn, inkOn } from "../shared/dom.js";
import { LEAVE_MESSAGE, TALK_TO_PERSON, BUTTON_TITLES } from "../shared/wording.js";
import { widgetCss } from "./css.js";
import { leaveForm, mailForm } from "./forms.js";
import { addThumbsDown } from "./feedback.js";
import { renderMessage, stamp } from "./message.js";
import { cmpId } from "../shared/time.js";
import {
  WITH_PEOPLE, nobodyText, cmpRows, nextOwner, subtitle as subtitleText, queueText, greeting as greetingText,
  asksToLeaveMessage, newId,
} from "./store.js";

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./store.js").Owner} Owner */
/** @typedef {import("./store.js").Outgoing} Outgoing */
/**
 * @typedef {object} Net what the views ask of the connection (filled in once it exists)
 * @property {() => boolean} ready
 * @property {(message: Outgoing, resend?: boolean) => void} emitMessage
 * @property {(on: boolean) => void} typing
 * @property {(payload: {name: string, email: string, text: string}) => void} leaveMessage
 * @property {(email: string) => void} emailTranscript
 * @property {(messageId: string) => void} rejectAnswer
 * @property {(messageId: string) => void} read this visitor has read up to that message
 * @property {(file: File, id: string) => Promise<any>} upload
 */
/**
 * @typedef {object} Options the script tag's data- attributes
 * @property {string} [title]
 * @property {string} [color]
 * @property {string} [greeting]
 * @property {string} [sound]
 * @property {string} [open]
 */

/** @param {unknown} c */
export const isColor = (c) => typeof c === "string" && /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(c);
const DEFAULT_GREETING = "Hi! I'm the virtual assistant. Ask me a question, or talk to a person from our team.";

/**
 * @param {Store} store
 * @param {Options} opts
 * @param {Net} net
 */
export function createViews(store, opts, net) {
  const { saved, live } = store;
  let title = opts.title || "Chat with us"; // the script tag wins; else the site pack's (session_state)
  const color = isColor(opts.color) ? /** @type {string} */ (opts.color) : "#1f5f8b";

  // --- the DOM ------------------------------------------------------------------------------
  const host = el("div", { id: "frontdesk-widget" });
  const shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  const style = shadow.appendChild(el("style", {}, widgetCss(color, textOn(color), inkOn(color))));

  const root = el("div", { class: "root" });
  const panel = el("section", { class: "panel", id: "fd-panel", role: "dialog", "aria-label": title, hidden: "" });
  const headTitle = el("h2", { class: "title" }, title);
  const subtitle = el("p", { class: "subtitle" }, "Virtual assistant");
  const closeBtn = el("button", { type: "button", class: "icon", "aria-label": "Close chat" }, svgIcon("close"));
  panel.appendChild(el("header", { class: "head" }, el("div", {}, headTitle, subtitle), closeBtn));

  const banner = el("div", { class: "banner", role: "status", hidden: "" }, "Reconnecting…");
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Conversation", tabindex: "0" });
  const queueBar = el("div", { class: "queue", role: "status", hidden: "" });
  const typingEl = el("div", { class: "typing", "aria-live": "polite", hidden: "" });
  const personBtn = el("button", { type: "button", class: "chip person" }, TALK_TO_PERSON.title);
  const leaveBtn = el("button", { type: "button", class: "chip", hidden: "" }, LEAVE_MESSAGE.title);
  const actions = el("div", { class: "actions" }, personBtn, leaveBtn);
  const input = el("textarea", { rows: "1", "aria-label": "Your message", maxlength: "2000", placeholder: "Type your message…", autocomplete: "off" });
  const sendBtn = el("button", { type: "submit", class: "send", "aria-label": "Send" }, svgIcon("send"));
  const fileInput = el("input", { type: "file", hidden: "", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf" });
  const attachBtn = el("button", { type: "button", class: "attach", "aria-label": "Send an image or a PDF", title: "Send an image or a PDF" }, svgIcon("clip"));
  const composer = el("form", { class: "composer" }, attachBtn, fileInput, input, sendBtn);
  const errorEl = el("div", { class: "error", role: "alert" });
  /** @type {HTMLElement | null} the latest offer to leave a message */
  let offerRow = null;
  const formHost = {
    log, shadow, input, offerRow: () => offerRow, ready: () => net.ready(),
    leaveMessage: (/** @type {any} */ p) => net.leaveMessage(p), emailTranscript: (/** @type {string} */ e) => net.emailTranscript(e),
  };
  const leave = leaveForm(formHost);
  const mail = mailForm(formHost);
  log.appendChild(leave.form); // the form sits at the end of the conversation when shown
  panel.append(banner, log, queueBar, typingEl, mail.form, actions, errorEl, composer);

  const badge = el("span", { class: "badge", hidden: "", "aria-hidden": "true" });
  const launch = el("button", { type: "button", class: "launch", "aria-expanded": "false", "aria-controls": "fd-panel", "aria-label": "Open chat: " + title }, svgIcon("chat"), badge);
  root.append(panel, launch);
  shadow.appendChild(root);

  // --- opening and closing ----------------------------------------------------------------
  let unread = 0;
  /** @param {boolean} open @param {boolean} [focus] */
  function setOpen(open, focus = true) {
    store.save({ open });
    panel.hidden = !open;
    root.classList.toggle("open", open);
    launch.setAttribute("aria-expanded", String(open));
    launch.setAttribute("aria-label", (open ? "Close chat: " : "Open chat: ") + title);
    /** @type {Element} */ (launch.firstChild).replaceWith(svgIcon(open ? "close" : "chat")); // the launcher closes too
    if (open) {
      unread = 0;
      showBadge();
      attention(false);
      greet();
      scrollDown();
      markRead();
      // no keyboard popping up on phones: focus the input only with a mouse or a trackpad
      if (focus && !(typeof window.matchMedia === "function" && matchMedia("(pointer: coarse)").matches)) input.focus();
    } else if (focus) {
      launch.focus();
    }
  }
  function showBadge() {
    badge.hidden = !unread;
    badge.textContent = unread > 9 ? "9+" : String(unread);
    if (unread && !saved.open) launch.setAttribute("aria-label", `Open chat: ${title} (${unread} new)`);
  }
  launch.addEventListener("click", () => setOpen(!saved.open));
  closeBtn.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); setOpen(false); }
  });

  // --- drawing attention to a person's message while the chat is closed or the tab hidden ---
  const pageTitle = document.title;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let blink;
  /** @param {boolean} on */
  function attention(on) {
    clearInterval(blink);
    blink = undefined;
    document.title = pageTitle;
    if (!on) return;
    blink = setInterval(() => { document.title = document.title === pageTitle ? `(${Math.max(unread, 1)}) New message` : pageTitle; }, 1000);
    if (opts.sound === "on") beep();
  }
  function beep() { // a short tone, no audio file to fetch
    try {
      const audio = new (window.AudioContext || /** @type {any} */ (window).webkitAudioContext)();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      gain.gain.value = 0.05;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (e) { /* no audio here */ }
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden && saved.open) attention(false); });

  // --- greeting: what the assistant can do, and whether people are there now ----------------
  /** @type {{open: boolean, back?: string} | null} from session_state */
  let hoursNow = null;
  /** @type {number | null} seconds a person usually takes to reply (measured), while open */
  let usual = null;
  /** @type {{title?: string, color?: string, greeting?: string}} the site pack's, below the tag's own */
  let site = {};
  /** @param {any} s */
  function applySite(s) {
    site = s || {};
    if (!opts.title && site.title) {
      title = site.title;
      headTitle.textContent = title;
      panel.setAttribute("aria-label", title);
      launch.setAttribute("aria-label", (saved.open ? "Close chat: " : "Open chat: ") + title);
    }
    if (!isColor(opts.color) && isColor(site.color)) {
      const c = /** @type {string} */ (site.color);
      style.textContent = widgetCss(c, textOn(c), inkOn(c));
    }
  }
  let greeted = false;
  function greet() { // on first open of a new conversation, once the session (and the hours) are known
    if (greeted || !saved.open) return;
    let text = saved.greeting; // shown before: shown again after a reload, at the same place
    if (!text) {
      if (!hoursNow || saved.last || byId.size || byClient.size) return;
      text = greetingText(opts.greeting || site.greeting || DEFAULT_GREETING, hoursNow);
      store.save({ greeting: text });
    }
    greeted = true;
    const row = renderMessage({ sender: "bot", text }, "bot", titles, quickReply);
    row.className = "row greeting"; // looks like the bot's, is not a stored message
    row.dataset.id = "0-0"; // before every stored message; not stored itself
    log.insertBefore(row, log.firstChild);
  }

  // --- the transcript -----------------------------------------------------------------------
  /** @type {Map<string, HTMLElement>} server message id -> row */
  const byId = new Map();
  /** @type {Map<string, HTMLElement>} client message id -> row (the visitor's own messages) */
  const byClient = new Map();
  /** @type {Record<string, string>} payload -> title: the bridge's buttons, then the ones shown */
  const titles = { ...BUTTON_TITLES };

  /** @param {string} id the first stored message is the newest of all */
  const newest = (id) => !saved.last || cmpRows(id, saved.last) > 0;

  /** @param {HTMLElement} row @param {string} id */
  function place(row, id) {
    /** @type {HTMLElement | null} */
    let before = null;
    for (let node = /** @type {HTMLElement | null} */ (log.lastElementChild); node; node = /** @type {HTMLElement | null} */ (node.previousElementSibling)) {
      if (node === leave.form || cmpRows(node.dataset.id || "", id) > 0) before = node; else break;
    }
    log.insertBefore(row, before);
  }

  /** @param {any} msg @param {boolean} live */
  function show(msg, live) {
    if (msg.id && byId.has(msg.id)) return;
    const sender = msg.sender || "bot";
    if (sender === "visitor" && msg.client_id && byClient.has(msg.client_id)) {
      acked(msg.client_id, msg.id, msg.ts);
      return;
    }
    const row = renderMessage(msg, sender, titles, quickReply);
    if ((msg.custom || {}).leave_message) offerRow = row; // the form's explanation
    if (msg.id) { row.dataset.id = msg.id; byId.set(msg.id, row); }
    if (msg.client_id) byClient.set(msg.client_id, row);
    place(row, msg.id || "");
    if (sender === "visitor") clearQuickReplies(row);
    if (sender === "bot") addThumbsDown(row, msg, net.rejectAnswer);
    if (sender === "agent" && msg.id && cmpId(msg.id, agentLast) > 0) { agentLast = msg.id; markRead(); }
    facts(msg, live);
    if (msg.id && newest(msg.id)) {
      store.save({ last: msg.id });
      if (live && sender !== "visitor" && !saved.open) { unread++; showBadge(); }
      if (live && sender === "agent" && (!saved.open || document.hidden)) attention(true);
    }
    offers();
    scrollDown();
  }

  const waits = () => live.owner === "queue" || live.owner === "triage";
  // One "Talk to a person" at a time: the chip hides while the latest message offers the same.
  // One "Leave a message": the latest offer's button, else the chip; none once nobody waits
  // (a person joined, the bot took over, the chat closed): earlier offers lose their button.
  function offers() {
    const groups = log.querySelectorAll(".replies");
    const last = groups[groups.length - 1];
    const offered = !!last && [...last.children].some((b) => /** @type {HTMLElement} */ (b).dataset.payload === TALK_TO_PERSON.payload);
    personBtn.hidden = WITH_PEOPLE.includes(live.owner) || offered;
    const leaves = [...log.querySelectorAll(`.replies [data-payload="${LEAVE_MESSAGE.payload}"]`)];
    leaves.forEach((b, i) => {
      if (waits() && i === leaves.length - 1) return;
      const group = b.parentElement;
      b.remove();
      if (group && !group.children.length) group.remove();
    });
    leaveBtn.hidden = !waits() || leaves.length > 0;
    if (!waits()) leave.close(); // a person joined, the bot took over or the chat closed
  }

  /** @param {HTMLElement} row once the visitor answers, earlier suggestions are stale */
  function clearQuickReplies(row) {
    for (const group of log.querySelectorAll(".replies")) {
      if (row.compareDocumentPosition(group) & Node.DOCUMENT_POSITION_PRECEDING) group.remove();
    }
  }

  /** @param {any} msg @param {boolean} isLive machine-readable facts move the widget's state */
  function facts(msg, isLive) {
    const c = msg.custom || {};
    let agentName = live.agentName;
    if (c.agent_joined) agentName = c.agent_joined;
    if (msg.sender === "agent" && msg.agent_name) agentName = msg.agent_name;
    // A replayed history names the agent after the owner was known (a reload): say it now.
    if (agentName !== live.agentName) store.set({ agentName });
    if (c.ticket && typeof c.email === "string") mail.prefill(c.email);
    if (!isLive) return;
    if (c.ticket) leave.close();
    const owner = nextOwner(msg, live.owner);
    if (owner !== live.owner || c.agent_joined || c.handoff || c.queue || c.requeued || c.transfer || c.handed_back || c.closed) {
      store.set({ owner });
    }
    if (c.leave_message === "no_agent" || c.leave_message === "closed_hours") nobody(); // offered, not opened
  }

  // Who answers changed (or was said again): the header, the chips, the forms follow.
  store.subscribe(() => {
    const owner = live.owner;
    subtitle.textContent = subtitleText(owner, live.agentName, usual);
    offers();
    if (owner !== "queue") queueBar.hidden = true;
    if (owner !== "agent") showTyping(false);
    mail.show(owner === "closed");
  });
  /** @param {Owner} owner */
  const setOwner = (owner) => store.set({ owner });

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  /** @param {{position: number, eta_seconds?: number | null, late?: boolean}} q */
  function queued(q) {
    setOwner("queue");
    const text = queueText(q);
    if (text === null) { nobody(); return; } // only that, and the offer of a message
    queueBar.textContent = text;
    queueBar.hidden = false;
  }
  function nobody() {
    if (live.owner !== "queue") return;
    queueBar.textContent = nobodyText(hoursNow);
    queueBar.hidden = false;
  }

  // --- sending ------------------------------------------------------------------------------
  /** @param {string} text */
  function send(text) {
    if (live.owner === "closed" && !/^\/rate /.test(text)) setOwner("bot"); // writing again reopens the chat
    const message = { id: newId(), text };
    store.save({ pending: [...saved.pending, message] });
    showPending(message, true);
    net.emitMessage(message);
    net.typing(false);
    // "can I leave a message?" while waiting: the form, besides the message to the team (focus stays in the chat box)
    if (waits() && asksToLeaveMessage(text)) leave.open(false);
  }

  /** @param {Outgoing} message @param {boolean} isLive */
  function showPending(message, isLive) {
    if (byClient.has(message.id)) return;
    show({ sender: "visitor", text: message.text, client_id: message.id }, isLive);
    /** @type {HTMLElement} */ (byClient.get(message.id)).classList.add("pending");
  }

  /** @param {string} clientId @param {string} [id] @param {number} [ts] */
  function acked(clientId, id, ts) {
    store.save({ pending: saved.pending.filter((m) => m.id !== clientId) });
    const row = byClient.get(clientId);
    if (!row) return;
    row.classList.remove("pending");
    if (ts && !row.querySelector("time")) stamp(row, ts);
    if (id && !row.dataset.id) {
      row.dataset.id = id;
      byId.set(id, row);
      if (newest(id)) store.save({ last: id });
    }
  }

  /** @param {{payload: string, title: string}} q */
  function quickReply(q) {
    if (q.payload === LEAVE_MESSAGE.payload) { if (waits()) leave.open(true); return; }
    send(q.payload);
    input.focus();
  }

  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (text.length > 2000) { errorEl.textContent = "That message is too long (2,000 characters at most)."; return; }
    errorEl.textContent = "";
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit ? composer.requestSubmit() : sendBtn.click(); }
  });
  input.addEventListener("input", () => net.typing(!!input.value.trim()));
  personBtn.addEventListener("click", () => { send(TALK_TO_PERSON.payload); input.focus(); });
  leaveBtn.addEventListener("click", () => leave.open(true));

  // --- files: checked here for size, by the bridge for size and type (by their bytes) --------
  let fileLimits = { max_bytes: 5242880 };
  attachBtn.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (file) sendFile(file);
  });
  takeFiles(panel, input, sendFile); // a pasted screenshot, a dropped file
  /** @param {File} file */
  async function sendFile(file) {
    if (file.size > fileLimits.max_bytes) {
      errorEl.textContent = `That file is too large: files can be at most ${(fileLimits.max_bytes / 1048576).toFixed(1)} MB.`;
      return;
    }
    if (!net.ready()) { errorEl.textContent = "Not connected; please try again in a moment."; return; }
    errorEl.textContent = "";
    attachBtn.disabled = true;
    const answer = await net.upload(file, newId());
    attachBtn.disabled = false;
    if (!answer.ok) { errorEl.textContent = answer.error.message; return; }
    if (live.owner === "closed") setOwner("bot"); // writing again reopens the chat
    show(answer.message, true);
  }

  // --- seen receipts: the agent's newest message is read while the panel is open and shown;
  // "Seen" goes under the last of the visitor's messages the agent has read
  let agentLast = "";
  let readSent = "";
  const seenEl = el("span", { class: "seen" }, "Seen");
  function markRead() {
    if (saved.open && !document.hidden && cmpId(agentLast, readSent) > 0) net.read(readSent = agentLast);
  }
  document.addEventListener("visibilitychange", markRead);

  // --- typing -------------------------------------------------------------------------------
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let agentTypingTimer;
  /** @param {boolean} on @param {string} [name] */
  function showTyping(on, name) {
    clearTimeout(agentTypingTimer);
    typingEl.hidden = !on;
    typingEl.textContent = "";
    if (!on) return;
    typingEl.append(el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")), `${name || live.agentName || "Our team"} is typing…`);
    agentTypingTimer = setTimeout(() => showTyping(false), 10000);
  }

  // What the connection drives.
  return {
    host, setOpen, show, showPending, acked, queued, nobody, showTyping, applySite, setOwner, leave, mail,
    /** @param {boolean} on */
    offline(on) { banner.hidden = !on; },
    /** @param {string} id the agent has read up to this message */
    seen(id) {
      const rows = [...byId].filter(([rid, r]) => r.classList.contains("visitor") && cmpId(rid, id) <= 0).sort((a, b) => cmpId(a[0], b[0]));
      if (rows.length) rows[rows.length - 1][1].appendChild(seenEl);
    },
    /** @param {string} text */
    error(text) { errorEl.textContent = text; },
    /** @param {{open: boolean, back?: string}} hours @param {number | null} [reply] */
    hours(hours, reply) {
      hoursNow = hours;
      usual = hours.open && reply ? reply : null;
      subtitle.textContent = subtitleText(live.owner, live.agentName, usual);
      greet();
    },
    /** @param {{max_bytes: number}} limits */
    files(limits) { fileLimits = limits; },
    /** A new conversation: nothing of the old one is shown. */
    reset() {
      greeted = false;
      agentLast = readSent = "";
      log.replaceChildren(leave.form);
      byId.clear();
      byClient.clear();
    },
    /** The newest stored message shown: history starts after it. */
    lastShown: () => [...byId.keys()].sort(cmpRows).pop() || "",
    /** @param {boolean} on while the history of this session is replayed */
    replaying(on) { log.setAttribute("aria-busy", String(on)); },
    historyDone() {
      log.setAttribute("aria-busy", "false");
      if (live.owner !== "agent") showTyping(false);
      mail.show(live.owner === "closed");
    },
    /** @param {string[]} ids the visitor's messages refused for good */
    failed(ids) { for (const id of ids) { const row = byClient.get(id); if (row) row.classList.add("failed"); } },
  };
}

/** @typedef {ReturnType<typeof createViews>} Views */
