// Frontdesk visitor widget: one tag on any page,
//   <script src="https://HOST/widget.js" data-title="…" data-color="#1f5f8b" async></script>
// Speaks docs/protocol.md on the visitor namespace. Everything people or the bot write is
// rendered with textContent: no HTML from the wire ever reaches the DOM.
import { io } from "socket.io-client";
import { el, svgIcon, textOn, inkOn } from "./dom.js";
import { widgetCss } from "./widget-css.js";

(function main() {
  if (window.Frontdesk) return; // the tag was included twice
  const script = document.currentScript;
  const opts = (script && script.dataset) || {};
  const server = opts.server || (script && script.src ? new URL(script.src, location.href).origin : location.origin);
  const isColor = (c) => /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(c || "");
  let title = opts.title || "Chat with us"; // the script tag wins; else the site pack's (session_state)
  const color = isColor(opts.color) ? opts.color : "#1f5f8b";
  const KEY = "frontdesk:" + server;
  const WITH_PEOPLE = ["triage", "queue", "agent"];

  // --- state kept across reloads: session id, last message id, unacknowledged messages -------
  const state = Object.assign({ session: "", last: "", pending: [], open: false }, load());
  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  // --- DOM (in a shadow root, so the host page's CSS and ours never mix) ---------------------
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
  const leave = leaveForm();
  const personBtn = el("button", { type: "button", class: "chip person" }, "Talk to a person");
  const leaveBtn = el("button", { type: "button", class: "chip", hidden: "" }, "Leave a message");
  const actions = el("div", { class: "actions" }, personBtn, leaveBtn);
  const input = el("textarea", { rows: "1", "aria-label": "Your message", maxlength: "2000", placeholder: "Type your message…", autocomplete: "off" });
  const sendBtn = el("button", { type: "submit", class: "send", "aria-label": "Send" }, svgIcon("send"));
  const fileInput = el("input", { type: "file", hidden: "", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf" });
  const attachBtn = el("button", { type: "button", class: "attach", "aria-label": "Send an image or a PDF", title: "Send an image or a PDF" }, svgIcon("clip"));
  const composer = el("form", { class: "composer" }, attachBtn, fileInput, input, sendBtn);
  const errorEl = el("div", { class: "error", role: "alert" });
  const mail = mailForm();
  log.appendChild(leave.form); // the form sits at the end of the conversation when shown
  panel.append(banner, log, queueBar, typingEl, mail.form, actions, errorEl, composer);

  const badge = el("span", { class: "badge", hidden: "", "aria-hidden": "true" });
  const launch = el("button", { type: "button", class: "launch", "aria-expanded": "false", "aria-controls": "fd-panel", "aria-label": "Open chat: " + title }, svgIcon("chat"), badge);
  root.append(panel, launch);
  shadow.appendChild(root);

  // --- opening and closing ----------------------------------------------------------------
  let unread = 0;
  function setOpen(open, focus = true) {
    state.open = open;
    save();
    panel.hidden = !open;
    root.classList.toggle("open", open);
    launch.setAttribute("aria-expanded", String(open));
    launch.setAttribute("aria-label", (open ? "Close chat: " : "Open chat: ") + title);
    launch.firstChild.replaceWith(svgIcon(open ? "close" : "chat")); // the launcher closes too
    if (open) {
      unread = 0;
      showBadge();
      attention(false);
      greet();
      scrollDown();
      // no keyboard popping up on phones: focus the input only with a mouse or a trackpad
      if (focus && !(window.matchMedia && matchMedia("(pointer: coarse)").matches)) input.focus();
    } else if (focus) {
      launch.focus();
    }
  }
  function showBadge() {
    badge.hidden = !unread;
    badge.textContent = unread > 9 ? "9+" : String(unread);
    if (unread && !state.open) launch.setAttribute("aria-label", `Open chat: ${title} (${unread} new)`);
  }
  launch.addEventListener("click", () => setOpen(!state.open));

  // --- drawing attention to a person's message while the chat is closed or the tab hidden ---
  const pageTitle = document.title;
  let blink = 0;
  function attention(on) {
    clearInterval(blink);
    blink = 0;
    document.title = pageTitle;
    if (!on) return;
    blink = setInterval(() => { document.title = document.title === pageTitle ? `(${Math.max(unread, 1)}) New message` : pageTitle; }, 1000);
    if (opts.sound === "on") beep();
  }
  function beep() { // a short tone, no audio file to fetch
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      gain.gain.value = 0.05;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (e) { /* no audio here */ }
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden && state.open) attention(false); });

  // --- greeting: what the assistant can do, and whether people are there now ----------------
  let hoursNow = null; // from session_state
  let site = {}; // the site pack's title, colour and greeting (session_state), below the tag's own
  function applySite(s) {
    site = s || {};
    if (!opts.title && site.title) {
      title = site.title;
      headTitle.textContent = title;
      panel.setAttribute("aria-label", title);
      launch.setAttribute("aria-label", (state.open ? "Close chat: " : "Open chat: ") + title);
    }
    if (!isColor(opts.color) && isColor(site.color)) style.textContent = widgetCss(site.color, textOn(site.color), inkOn(site.color));
  }
  let greeted = false;
  function greet() { // on first open of a new conversation, once the session (and the hours) are known
    if (greeted || !state.open) return;
    let text = state.greeting; // shown before: shown again after a reload, at the same place
    if (!text) {
      if (!hoursNow || state.last || byId.size || byClient.size) return;
      text = opts.greeting || site.greeting || "Hi! I'm the virtual assistant. Ask me a question, or talk to a person from our team.";
      if (!hoursNow.open) text += ` Nobody from our team is here right now${hoursNow.back ? `; we're back ${hoursNow.back}` : ""}. You can still leave a message.`;
      state.greeting = text;
      save();
    }
    greeted = true;
    const row = render({ sender: "bot", text }, "bot");
    row.className = "row greeting"; // looks like the bot's, is not a stored message
    row.dataset.id = "0-0"; // before every stored message; not stored itself
    log.insertBefore(row, log.firstChild);
  }
  closeBtn.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); setOpen(false); }
  });

  // --- the transcript -----------------------------------------------------------------------
  const byId = new Map(); // server message id -> row
  const byClient = new Map(); // client message id -> row (the visitor's own messages)
  const titles = { "/human_handoff": "Talk to a person", "/leave_message": "Leave a message" };
  let owner = "bot";
  let agentName = "";
  let replaying = false;
  let offerRow = null; // the latest offer to leave a message

  function cmp(a, b) { // stream ids "ms-seq"; rows without an id (not yet stored) sort last
    if (!a) return b ? 1 : 0;
    if (!b) return -1;
    const [a1, a2] = a.split("-").map(Number);
    const [b1, b2] = b.split("-").map(Number);
    return a1 - b1 || a2 - b2;
  }

  // cmp() sorts rows without an id last; the first stored message is the newest of all
  function newest(id) { return !state.last || cmp(id, state.last) > 0; }

  function place(row, id) {
    let before = null;
    for (let node = log.lastElementChild; node; node = node.previousElementSibling) {
      if (node === leave.form || cmp(node.dataset.id || "", id) > 0) before = node; else break;
    }
    log.insertBefore(row, before);
  }

  function show(msg, live) {
    if (msg.id && byId.has(msg.id)) return;
    const sender = msg.sender || "bot";
    if (sender === "visitor" && msg.client_id && byClient.has(msg.client_id)) {
      acked(msg.client_id, msg.id);
      return;
    }
    const row = render(msg, sender);
    if ((msg.custom || {}).leave_message) offerRow = row; // the form's explanation
    if (msg.id) { row.dataset.id = msg.id; byId.set(msg.id, row); }
    if (msg.client_id) byClient.set(msg.client_id, row);
    place(row, msg.id || "");
    if (sender === "visitor") clearQuickReplies(row);
    facts(msg, live);
    if (msg.id && newest(msg.id)) {
      state.last = msg.id;
      save();
      if (live && sender !== "visitor" && !state.open) { unread++; showBadge(); }
      if (live && sender === "agent" && (!state.open || document.hidden)) attention(true);
    }
    offersPerson();
    scrollDown();
  }

  // One "Talk to a person" at a time: the chip hides while the latest message offers the same.
  function offersPerson() {
    const groups = log.querySelectorAll(".replies");
    const last = groups[groups.length - 1];
    const offered = !!last && [...last.children].some((b) => b.dataset.payload === "/human_handoff");
    personBtn.hidden = WITH_PEOPLE.includes(owner) || offered;
  }

  function render(msg, sender) {
    const custom = msg.custom || {};
    const row = el("div", { class: "row " + sender });
    if (sender === "system") {
      row.classList.toggle("joined", !!custom.agent_joined);
      row.append(el("span", { class: "sr" }, "Notice: "), el("span", {}, msg.text || ""));
    } else {
      const who = sender === "visitor" ? "You" : sender === "agent" ? (msg.agent_name || "Agent") : "Assistant";
      if (sender !== "visitor") {
        row.appendChild(el("div", { class: "who" }, el("span", { class: "avatar", "aria-hidden": "true" }, sender === "agent" ? who.charAt(0).toUpperCase() : svgIcon("bot")), el("span", {}, who)));
      } else {
        row.appendChild(el("span", { class: "sr" }, "You: "));
      }
      const clicked = sender === "visitor" && /^\//.test(msg.text || "") && titles[msg.text];
      const text = clicked || msg.text;
      const file = fileView(msg.file);
      const bubble = el("div", { class: "bubble" + (file ? " file" : "") }, file || text || "");
      if (sender !== "visitor") bubble.prepend(el("span", { class: "sr" }, who + ": "));
      row.appendChild(bubble);
      const src = msg.attachment && msg.attachment.payload && msg.attachment.payload.src;
      if (!file && typeof src === "string" && /^(https?:|data:image\/)/.test(src)) {
        row.appendChild(el("img", { class: "image", src, alt: "Image from " + who }));
      }
    }
    if (msg.ts) {
      row.title = new Date(msg.ts * 1000).toLocaleString();
      if (sender !== "system") stamp(row, msg.ts);
    }
    const replies = msg.quick_replies || [];
    if (replies.length) {
      const group = el("div", { class: "replies", role: "group", "aria-label": "Suggested replies" });
      for (const q of replies) {
        titles[q.payload] = q.title;
        const b = el("button", { type: "button", class: "chip", "data-payload": q.payload }, q.title);
        b.addEventListener("click", () => quickReply(q));
        group.appendChild(b);
      }
      row.appendChild(group);
    }
    return row;
  }

  // A file: a thumbnail that opens the image, or a link that downloads the PDF (signed links
  // from the bridge; the name is text). Anything but an http(s) link is not followed.
  function fileView(f) {
    if (!f || typeof f.url !== "string" || !/^https?:\/\//.test(f.url)) return null;
    const size = f.size >= 1048576 ? (f.size / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(f.size / 1024)) + " KB";
    if (/^image\//.test(f.type)) {
      return el("a", { class: "file", href: f.url, target: "_blank", rel: "noopener noreferrer" }, el("img", { class: "thumb", src: f.url, alt: f.name }));
    }
    return el("a", { class: "file", href: f.url, download: f.name, rel: "noopener noreferrer" }, `PDF: ${f.name} (${size})`);
  }

  // --- files: checked here for size, by the bridge for size and type (by their bytes) --------
  let fileLimits = { max_bytes: 5242880 };
  attachBtn.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (file) sendFile(file);
  });
  async function sendFile(file) {
    if (file.size > fileLimits.max_bytes) {
      errorEl.textContent = `That file is too large: files can be at most ${(fileLimits.max_bytes / 1048576).toFixed(1)} MB.`;
      return;
    }
    if (!ready) { errorEl.textContent = "Not connected; please try again in a moment."; return; }
    errorEl.textContent = "";
    attachBtn.disabled = true;
    const form = new FormData();
    form.append("message_id", newId());
    form.append("file", file, file.name);
    let answer;
    try {
      const response = await fetch(server + "/api/attachments", { method: "POST", body: form, headers: { Authorization: "Bearer " + state.session } });
      answer = await response.json();
    } catch (e) {
      answer = { ok: false, error: { message: "The file could not be sent; please try again." } };
    }
    attachBtn.disabled = false;
    if (!answer.ok) { errorEl.textContent = answer.error.message; return; }
    if (owner === "closed") setOwner("bot"); // writing again reopens the chat
    show(answer.message, true);
  }

  function stamp(row, ts) { // the time, visible under the message
    const at = new Date(ts * 1000);
    row.insertBefore(el("time", { class: "ts", datetime: at.toISOString() }, at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })), row.querySelector(".replies"));
  }

  function clearQuickReplies(row) { // once the visitor answers, earlier suggestions are stale
    for (const group of log.querySelectorAll(".replies")) {
      if (row.compareDocumentPosition(group) & Node.DOCUMENT_POSITION_PRECEDING) group.remove();
    }
  }

  function facts(msg, live) { // machine-readable facts in `custom` move the widget's state
    const c = msg.custom || {};
    if (c.agent_joined) agentName = c.agent_joined;
    if (msg.sender === "agent" && msg.agent_name) agentName = msg.agent_name;
    if (!live) return;
    if (c.handoff) setOwner(c.handoff.department ? "queue" : "triage");
    if (c.queue || c.requeued) setOwner("queue");
    if (c.agent_joined) setOwner("agent");
    if (c.transfer) setOwner("queue"); // "agent_joined" follows when it went to a person
    if (c.handed_back) setOwner("bot");
    if (c.closed) setOwner("closed");
    if (c.leave_message === "no_agent" || c.leave_message === "closed_hours") nobody(); // offered, not opened
    if (c.ticket) { leave.close(); if (owner === "queue" || owner === "triage") setOwner("closed"); }
  }

  function setOwner(next) {
    owner = next;
    const people = WITH_PEOPLE.includes(owner);
    subtitle.textContent = owner === "agent" ? `Chatting with ${agentName || "our team"}`
      : owner === "queue" || owner === "triage" ? "Waiting for a person…"
      : owner === "closed" ? "Chat closed" : "Virtual assistant";
    personBtn.hidden = people;
    offersPerson();
    leaveBtn.hidden = !(owner === "queue" || owner === "triage");
    if (leaveBtn.hidden) leave.close(); // a person joined, the bot took over or the chat closed
    if (owner !== "queue") queueBar.hidden = true;
    if (owner !== "agent") showTyping(false);
    mail.show(owner === "closed");
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // --- sending ------------------------------------------------------------------------------
  let counter = 0;
  function newId() {
    return "w" + Date.now().toString(36) + "-" + (counter++).toString(36) + Math.random().toString(36).slice(2, 8);
  }

  function send(text) {
    if (owner === "closed" && !/^\/rate /.test(text)) setOwner("bot"); // writing again reopens the chat
    const message = { id: newId(), text };
    state.pending.push(message);
    save();
    show({ sender: "visitor", text, client_id: message.id }, true);
    byClient.get(message.id).classList.add("pending");
    emitMessage(message);
    typing(false);
    // "can I leave a message?" while waiting: the form, besides the message to the team (not
    // for "I don't want to leave a message"; focus stays in the chat box either way)
    if (!leaveBtn.hidden && /\bleave (a |you a |us a )?message\b/i.test(text)
        && !/(\bnot|n't|\bno|\bnever)\b.*\bleave\b/i.test(text)) leave.open(false);
  }

  function emitMessage(message, resend = false) {
    if (!ready) return; // sent (again, with the same id) once the session is confirmed
    socket.emit("user_uttered", {
      message: message.text, session_id: state.session, message_id: message.id,
      metadata: { page_url: location.href }, resend, // a resend is looked up before it is stored
    });
  }

  function acked(clientId, id, ts) {
    state.pending = state.pending.filter((m) => m.id !== clientId);
    save();
    const row = byClient.get(clientId);
    if (!row) return;
    row.classList.remove("pending");
    if (ts && !row.querySelector("time")) stamp(row, ts);
    if (id && !row.dataset.id) {
      row.dataset.id = id;
      byId.set(id, row);
      if (newest(id)) { state.last = id; save(); }
    }
  }

  function quickReply(q) {
    if (q.payload === "/leave_message") { leave.open(true); return; }
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
  input.addEventListener("input", () => typing(!!input.value.trim()));
  personBtn.addEventListener("click", () => { send("/human_handoff"); input.focus(); });
  leaveBtn.addEventListener("click", () => leave.open(true));

  // typing indicator, sent at most every 3 s while typing, and "off" after 4 s of quiet
  let typingSent = 0;
  let typingTimer = 0;
  function typing(on) {
    clearTimeout(typingTimer);
    if (!ready || !WITH_PEOPLE.includes(owner)) return;
    if (on) {
      if (Date.now() - typingSent > 3000) { socket.emit("typing", { on: true }); typingSent = Date.now(); }
      typingTimer = setTimeout(() => typing(false), 4000);
    } else if (typingSent) {
      socket.emit("typing", { on: false });
      typingSent = 0;
    }
  }
  let agentTypingTimer = 0;
  function showTyping(on, name) {
    clearTimeout(agentTypingTimer);
    typingEl.hidden = !on;
    typingEl.textContent = "";
    if (!on) return;
    typingEl.append(el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")), `${name || agentName || "Our team"} is typing…`);
    agentTypingTimer = setTimeout(() => showTyping(false), 10000);
  }

  // --- leave a message ------------------------------------------------------------------------
  function leaveForm() {
    const name = el("input", { id: "fd-l-name", autocomplete: "name", maxlength: "100", required: "" });
    const email = el("input", { id: "fd-l-email", type: "email", autocomplete: "email", required: "" });
    const text = el("textarea", { id: "fd-l-text", rows: "3", maxlength: "2000", required: "" });
    const error = el("p", { class: "error", role: "alert" });
    const submit = el("button", { type: "submit", class: "primary" }, "Send message");
    const cancel = el("button", { type: "button", class: "chip" }, "Cancel");
    const form = el("form", { class: "leave", hidden: "", "aria-labelledby": "fd-l-head" },
      el("h3", { id: "fd-l-head" }, "Leave us a message"),
      el("p", { class: "hint" }, "We'll answer by email as soon as we can."),
      el("label", { for: "fd-l-name" }, "Your name"), name,
      el("label", { for: "fd-l-email" }, "Email"), email,
      el("label", { for: "fd-l-text" }, "Message"), text,
      error, el("div", { class: "buttons" }, submit, cancel));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!ready) { error.textContent = "Not connected; please try again in a moment."; return; }
      if (!text.value.trim()) { error.textContent = "Please write a message."; return; }
      error.textContent = "";
      submit.disabled = true;
      socket.emit("leave_message", { name: name.value.trim(), email: email.value.trim(), text: text.value.trim() });
    });
    cancel.addEventListener("click", () => { api.close(); input.focus(); });
    const api = {
      form,
      open(focus) {
        form.hidden = false;
        if (focus) name.focus({ preventScroll: true });
        // in sight: the offer that explains the form, down to the form's first field; else the form from its top
        const top = (node) => node.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 8;
        const from = offerRow && offerRow.isConnected && top(name) + name.offsetHeight + 16 - top(offerRow) <= log.clientHeight ? offerRow : form;
        log.scrollTop = top(from);
      },
      close() { form.hidden = true; submit.disabled = false; },
      done() {
        const refocus = form.contains(shadow.activeElement);
        api.close();
        text.value = "";
        if (refocus) input.focus();
      },
      failed(message) { submit.disabled = false; error.textContent = message; },
    };
    return api;
  }

  // --- the transcript by email, offered when the chat is closed -----------------------------
  function mailForm() {
    const email = el("input", { id: "fd-t-email", type: "email", autocomplete: "email", required: "", placeholder: "you@example.org" });
    const submit = el("button", { type: "submit", class: "chip" }, "Email me the transcript");
    const note = el("p", { class: "hint", role: "status" });
    const form = el("form", { class: "mail", hidden: "" },
      el("label", { for: "fd-t-email" }, "Want a copy of this chat?"), el("div", { class: "buttons" }, email, submit), note);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!ready) { note.textContent = "Not connected; please try again in a moment."; return; }
      note.textContent = "Sending…";
      submit.disabled = true;
      socket.emit("email_transcript", { session_id: state.session, email: email.value.trim() });
    });
    return {
      form,
      show(on) { form.hidden = !on; },
      sent(to) { submit.disabled = false; note.textContent = `Sent to ${to}.`; },
      failed(message) { submit.disabled = false; note.textContent = message; },
    };
  }

  // --- the connection -----------------------------------------------------------------------
  const socket = io(server, { autoConnect: false, reconnectionDelayMax: 5000 });
  let ready = false; // this connection is bound to our session

  function sessionRequest() {
    let timezone = "";
    try { timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
    socket.emit("session_request", {
      session_id: state.session || undefined, page_url: location.href, timezone,
      local_time: new Date().toString().slice(0, 100), language: navigator.language || "",
    });
  }

  socket.on("connect", () => { banner.hidden = true; sessionRequest(); });
  socket.on("disconnect", () => { ready = false; banner.hidden = false; });
  socket.on("connect_error", () => { banner.hidden = false; });
  socket.on("session_confirm", (sid) => {
    const id = typeof sid === "string" ? sid : sid && sid.session_id;
    if (id !== state.session) { // a new conversation: nothing of an old one applies
      const first = !state.session; // but what was typed before the first answer is kept and sent
      state.session = id;
      state.last = "";
      if (!first) {
        state.greeting = "";
        greeted = false;
        state.pending = [];
        log.replaceChildren(leave.form);
        byId.clear();
        byClient.clear();
      }
      save();
    }
    ready = true;
    const shown = [...byId.keys()].sort(cmp).pop() || "";
    replaying = !shown;
    log.setAttribute("aria-busy", String(replaying));
    socket.emit("history", { session_id: id, after: shown });
    for (const message of state.pending) {
      if (!byClient.has(message.id)) { show({ sender: "visitor", text: message.text, client_id: message.id }, false); byClient.get(message.id).classList.add("pending"); }
      emitMessage(message, true);
    }
  });
  socket.on("session_state", (s) => {
    if (s && s.conversation_id) { state.conversation = s.conversation_id; save(); } // for support: "your chat id"
    if (s && s.owner) setOwner(s.owner);
    if (s && s.site) applySite(s.site);
    if (s && s.hours) { hoursNow = s.hours; greet(); }
    if (s && s.files) fileLimits = s.files;
  });
  // Frontdesk's extras (id, ts, sender, agent_name, custom) may sit at the top level or, in the
  // Rasa-compatible shape that rasa-webchat can also read, under `metadata`: accept both.
  const flat = (m) => (m && m.metadata && typeof m.metadata === "object" ? { ...m.metadata, ...m } : m);
  socket.on("history", (data) => {
    for (const m of (data && data.messages) || []) show(flat(m), !replaying);
    if (data && data.more && data.last) { socket.emit("history", { session_id: data.session_id, after: data.last }); return; } // next page
    replaying = false;
    log.setAttribute("aria-busy", "false");
    if (owner !== "agent") showTyping(false);
    mail.show(owner === "closed");
  });
  socket.on("bot_uttered", (m) => { showTyping(false); show(flat(m), true); });
  socket.on("message_ack", (ack) => acked(ack.client_id, ack.id, ack.ts));
  socket.on("queue_position", (q) => {
    setOwner("queue");
    // no place and no estimate when nobody can answer now: only that, and the offer of a message
    if (q.eta_seconds == null) { nobody(); return; }
    const minutes = Math.max(1, Math.round(q.eta_seconds / 60));
    queueBar.textContent = `${q.position === 1 ? "You're next" : `You're number ${q.position} in the queue`} · about ${minutes} min`;
    queueBar.hidden = false;
  });
  function nobody() {
    if (owner !== "queue") return;
    queueBar.textContent = "Nobody can answer right now. You can leave a message, or keep waiting here.";
    queueBar.hidden = false;
  }
  socket.on("agent_typing", (t) => showTyping(!!(t && t.on), t && t.agent_name));
  socket.on("bot_typing", (t) => showTyping(!!(t && t.on), "The assistant"));
  socket.on("message_left", () => leave.done());
  socket.on("transcript_sent", (t) => mail.sent(t && t.email));
  socket.on("chat_error", (err) => {
    if (err.event === "leave_message") { leave.failed(err.message); return; }
    if (err.event === "email_transcript") { mail.failed(err.message); return; }
    if (err.code === "no_session") { sessionRequest(); return; }
    // passing conditions (too fast; the bridge lost Redis for a moment): try again, keep the text
    if (err.code === "unavailable" && err.event === "session_request") { setTimeout(sessionRequest, 2000); return; }
    if (err.code === "rate_limited" || err.code === "unavailable") setTimeout(() => state.pending.forEach(emitMessage), err.code === "unavailable" ? 2000 : 5000);
    else if (err.event === "user_uttered") { // refused for good: drop what was not stored
      for (const m of state.pending) { const row = byClient.get(m.id); if (row) row.classList.add("failed"); }
      state.pending = [];
      save();
    }
    errorEl.textContent = err.message || "Something went wrong.";
  });

  // the browser knows before the socket does when the network goes away
  window.addEventListener("offline", () => { banner.hidden = false; socket.disconnect(); });
  window.addEventListener("online", () => { if (!socket.connected) socket.connect(); });

  (document.body || document.documentElement).appendChild(host);
  if (opts.open === "true" || state.open) setOpen(true, false);
  socket.connect();
  window.Frontdesk = { open: () => setOpen(true), close: () => setOpen(false), socket };
})();
