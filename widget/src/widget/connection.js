// The widget's connection: docs/protocol.md on the visitor namespace. Binds the socket to the
// session, replays the history, sends (and sends again, with the same id) what the bridge has
// not acknowledged, and turns server events into calls on the views.
import { io } from "socket.io-client";
import { WITH_PEOPLE } from "./store.js";

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./store.js").Outgoing} Outgoing */
/** @typedef {import("./views.js").Views} Views */
/** @typedef {import("./views.js").Net} Net */

// Frontdesk's extras (id, ts, sender, agent_name, custom, owner) may sit at the top level or, in
// the Rasa-compatible shape that rasa-webchat can also read, under `metadata`: accept both.
/** @param {any} m */
export const flat = (m) => (m && m.metadata && typeof m.metadata === "object" ? { ...m.metadata, ...m } : m);

/**
 * @param {string} server the bridge's origin
 * @param {Store} store
 * @param {() => Views} views late: the views are built with this connection's Net
 * @returns {Net & {socket: import("socket.io-client").Socket, start: () => void}}
 */
export function connect(server, store, views) {
  const { saved, live } = store;
  const socket = io(server, { autoConnect: false, reconnectionDelayMax: 5000 });
  let ready = false; // this connection is bound to our session
  let replaying = false;

  function sessionRequest() {
    let timezone = "";
    try { timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
    socket.emit("session_request", {
      session_id: saved.session || undefined, page_url: location.href, timezone,
      local_time: new Date().toString().slice(0, 100), language: navigator.language || "",
    });
  }

  /** @param {Outgoing} message @param {boolean} [resend] */
  function emitMessage(message, resend = false) {
    if (!ready) return; // sent (again, with the same id) once the session is confirmed
    socket.emit("user_uttered", {
      message: message.text, session_id: saved.session, message_id: message.id,
      metadata: { page_url: location.href }, resend, // a resend is looked up before it is stored
    });
  }

  // typing indicator, sent at most every 3 s while typing, and "off" after 4 s of quiet
  let typingSent = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typingTimer;
  /** @param {boolean} on */
  function typing(on) {
    clearTimeout(typingTimer);
    if (!ready || !WITH_PEOPLE.includes(live.owner)) return;
    if (on) {
      if (Date.now() - typingSent > 3000) { socket.emit("typing", { on: true }); typingSent = Date.now(); }
      typingTimer = setTimeout(() => typing(false), 4000);
    } else if (typingSent) {
      socket.emit("typing", { on: false });
      typingSent = 0;
    }
  }

  /** @param {File} file @param {string} id */
  async function upload(file, id) {
    const form = new FormData();
    form.append("message_id", id);
    form.append("file", file, file.name);
    try {
      const response = await fetch(server + "/api/attachments", { method: "POST", body: form, headers: { Authorization: "Bearer " + saved.session } });
      return await response.json();
    } catch (e) {
      return { ok: false, error: { message: "The file could not be sent; please try again." } };
    }
  }

  socket.on("connect", () => { views().offline(false); sessionRequest(); });
  socket.on("disconnect", () => { ready = false; views().offline(true); });
  socket.on("connect_error", () => { views().offline(true); });
  socket.on("session_confirm", (sid) => {
    const ui = views();
    const id = typeof sid === "string" ? sid : sid && sid.session_id;
    if (id !== saved.session) { // a new conversation: nothing of an old one applies
      const first = !saved.session; // but what was typed before the first answer is kept and sent
      if (!first) {
        store.save({ greeting: "", pending: [] });
        ui.reset();
      }
      store.save({ session: id, last: "" });
    }
    ready = true;
    const shown = ui.lastShown();
    replaying = !shown;
    ui.replaying(replaying);
    socket.emit("history", { session_id: id, after: shown });
    for (const message of saved.pending) {
      ui.showPending(message, false);
      emitMessage(message, true);
    }
  });
  socket.on("session_state", (s) => {
    const ui = views();
    if (s && s.conversation_id) store.save({ conversation: s.conversation_id }); // for support: "your chat id"
    if (s && s.owner) ui.setOwner(s.owner);
    if (s && s.site) ui.applySite(s.site);
    if (s && s.hours) ui.hours(s.hours, s.reply_seconds);
    if (s && s.files) ui.files(s.files);
  });
  socket.on("history", (data) => {
    for (const m of (data && data.messages) || []) views().show(flat(m), !replaying);
    if (data && data.more && data.last) { socket.emit("history", { session_id: data.session_id, after: data.last }); return; } // next page
    replaying = false;
    views().historyDone();
  });
  socket.on("bot_uttered", (m) => { views().showTyping(false); views().show(flat(m), true); });
  socket.on("visitor_uttered", (m) => views().show(flat(m), true)); // from any tab (this one: once, by id)
  socket.on("message_ack", (ack) => views().acked(ack.client_id, ack.id, ack.ts));
  socket.on("queue_position", (q) => views().queued(q));
  socket.on("agent_typing", (t) => views().showTyping(!!(t && t.on), t && t.agent_name));
  socket.on("bot_typing", (t) => views().showTyping(!!(t && t.on), "The assistant"));
  socket.on("agent_read", (r) => views().seen(r && r.message_id));
  socket.on("message_left", () => views().leave.done());
  socket.on("transcript_sent", (t) => views().mail.sent(t && t.email));
  socket.on("chat_error", (err) => {
    const ui = views();
    if (err.code === "with_person") { ui.leave.close(); return; } // a person answers live: nothing to leave
    if (err.event === "leave_message") { ui.leave.failed(err.message); return; }
    if (err.event === "email_transcript") { ui.mail.failed(err.message); return; }
    if (err.code === "no_session") { sessionRequest(); return; }
    // passing conditions (too fast; the bridge lost Redis for a moment): try again, keep the text
    if (err.code === "unavailable" && err.event === "session_request") { setTimeout(sessionRequest, 2000); return; }
    if (err.code === "rate_limited" || err.code === "unavailable") {
      setTimeout(() => saved.pending.forEach((m) => emitMessage(m)), err.code === "unavailable" ? 2000 : 5000);
    } else if (err.event === "user_uttered") { // refused for good: drop what was not stored
      ui.failed(saved.pending.map((m) => m.id));
      store.save({ pending: [] });
    }
    ui.error(err.message || "Something went wrong.");
  });

  // read marks: at most one a second, the newest
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let readTimer;
  let readId = "";
  /** @param {string} id */
  function read(id) {
    readId = id;
    readTimer = readTimer || setTimeout(() => { readTimer = undefined; if (ready) socket.emit("read", { session_id: saved.session, message_id: readId }); }, 1000);
  }

  // the browser knows before the socket does when the network goes away
  window.addEventListener("offline", () => { views().offline(true); socket.disconnect(); });
  window.addEventListener("online", () => { if (!socket.connected) socket.connect(); });

  return {
    socket,
    ready: () => ready,
    emitMessage,
    typing,
    upload,
    leaveMessage: (payload) => socket.emit("leave_message", payload),
    emailTranscript: (email) => socket.emit("email_transcript", { session_id: saved.session, email }),
    read,
    rejectAnswer: (messageId) => socket.emit("reject_answer", { session_id: saved.session, message_id: messageId }),
    start: () => socket.connect(),
  };
}
