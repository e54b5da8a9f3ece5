// Frontdesk agent console (/console). Talks to the bridge's /agent namespace, where every
// request is answered by an acknowledgement (docs/protocol.md). All text goes in with
// textContent (through el()), never as HTML.
import { io } from "socket.io-client";
import { el } from "./dom.js";
import { renderInsights } from "./insights.js";

const $ = (id) => document.getElementById(id);
const TOKEN = "frontdesk:agent-token";
const BASE_TITLE = "Frontdesk";
const REASONS = {
  requested: "Asked for a person", low_confidence: "Bot unsure", out_of_scope: "Out of scope",
  bot_unavailable: "Bot unavailable", frustrated: "Visitor frustrated",
};

const BUTTONS = {
  "/human_handoff": "Talk to a person", "/leave_message": "Leave a message",
  "/rate good": "Great", "/rate ok": "OK", "/rate poor": "Poor",
};
// A closed chat's tab leaves the list by itself after this long (`?linger_ms=` to change it).
const CLOSED_LINGER_MS = Number(new URLSearchParams(location.search).get("linger_ms")) || 60000;
const me = { agent: null, departments: {}, presence: "online" };
const queues = {}; // department -> [conversation summary, with `seenAt`]
const chats = new Map(); // conversation id -> chat (see openChat)
let activeId = "";
let socket = null;
let counter = 0;

// --- small helpers ---------------------------------------------------------------------------

function call(event, payload = {}) {
  return new Promise((resolve) => {
    if (!socket || !socket.connected) {
      resolve({ ok: false, error: { code: "offline", message: "Not connected; try again in a moment." } });
      return;
    }
    socket.timeout(15000).emit(event, payload, (err, answer) => {
      if (err) answer = { ok: false, error: { code: "timeout", message: "The server did not answer." } };
      if (!answer.ok && /^token_(expired|invalid)$|^auth_required$|^session_ended$/.test(answer.error.code)) signOut(answer.error.message);
      resolve(answer);
    });
  });
}

function fmtWait(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s < 3600 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
const fmtTime = (ts) => (ts ? new Date(ts * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "");
const deptTitle = (key) => me.departments[key] || key || "—";
const visitorLabel = (c) => (c && c.user_id ? `Visitor ${c.user_id}` : `Visitor ${(c && c.id || "").slice(0, 6)}`);
const announce = (text) => { $("announcer").textContent = text; };

function buttonTitle(text, titles = BUTTONS) { // the title of the button whose payload this is
  const department = /^\/department\s+(\w+)$/.exec(text);
  return titles[text] || BUTTONS[text] || (department && me.departments[department[1]]) || "a button";
}
function said(text, titles = BUTTONS) { // a quick-reply payload shows as the button clicked
  return /^\/\w/.test(text) ? `Clicked “${buttonTitle(text, titles)}”` : `“${text}”`;
}
const shown = (text, titles = BUTTONS) => (/^\/\w/.test(text || "") ? said(text, titles) : text || "");

function cmpId(a, b) {
  const [a1, a2] = (a || "0-0").split("-").map(Number);
  const [b1, b2] = (b || "0-0").split("-").map(Number);
  return a1 - b1 || a2 - b2;
}

function browserOf(ua = "") {
  const name = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome"
    : /Safari\//.test(ua) ? "Safari" : "";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows"
    : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  const version = (ua.match(/(?:Edg|Firefox|Chrome|Chromium|Version)\/(\d+)/) || [])[1] || "";
  return [name && `${name} ${version}`.trim(), os && `on ${os}`].filter(Boolean).join(" ") || ua || "—";
}

function visitorTime(visitor = {}) {
  if (visitor.timezone) {
    try {
      const now = new Date().toLocaleTimeString([], { timeZone: visitor.timezone, hour: "2-digit", minute: "2-digit" });
      return `${now} (${visitor.timezone})`;
    } catch (e) { /* unknown zone */ }
  }
  return visitor.local_time || "—";
}

// --- alerts: sound, desktop notification, title ------------------------------------------------

let audio = null;
let unseen = 0;
function beep() {
  if (me.presence === "offline") return; // Offline means: leave me alone
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
  } catch (e) { /* no audio here */ }
}

function alertAgent(title, body, tag) {
  beep();
  unseen++;
  document.title = `(${unseen}) New chat — ${BASE_TITLE}`;
  announce(`${title}: ${body}`);
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      const n = new Notification(title, { body, tag, renotify: true });
      n.onclick = () => { window.focus(); n.close(); };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }
}
function seen() { unseen = 0; document.title = BASE_TITLE; }
window.addEventListener("focus", seen);

function setupNotifyButton() {
  const button = $("notify-btn");
  button.hidden = !("Notification" in window) || Notification.permission !== "default";
  button.onclick = async () => {
    await Notification.requestPermission();
    button.hidden = Notification.permission !== "default";
  };
}

// --- sign in and out ---------------------------------------------------------------------------

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const error = $("login-error");
  error.textContent = "";
  try {
    const response = await fetch("/api/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: $("login-name").value.trim(), password: $("login-password").value }),
    });
    const body = await response.json();
    if (!body.ok) { error.textContent = body.error ? body.error.message : "Could not sign in."; return; }
    sessionStorage.setItem(TOKEN, body.token);
    $("login-password").value = "";
    beep(); // unlocks audio while we have a user gesture (quietly, once)
    start(body.token);
  } catch (err) {
    error.textContent = "The server could not be reached.";
  }
});

function signOut(message) {
  sessionStorage.removeItem(TOKEN);
  clearInterval(insightsTimer);
  if (socket) { socket.off(); socket.disconnect(); socket = null; }
  chats.clear();
  activeId = "";
  $("chat-pane").replaceChildren($("empty-chat"));
  $("chat-tabs").replaceChildren();
  $("app").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
  $("login-name").focus();
}
const PRESENCE = "frontdesk:presence"; // the status to restore at the next sign-in
$("logout").addEventListener("click", async () => {
  localStorage.setItem(PRESENCE, me.presence);
  await call("presence", { status: "offline" });
  const token = sessionStorage.getItem(TOKEN);
  try { // the session ends on the server too: the token is useless from now on
    await fetch("/api/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  } catch (e) { /* offline: the token still expires */ }
  signOut();
});

// --- connection ------------------------------------------------------------------------------

function start(token) {
  $("login-view").hidden = true;
  $("app").hidden = false;
  setupNotifyButton();
  socket = io("/agent", { auth: { token } });
  socket.on("connect", hello);
  socket.on("disconnect", (reason) => {
    $("conn-banner").hidden = false;
    if (reason === "io server disconnect") socket.connect(); // token check: refused -> sign in
  });
  socket.on("connect_error", (err) => {
    const code = (err.data && err.data.code) || (String(err.message).match(/auth_required|token_invalid|token_expired|session_ended/) || [])[0];
    if (code) signOut("Please sign in again.");
    else $("conn-banner").hidden = false;
  });
  socket.on("handoff", ({ conversation }) => {
    upsertQueued(conversation);
    if (!alerted(conversation.id)) {
      const h = conversation.handoff || {};
      alertAgent("New chat waiting", `${REASONS[h.reason] || "Handoff"} · ${deptTitle(conversation.department)}${h.text ? ` · ${said(h.text)}` : ""}`, conversation.id);
    }
  });
  socket.on("queue", ({ department }) => refreshQueue(department));
  socket.on("reminder", (r) => alertAgent("Chat still waiting", `${deptTitle(r.department)} · waiting ${fmtWait(r.waited_seconds)}`, r.conversation_id));
  socket.on("escalation", (r) => alertAgent("Escalation: chat waiting too long", `${deptTitle(r.department)} · waiting ${fmtWait(r.waited_seconds)}`, r.conversation_id));
  socket.on("assigned", ({ conversation_id }) => openChat(conversation_id, { mine: true, focus: !activeId }));
  socket.on("released", ({ conversation_id }) => released(conversation_id));
  socket.on("message", ({ conversation_id, message }) => addMessage(conversation_id, message, true));
  socket.on("conversation", ({ conversation }) => changed(conversation));
  socket.on("canned", ({ department, canned: list }) => {
    canned[department] = list;
    renderCanned();
    for (const chat of chats.values()) fillCanned(chat);
  });
  socket.on("visitor_typing", ({ conversation_id, on }) => {
    const chat = chats.get(conversation_id);
    if (chat) showVisitorTyping(chat, on);
  });
  socket.on("ticket", (t) => {
    ticketCount(1);
    announce(`New message left by ${t.name || "a visitor"}`);
    if (!$("view-tickets").hidden) loadTickets();
  });
}

const recentAlerts = new Map();
function alerted(id) { // supervisors get a handoff once per room they are in: alert once
  const now = Date.now();
  const last = recentAlerts.get(id) || 0;
  recentAlerts.set(id, now);
  return now - last < 3000;
}

async function hello() {
  $("conn-banner").hidden = true;
  const answer = await call("hello");
  if (!answer.ok) return;
  me.agent = answer.agent;
  me.departments = answer.departments;
  me.presence = answer.presence;
  const before = localStorage.getItem(PRESENCE);
  localStorage.removeItem(PRESENCE);
  if (answer.presence === "offline" && (before === "online" || before === "away")) {
    const restored = await call("presence", { status: before }); // as it was before signing out
    if (restored.ok) me.presence = restored.presence;
  }
  if (me.presence === "offline") notice("You are Offline: no chats are assigned to you. Change your status to receive chats.");
  $("me-name").textContent = `${answer.agent.display_name} · ${deptTitle(answer.agent.department)}${answer.agent.role === "supervisor" ? " · supervisor" : ""}`;
  $("presence").value = me.presence;
  for (const [department, waiting] of Object.entries(answer.queues)) setQueue(department, waiting);
  renderQueues();
  const mine = new Set(answer.chats);
  for (const id of mine) await openChat(id, { mine: true, focus: !activeId });
  for (const id of chats.keys()) if (!mine.has(id)) await openChat(id, { mine: false });
  loadCanned();
}

$("presence").addEventListener("change", async (e) => {
  const answer = await call("presence", { status: e.target.value });
  if (answer.ok) { me.presence = answer.presence; announce(`Status: ${answer.presence}`); } else e.target.value = me.presence;
});

// --- queues ----------------------------------------------------------------------------------

function setQueue(department, waiting) {
  const now = Date.now();
  queues[department] = waiting.map((c) => ({ ...c, seenAt: now }));
}

function upsertQueued(conversation) {
  const list = (queues[conversation.department] = queues[conversation.department] || []);
  const since = conversation.waiting_since || conversation.queued_at; // this stay in the queue
  const fresh = { ...conversation, seenAt: Date.now(), waited_seconds: conversation.waited_seconds ?? Math.max(0, Date.now() / 1000 - since) };
  const index = list.findIndex((c) => c.id === conversation.id);
  if (index >= 0) list[index] = fresh; else list.push(fresh); // its place comes with the server's next `queue` event
  renderQueues();
}

const refreshing = {};
function refreshQueue(department) {
  clearTimeout(refreshing[department]);
  refreshing[department] = setTimeout(async () => {
    const answer = await call("queue", { department });
    if (answer.ok) { setQueue(department, answer.waiting); renderQueues(); }
  }, 150);
}

const waitedNow = (c) => (c.waited_seconds || 0) + (Date.now() - c.seenAt) / 1000;

function renderQueues() {
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

function queueItem(c) {
  const h = c.handoff || {};
  const top = (h.intent_ranking || [])[0];
  const intent = top ? `${top.name} ${Math.round(top.confidence * 100)}%` : h.confidence ? `confidence ${Math.round(h.confidence * 100)}%` : "no intent";
  const waited = el("span", { class: "waited", "data-waited": "" }, fmtWait(waitedNow(c)));
  waited.conversation = c;
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
  for (const span of document.querySelectorAll("[data-waited]")) span.textContent = fmtWait(waitedNow(span.conversation));
}, 1000);

async function claimChat(id, button) {
  seen();
  if (button) button.disabled = true;
  const answer = await call("claim", { conversation_id: id });
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

function notice(text) { // a short visible message above the queues
  $("queue-error").textContent = text;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { $("queue-error").textContent = ""; }, 6000);
}

// --- chats -------------------------------------------------------------------------------------

function ensureChat(id, mine) {
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

async function openChat(id, { mine, focus } = {}) {
  const chat = ensureChat(id, mine);
  const answer = await call("open", { conversation_id: id });
  if (!answer.ok) { addSystem(chat, answer.error.message); return; }
  loaded(chat, answer);
  if (focus) activate(id);
}

function loaded(chat, answer) {
  chat.conversation = answer.conversation;
  if (answer.conversation.agent && me.agent) chat.mine = answer.conversation.agent === me.agent.name;
  for (const m of answer.messages) addMessage(chat.id, m, false);
  earlierButton(chat, answer.earlier);
  renderDetails(chat);
  updateChatState(chat);
  fillCanned(chat);
  flushPending(chat);
}

// `open` gives the latest page of a long transcript; earlier pages come on request, in order.
function earlierButton(chat, more) {
  if (!more) { if (chat.earlier) chat.earlier.remove(); chat.earlier = null; return; }
  if (!chat.earlier) {
    chat.earlier = el("button", { type: "button", class: "earlier" }, "Show earlier messages");
    chat.earlier.addEventListener("click", () => loadEarlier(chat));
  }
  chat.transcript.prepend(chat.earlier);
}

async function loadEarlier(chat) {
  const first = [...chat.messages.keys()].filter(Boolean).sort(cmpId)[0];
  const answer = await call("history", { conversation_id: chat.id, before: first });
  if (!answer.ok) { addSystem(chat, answer.error.message); return; }
  const keep = chat.transcript.scrollHeight - chat.transcript.scrollTop;
  for (const m of answer.messages) addMessage(chat.id, m, false);
  earlierButton(chat, answer.more);
  chat.transcript.scrollTop = chat.transcript.scrollHeight - keep; // stay where the agent was reading
}

function changed(conversation) { // a move or a rating: the tab and details follow at once
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

function released(id) {
  const chat = chats.get(id);
  if (!chat) return;
  chat.mine = false;
  updateChatState(chat);
  refreshConversation(chat);
}

async function refreshConversation(chat) {
  const answer = await call("open", { conversation_id: chat.id });
  if (answer.ok) { chat.conversation = answer.conversation; renderDetails(chat); updateChatState(chat); }
}

function activate(id) {
  activeId = id;
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
  if (chat) chat.transcript.scrollTop = chat.transcript.scrollHeight;
}

$("chat-tabs").addEventListener("keydown", (e) => { // arrow keys move between tabs (WAI-ARIA)
  const ids = [...chats.keys()];
  const at = ids.indexOf(document.activeElement && document.activeElement.dataset.conversation);
  if (at < 0) return;
  const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: ids.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  const id = ids[(next + ids.length) % ids.length];
  activate(id);
  chats.get(id).tabButton.focus();
});

function dismiss(chat) {
  clearTimeout(chat.lingerTimer);
  call("leave", { conversation_id: chat.id });
  chat.view.remove();
  chat.tab.remove();
  chats.delete(chat.id);
  $("no-chats").hidden = chats.size > 0;
  if (activeId === chat.id) {
    const next = chats.keys().next().value;
    if (next) activate(next); else { activeId = ""; $("empty-chat").hidden = false; }
  }
}

function buildChat(id) {
  const chat = { id, mine: false, conversation: null, messages: new Map(), pending: [], unread: 0, last: "", titles: { ...BUTTONS } };
  // tab
  chat.tabButton = el("button", { type: "button", role: "tab", "aria-selected": "false", "aria-controls": `chat-${id}`, "data-conversation": id });
  chat.tabTitle = el("span", {}, `Visitor ${id.slice(0, 6)}`);
  chat.snippet = el("span", { class: "snippet" });
  chat.tabButton.append(chat.tabTitle, chat.snippet);
  chat.tabButton.addEventListener("click", () => activate(id));
  chat.dismiss = el("button", { type: "button", "aria-label": "Close this tab", title: "Close this tab" }, "×");
  chat.dismiss.addEventListener("click", () => dismiss(chat));
  chat.tab = el("li", { class: "chat-tab", role: "presentation" }, chat.tabButton, chat.dismiss);

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
  chat.details = el("aside", { class: "details", "aria-label": "Visitor details" });
  chat.typing = el("p", { class: "typing", "aria-live": "polite" });

  // transfer form
  chat.transferTo = el("select", { id: `transfer-to-${id}` });
  chat.transferNote = el("textarea", { id: `transfer-note-${id}`, rows: "2", maxlength: "2000" });
  chat.transferForm = el("form", { class: "transfer", hidden: "" },
    el("label", { for: `transfer-to-${id}` }, "Transfer to"), chat.transferTo,
    el("label", { for: `transfer-note-${id}` }, "Note for the next person (agents only)"), chat.transferNote,
    el("div", { class: "reply-bar" }, el("button", { type: "submit", class: "primary" }, "Transfer"),
      el("button", { type: "button", "data-cancel": "" }, "Cancel")));
  chat.transferForm.addEventListener("submit", (e) => { e.preventDefault(); transfer(chat); });
  chat.transferForm.querySelector("[data-cancel]").addEventListener("click", () => toggleTransfer(chat, false));

  // reply box
  chat.input = el("textarea", { id: `reply-${id}`, rows: "3", maxlength: "2000", placeholder: "Write a reply… (Enter sends, Shift+Enter for a new line)" });
  chat.canned = el("select", { "aria-label": "Insert a canned response" });
  chat.noteMode = el("input", { type: "checkbox", id: `note-${id}` });
  chat.send = el("button", { type: "submit", class: "primary" }, "Send");
  chat.fileInput = el("input", { type: "file", hidden: "", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf", "data-attach": "" });
  chat.attach = el("button", { type: "button", title: "Send an image or a PDF to the visitor" }, "Attach file");
  chat.error = el("p", { class: "error", role: "alert" });
  chat.form = el("form", { class: "reply" },
    el("label", { for: `reply-${id}`, class: "sr" }, "Reply"), chat.input,
    el("div", { class: "reply-bar" }, chat.canned,
      el("label", {}, chat.noteMode, " Internal note (agents only)"), chat.attach, chat.fileInput, chat.send),
    chat.error);
  chat.attach.addEventListener("click", () => chat.fileInput.click());
  chat.fileInput.addEventListener("change", () => {
    const [file] = chat.fileInput.files;
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
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); chat.form.requestSubmit(); }
  });
  chat.input.addEventListener("input", () => agentTyping(chat, !!chat.input.value.trim()));
  chat.form.addEventListener("submit", (e) => { e.preventDefault(); submitReply(chat); });
  fillCanned(chat);

  chat.view = el("article", { class: "chat", id: `chat-${id}`, role: "tabpanel", "data-conversation": id, hidden: "" },
    el("header", { class: "chat-head" }, chat.title, chat.state, chat.claim, chat.transferBtn, chat.handBack, chat.close),
    chat.transcript, chat.details,
    el("div", { class: "bottom" }, chat.typing, chat.transferForm, chat.form));
  return chat;
}

function insertText(input, text) {
  const start = input.selectionStart ?? input.value.length;
  input.value = input.value.slice(0, start) + text + input.value.slice(input.selectionEnd ?? start);
  input.focus();
  input.selectionStart = input.selectionEnd = start + text.length;
}

function updateChatState(chat) {
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

function updateTab(chat) {
  chat.tabButton.classList.toggle("unread", chat.unread > 0);
  chat.tabTitle.textContent = visitorLabel(chat.conversation || { id: chat.id }) + (chat.unread ? ` (${chat.unread} new)` : "");
}

function addSystem(chat, text) {
  chat.transcript.appendChild(el("div", { class: "msg system" }, text));
}

function addMessage(id, m, live) {
  const chat = chats.get(id);
  if (!chat || (m.id && chat.messages.has(m.id))) return;
  const pendingRow = m.client_id && chat.transcript.querySelector(`[data-client="${CSS.escape(m.client_id)}"]`);
  if (pendingRow) { pendingRow.classList.remove("pending"); pendingRow.dataset.id = m.id; chat.messages.set(m.id, m); return; }
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
  if (m.sender === "visitor") showVisitorTyping(chat, false);
  if (live && m.sender === "visitor" && activeId !== chat.id) { chat.unread++; updateTab(chat); }
  if (live && m.sender === "visitor" && (document.hidden || activeId !== chat.id) && chat.mine) beep();
  if (live && m.sender === "system" && m.custom) refreshConversation(chat);
  chat.transcript.scrollTop = chat.transcript.scrollHeight;
}

function messageRow(m, titles = BUTTONS) {
  const who = { visitor: "Visitor", bot: "Assistant", agent: m.agent_name || "Agent", system: "", note: `Internal note · ${m.agent_name || "agent"}` }[m.sender] || m.sender;
  const row = el("div", { class: `msg ${m.sender}`, "data-id": m.id || "" });
  if (m.sender === "system") {
    row.append(el("span", { class: "sr" }, "System: "), m.text, m.ts ? ` · ${fmtTime(m.ts)}` : "");
    return row;
  }
  row.appendChild(el("span", { class: "who" },
    m.sender === "bot" ? el("span", { class: "tag" }, "BOT") : m.sender === "note" ? el("span", { class: "tag" }, "NOTE") : null,
    who, m.ts ? ` · ${fmtTime(m.ts)}` : ""));
  const clicked = m.sender === "visitor" && /^\/\w/.test(m.text || "");
  const file = fileView(m.file);
  row.appendChild(el("div", { class: "body" + (clicked ? " clicked" : "") + (file ? " file" : "") }, file || (clicked ? said(m.text, titles) : m.text || (m.sender === "note" ? "(transfer)" : ""))));
  if (m.quick_replies && m.quick_replies.length) {
    row.appendChild(el("div", { class: "chips" }, "Buttons: " + m.quick_replies.map((q) => q.title).join(" | ")));
  }
  return row;
}

// A file in a message: a thumbnail (image) or a download link (PDF), by a signed link from the
// bridge; the name is shown as text. Anything but an http(s) link is not followed.
function fileView(f) {
  if (!f || typeof f.url !== "string" || !/^https?:\/\//.test(f.url)) return null;
  const size = f.size >= 1048576 ? `${(f.size / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(f.size / 1024))} KB`;
  if (/^image\//.test(f.type)) {
    return el("a", { href: f.url, target: "_blank", rel: "noopener noreferrer", class: "attachment image" },
      el("img", { src: f.url, alt: `Image from the chat: ${f.name}`, class: "thumb" }), el("span", {}, `${f.name} · ${size}`));
  }
  return el("a", { href: f.url, download: f.name, rel: "noopener noreferrer", class: "attachment pdf" }, `PDF: ${f.name} · ${size}`);
}

async function attachFile(chat, file) {
  chat.error.textContent = "";
  const form = new FormData();
  form.append("conversation_id", chat.id);
  form.append("message_id", `f${Date.now().toString(36)}-${(counter++).toString(36)}`);
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

function showVisitorTyping(chat, on) {
  clearTimeout(chat.typingTimer);
  chat.typing.textContent = on ? "The visitor is typing…" : "";
  if (on) chat.typingTimer = setTimeout(() => showVisitorTyping(chat, false), 10000);
}

function renderDetails(chat) {
  const c = chat.conversation || {};
  const v = c.visitor || {};
  const h = c.handoff || {};
  const page = c.page_url && /^https?:/.test(c.page_url)
    ? el("a", { href: c.page_url, target: "_blank", rel: "noopener noreferrer" }, c.page_url) : c.page_url || "—";
  const ranking = (h.intent_ranking || []).length
    ? el("ol", {}, h.intent_ranking.map((i) => el("li", {}, `${i.name} — ${Math.round(i.confidence * 100)}%`)))
    : h.confidence ? `${Math.round(h.confidence * 100)}%` : "—";
  const rows = [
    ["Page", page], ["Visitor's local time", visitorTime(v)], ["Browser", browserOf(v.browser)],
    ["Language", v.language || "—"], ["Department", deptTitle(c.department)],
    ["Handoff reason", REASONS[h.reason] || h.reason || "—"], ["What they asked", h.text ? said(h.text, chat.titles) : "—"],
    ["Bot's top intents", ranking], ["Waited", c.waited_seconds != null ? fmtWait(c.waited_seconds) : "—"],
    ["Started", c.created_at ? new Date(c.created_at * 1000).toLocaleString() : "—"],
  ];
  if (c.rating) rows.push(["Rating", c.rating]);
  if (c.user_id) rows.push(["Verified user", c.user_id]);
  const dl = el("dl");
  for (const [label, value] of rows) dl.append(el("dt", {}, label), el("dd", { title: label === "Browser" ? v.browser || "" : null }, value));
  chat.details.replaceChildren(el("h2", {}, "Visitor"), dl);
}

// --- replying, notes, typing ----------------------------------------------------------------------

async function submitReply(chat) {
  const text = chat.input.value.trim();
  if (!text) return;
  chat.error.textContent = "";
  if (chat.noteMode.checked) {
    const answer = await call("note", { conversation_id: chat.id, text });
    if (answer.ok) chat.input.value = ""; else chat.error.textContent = answer.error.message;
    return;
  }
  const reply = { conversation_id: chat.id, text, message_id: `c${Date.now().toString(36)}-${(counter++).toString(36)}` };
  chat.input.value = "";
  agentTyping(chat, false);
  chat.pending.push(reply);
  const row = messageRow({ sender: "agent", text, agent_name: me.agent.display_name });
  row.classList.add("pending");
  row.dataset.client = reply.message_id;
  chat.transcript.appendChild(row);
  chat.transcript.scrollTop = chat.transcript.scrollHeight;
  await sendReply(chat, reply);
}

async function sendReply(chat, reply) {
  const answer = await call("reply", reply);
  const row = chat.transcript.querySelector(`[data-client="${CSS.escape(reply.message_id)}"]`);
  if (answer.ok) {
    chat.pending = chat.pending.filter((r) => r !== reply);
    if (row && !row.dataset.id) {
      if (chat.messages.has(answer.id)) row.remove(); // shown already (a reload crossed the ack)
      else { row.classList.remove("pending"); row.dataset.id = answer.id; chat.messages.set(answer.id, { id: answer.id }); }
    }
  } else if (answer.error.code !== "offline" && answer.error.code !== "timeout") {
    chat.pending = chat.pending.filter((r) => r !== reply);
    if (row) row.remove();
    chat.input.value = chat.input.value || reply.text;
    chat.error.textContent = answer.error.message;
  } // offline: sent again, with the same message_id, after the reconnect
}

function flushPending(chat) {
  for (const reply of [...chat.pending]) sendReply(chat, Object.assign(reply, { resend: true }));
}

function agentTyping(chat, on) {
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

async function act(chat, event, done) {
  chat.error.textContent = "";
  const answer = await call(event, { conversation_id: chat.id });
  if (!answer.ok) { chat.error.textContent = answer.error.message; return; }
  announce(done);
  await refreshConversation(chat);
}

async function toggleTransfer(chat, show = chat.transferForm.hidden) {
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

async function transfer(chat) {
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

// --- canned responses --------------------------------------------------------------------------

let canned = {}; // department -> {key: text}
async function loadCanned() {
  const departments = me.agent.role === "supervisor" ? Object.keys(me.departments) : [me.agent.department];
  for (const department of departments) {
    const answer = await call("canned", { department });
    if (answer.ok) canned[department] = answer.canned;
  }
  const select = $("canned-dept");
  if (!select.options.length) {
    select.replaceChildren(...departments.map((d) => el("option", { value: d }, deptTitle(d))));
    select.value = me.agent.department;
  }
  renderCanned();
  for (const chat of chats.values()) fillCanned(chat);
}

async function fillCanned(chat) {
  const department = (chat.conversation && chat.conversation.department) || (me.agent && me.agent.department);
  if (department && !canned[department] && socket && socket.connected) {
    canned[department] = {};
    const answer = await call("canned", { department });
    if (answer.ok) canned[department] = answer.canned;
  }
  const options = Object.entries(canned[department] || {});
  chat.canned.replaceChildren(el("option", { value: "" }, options.length ? "Canned responses…" : "No canned responses"),
    ...options.map(([key, text]) => el("option", { value: text }, `${key}: ${text.slice(0, 60)}`)));
}

function renderCanned() {
  const department = $("canned-dept").value;
  const supervisor = me.agent.role === "supervisor";
  $("canned-form").hidden = !supervisor;
  const list = $("canned-list");
  list.replaceChildren();
  const entries = Object.entries(canned[department] || {});
  if (!entries.length) list.appendChild(el("li", { class: "muted" }, "No canned responses for this department yet."));
  for (const [key, text] of entries) {
    const remove = supervisor ? el("button", { type: "button", class: "danger", "aria-label": `Delete ${key}` }, "Delete") : null;
    if (remove) remove.addEventListener("click", () => saveCanned({ department, key, delete: true }));
    list.appendChild(el("li", {}, el("span", { class: "key" }, key), el("span", { class: "text" }, text), remove));
  }
}

async function saveCanned(payload) {
  const answer = await call("canned_set", payload);
  if (!answer.ok) { $("canned-error").textContent = answer.error.message; return false; }
  $("canned-error").textContent = "";
  canned[payload.department] = answer.canned;
  renderCanned();
  for (const chat of chats.values()) fillCanned(chat);
  return true;
}
$("canned-dept").addEventListener("change", renderCanned);
$("canned-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const ok = await saveCanned({ department: $("canned-dept").value, key: $("canned-key").value.trim(), text: $("canned-text").value.trim() });
  if (ok) { $("canned-key").value = ""; $("canned-text").value = ""; }
});

// --- tickets -------------------------------------------------------------------------------------

let newTickets = 0;
function ticketCount(delta) {
  newTickets = delta ? newTickets + delta : 0;
  $("ticket-count").hidden = !newTickets;
  $("ticket-count").textContent = String(newTickets);
}

async function loadTickets(offset = 0) { // pages of 50, newest first; "Show older" for more
  const answer = await call("tickets", { offset });
  const box = $("tickets");
  if (!answer.ok) { box.replaceChildren(el("p", { class: "error" }, answer.error.message)); return; }
  const cards = answer.tickets.map(ticketCard);
  if (!offset) box.replaceChildren(...(cards.length ? cards : [el("p", { class: "muted" }, "No messages yet.")]));
  else { box.querySelector(".older")?.remove(); box.append(...cards); }
  if (answer.more) {
    const older = el("button", { type: "button", class: "older" }, "Show older messages");
    older.addEventListener("click", () => loadTickets(offset + answer.tickets.length));
    box.append(older);
  }
}

function ticketCard(t) {
  const text = el("textarea", { rows: "3", maxlength: "20000", "aria-label": `Reply to ${t.name || t.email}` });
  const error = el("p", { class: "error", role: "alert" });
  const form = el("form", {}, text, error, el("button", { type: "submit", class: "primary" }, "Send reply by email"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!text.value.trim()) return;
    const answer = await call("ticket_reply", { ticket_id: t.id, text: text.value.trim() });
    if (!answer.ok) { error.textContent = answer.error.message; return; }
    card.replaceWith(ticketCard(answer.ticket));
    announce("Reply sent by email.");
  });
  const card = el("article", { class: "ticket card", "data-ticket": t.id },
    el("h3", {}, `${t.name || "Visitor"} <${t.email}>`),
    el("p", { class: "muted" }, `${deptTitle(t.department)} · ${new Date(t.created_at * 1000).toLocaleString()} · ${t.status}`),
    el("p", { class: "message" }, t.message),
    ticketTranscript(t),
    (t.replies || []).map((r) => el("p", { class: "muted" }, `Replied by ${r.agent}: `, el("span", {}, r.text))),
    form);
  return card;
}
// A ticket lists the latest lines of its conversation; earlier ones are paged in on request
// (`ticket_transcript {before}`), 200 at a time, so no answer carries a whole long chat.
function ticketTranscript(t) {
  const lines = el("ol", { class: "transcript-mini" });
  const line = (m) => el("li", { "data-id": m.id || "" }, `${m.sender}: ${m.text}${m.cut ? " …" : ""}`);
  lines.append(...(t.transcript || []).map(line));
  const details = el("details", {}, el("summary", {}, "Transcript (latest messages)"));
  let first = (t.transcript || [])[0];
  if (t.transcript_more && first) {
    const earlier = el("button", { type: "button", class: "earlier" }, "Show earlier messages");
    earlier.addEventListener("click", async () => {
      const answer = await call("ticket_transcript", { ticket_id: t.id, before: first.id });
      if (!answer.ok) { earlier.replaceWith(el("p", { class: "error", role: "alert" }, answer.error.message)); return; }
      lines.prepend(...answer.messages.map(line));
      first = answer.messages[0] || first;
      if (!answer.more) earlier.remove();
    });
    details.append(earlier);
  }
  details.append(lines);
  return details;
}
$("tickets-refresh").addEventListener("click", () => loadTickets()); // not loadTickets(event): the event is no offset

// --- views -------------------------------------------------------------------------------------

let insightsTimer = 0;
function showView(name) {
  for (const button of document.querySelectorAll("[data-view]")) {
    if (button.dataset.view === name) button.setAttribute("aria-current", "page"); else button.removeAttribute("aria-current");
  }
  for (const view of ["chats", "tickets", "canned", "insights"]) $(`view-${view}`).hidden = view !== name;
  clearInterval(insightsTimer);
  if (name === "tickets") { ticketCount(0); loadTickets(); }
  if (name === "canned") renderCanned();
  if (name === "insights") { insights(); insightsTimer = setInterval(insights, 15000); }
}
for (const button of document.querySelectorAll("[data-view]")) button.addEventListener("click", () => showView(button.dataset.view));

async function figures() {
  const response = await fetch("/api/insights?days=14", {
    cache: "no-store", headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN) || ""}` },
  });
  const body = await response.json();
  if (response.status === 401) signOut(body.error && body.error.message);
  return body.ok ? body : null;
}

async function insights() {
  const [figs, answer] = await Promise.all([figures().catch(() => null), call("agents")]);
  if ($("app").hidden) return; // signed out meanwhile
  renderInsights($("insights"), { insights: figs, metrics: (figs && figs.metrics) || "", queues, agents: answer.ok ? answer.agents : [], departments: me.departments });
}
$("insights-refresh").addEventListener("click", insights);

// --- start -------------------------------------------------------------------------------------

const saved = sessionStorage.getItem(TOKEN);
if (saved) start(saved); else $("login-name").focus();
