// The console's connection to the /agent namespace: every request is answered by an
// acknowledgement (docs/protocol.md); server events are handed to the views.
import { io } from "socket.io-client";
import { alertAgent, capWaiting, setupNotifyButton, showWaiting } from "./alerts.js";
import { answerChanged, showAnswersTab } from "./answers.js";
import { canned, fillCanned, loadCanned, renderCanned } from "./canned.js";
import { addMessage, assignedToMe, changed, openChat, released, showVisitorTyping } from "./chats.js";
import { stopInsights } from "./insights.js";
import { forgetPassword, setupPeople } from "./people.js";
import { notice, refreshQueue, renderQueues, setQueue, upsertQueued } from "./queues.js";
import { seen } from "./receipts.js";
import { $, REASONS, TOKEN, announce, chats, deptTitle, me, said, session } from "./state.js";
import { showTeachTab } from "./teaching.js";
import { loadTickets, ticketCount } from "./tickets.js";
import { fmtWait } from "../shared/time.js";

export function call(event, payload = {}) {
  return new Promise((resolve) => {
    if (!session.socket || !session.socket.connected) {
      resolve({ ok: false, error: { code: "offline", message: "Not connected; try again in a moment." } });
      return;
    }
    session.socket.timeout(15000).emit(event, payload, (err, answer) => {
      if (err) answer = { ok: false, error: { code: "timeout", message: "The server did not answer." } };
      if (!answer.ok && /^token_(expired|invalid)$|^auth_required$|^session_ended$/.test(answer.error.code)) signOut(answer.error.message);
      resolve(answer);
    });
  });
}



export function start(token) {
  $("login-view").hidden = true;
  $("app").hidden = false;
  setupNotifyButton();
  const socket = io("/agent", { auth: { token } });
  session.socket = socket;
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
  socket.on("queue", ({ department, length }) => {
    queueLengths[department] = length;
    capWaiting(Object.values(queueLengths).reduce((a, b) => a + b, 0)); // no more waiting than queued
    refreshQueue(department);
  });
  socket.on("reminder", (r) => { // once an interval, only while I can take a chat: one sound
    showWaiting(r.waiting || 1);
    const more = r.waiting > 1 ? `${r.waiting} chats waiting · longest: ` : "";
    alertAgent("Chat still waiting", `${more}${deptTitle(r.department)} · waiting ${fmtWait(r.waited_seconds)}`, "reminder", { quiet: false, count: false });
  });
  socket.on("waiting", (w) => showWaiting(w.waiting)); // Away or at capacity: the count, no noise
  socket.on("escalation", (r) => alertAgent("Escalation: chat waiting too long", `${deptTitle(r.department)} · waiting ${fmtWait(r.waited_seconds)}`, r.conversation_id));
  socket.on("assigned", ({ conversation_id }) => assignedToMe(conversation_id));
  socket.on("released", ({ conversation_id }) => released(conversation_id));
  socket.on("message", ({ conversation_id, message }) => addMessage(conversation_id, message, true));
  socket.on("conversation", ({ conversation }) => changed(conversation));
  socket.on("canned", ({ department, canned: list }) => {
    canned[department] = list;
    renderCanned();
    for (const chat of chats.values()) fillCanned(chat);
  });
  socket.on("answer", answerChanged);
  socket.on("visitor_read", ({ conversation_id, message_id }) => { const chat = chats.get(conversation_id); if (chat) seen(chat, message_id); });
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

/** @type {Record<string, number>} department -> length of its queue, as last told */
const queueLengths = {};
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
  me.topics = answer.topics || [];
  showTeachTab(!!answer.teach);
  const before = localStorage.getItem(PRESENCE);
  localStorage.removeItem(PRESENCE);
  if (answer.presence === "offline" && (before === "online" || before === "away")) {
    const restored = await call("presence", { status: before }); // as it was before signing out
    if (restored.ok) me.presence = restored.presence;
  }
  if (me.presence === "offline") notice("You are Offline: no chats are assigned to you. Change your status to receive chats.");
  $("me-name").textContent = `${answer.agent.display_name} · ${deptTitle(answer.agent.department)}${answer.agent.role === "supervisor" ? " · supervisor" : ""}`;
  $("presence").value = me.presence;
  $("model-tab").hidden = answer.agent.role !== "supervisor";
  for (const [department, waiting] of Object.entries(answer.queues)) setQueue(department, waiting);
  renderQueues();
  const mine = new Set(answer.chats);
  for (const id of mine) await openChat(id, { mine: true, focus: !session.activeId });
  for (const id of chats.keys()) if (!mine.has(id)) await openChat(id, { mine: false });
  loadCanned();
  setupPeople();
  showAnswersTab();
}

$("presence").addEventListener("change", async (e) => {
  const answer = await call("presence", { status: e.target.value });
  if (answer.ok) { me.presence = answer.presence; announce(`Status: ${answer.presence}`); } else e.target.value = me.presence;
});

export function signOut(message) {
  sessionStorage.removeItem(TOKEN);
  stopInsights();
  forgetPassword();
  if (session.socket) { session.socket.off(); session.socket.disconnect(); session.socket = null; }
  chats.clear();
  session.activeId = "";
  $("chat-pane").replaceChildren($("empty-chat"));
  $("chat-tabs").replaceChildren();
  $("app").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
  $("login-name").focus();
}

/** The status to restore at the next sign-in. */
export const PRESENCE = "frontdesk:presence";
