// Frontdesk visitor widget: one <script src=".../widget.js" async> tag on any page.
// Everything people type is shown with textContent, never as HTML.
import { io } from "socket.io-client";

const script = document.currentScript;
const opts = (script && script.dataset) || {};
const server = opts.server || (script && script.src ? new URL(script.src).origin : location.origin);
const title = opts.title || "Chat with us";
const color = opts.color || "#1f5f8b";
const KEY = "frontdesk:" + server;

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function load() {
  try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
}
function save(state) {
  try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
}

const state = load();
const seen = new Set();
const root = el("div", { class: "fd-root" });
const css = `.fd-root{position:fixed;right:16px;bottom:16px;z-index:2147483000;font:15px/1.4 system-ui,sans-serif}
.fd-launch{background:${color};color:#fff;border:0;border-radius:24px;padding:12px 18px;cursor:pointer;font:inherit}
.fd-panel{display:none;flex-direction:column;width:min(360px,calc(100vw - 32px));height:min(520px,calc(100vh - 96px));background:#fff;color:#111;border:1px solid #ccc;border-radius:10px;box-shadow:0 4px 24px #0003;margin-bottom:8px;overflow:hidden}
.fd-open .fd-panel{display:flex}.fd-head{background:${color};color:#fff;padding:10px 12px;font-weight:600;display:flex;justify-content:space-between}
.fd-head button{background:none;border:0;color:#fff;font:inherit;cursor:pointer}
.fd-log{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:6px}
.fd-msg{max-width:85%;padding:7px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}
.fd-visitor{align-self:flex-end;background:${color};color:#fff}.fd-bot{align-self:flex-start;background:#eef1f4}
.fd-agent{align-self:flex-start;background:#e6f4ea}.fd-system{align-self:center;background:none;color:#444;font-size:13px;text-align:center}
.fd-who{display:block;font-size:12px;color:#444;margin-bottom:2px}.fd-qr{display:flex;flex-wrap:wrap;gap:6px}
.fd-qr button,.fd-person{border:1px solid ${color};background:#fff;color:${color};border-radius:14px;padding:4px 10px;cursor:pointer;font:inherit;font-size:13px}
.fd-status{font-size:12px;color:#444;padding:0 10px}.fd-form{display:flex;border-top:1px solid #ddd}
.fd-form input{flex:1;border:0;padding:10px;font:inherit}.fd-form button{border:0;background:${color};color:#fff;padding:0 14px;font:inherit;cursor:pointer}`;
root.appendChild(el("style", {}, css));

const panel = el("div", { class: "fd-panel", role: "dialog", "aria-label": title });
const head = el("div", { class: "fd-head" });
head.appendChild(el("span", {}, title));
const close = el("button", { type: "button", "aria-label": "Close chat" }, "×");
head.appendChild(close);
const log = el("div", { class: "fd-log", role: "log", "aria-live": "polite" });
const status = el("div", { class: "fd-status", "aria-live": "polite" });
const person = el("button", { type: "button", class: "fd-person" }, "Talk to a person");
const form = el("form", { class: "fd-form" });
const input = el("input", { type: "text", "aria-label": "Your message", maxlength: "2000", placeholder: "Type your message…" });
form.appendChild(input);
form.appendChild(el("button", { type: "submit" }, "Send"));
panel.append(head, log, status, el("div", { class: "fd-status" }), form);
panel.children[3].appendChild(person);
const launch = el("button", { type: "button", class: "fd-launch", "aria-expanded": "false" }, title);
root.append(panel, launch);

function setOpen(open) {
  root.classList.toggle("fd-open", open);
  launch.setAttribute("aria-expanded", String(open));
  if (open) input.focus(); else launch.focus();
}
launch.addEventListener("click", () => setOpen(!root.classList.contains("fd-open")));
close.addEventListener("click", () => setOpen(false));

function show(msg) {
  if (msg.id && seen.has(msg.id)) return;
  if (msg.id) seen.add(msg.id);
  const sender = msg.sender || "bot";
  const bubble = el("div", { class: "fd-msg fd-" + sender });
  const who = sender === "agent" ? (msg.agent_name || "Agent") : sender === "bot" ? "Assistant" : "";
  if (who) bubble.appendChild(el("span", { class: "fd-who" }, who));
  bubble.appendChild(document.createTextNode(msg.text || ""));
  log.appendChild(bubble);
  if (msg.quick_replies && msg.quick_replies.length) {
    const qr = el("div", { class: "fd-qr" });
    for (const q of msg.quick_replies) {
      const b = el("button", { type: "button" }, q.title);
      b.addEventListener("click", () => send(q.payload, q.title));
      qr.appendChild(b);
    }
    log.appendChild(qr);
  }
  if (msg.id && (!state.last || msg.id > state.last)) { state.last = msg.id; save(state); }
  log.scrollTop = log.scrollHeight;
}

const socket = io(server, { transports: ["websocket", "polling"] });
let counter = 0;

function send(text, shown) {
  const id = Date.now().toString(36) + "-" + (counter++) + "-" + Math.random().toString(36).slice(2, 8);
  show({ sender: "visitor", text: shown || text, id: "local:" + id });
  socket.emit("user_uttered", { message: text, session_id: state.session, message_id: id, metadata: { page_url: location.href } });
}

socket.on("connect", () => { status.textContent = ""; socket.emit("session_request", { session_id: state.session }); });
socket.on("disconnect", () => { status.textContent = "Reconnecting…"; });
socket.on("session_confirm", (sid) => {
  const id = typeof sid === "string" ? sid : sid && sid.session_id;
  if (id !== state.session) { state.session = id; state.last = ""; save(state); }
  socket.emit("history", { session_id: id, after: log.children.length ? state.last : "" });
});
socket.on("history", (data) => { for (const m of data.messages || []) show(m); });
socket.on("bot_uttered", show);
socket.on("message_ack", (ack) => { seen.add(ack.id); });
socket.on("chat_error", (err) => { status.textContent = err.message; });

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text);
});
person.addEventListener("click", () => send("/human_handoff", "Talk to a person"));

(document.body || document.documentElement).appendChild(root);
if (opts.open === "true") setOpen(true);
window.Frontdesk = { open: () => setOpen(true), socket };
