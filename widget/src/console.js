// Frontdesk agent console (/console). Talks to the bridge's /agent namespace, where every
// request is answered by an acknowledgement (docs/protocol.md). All text goes in with
// textContent (through el()), never as HTML. Laid out as Rocket.Chat Livechat is: console/state.js
// (who is signed in, queues, chats), console/connection.js (the socket and its acknowledgements),
// one module per view (queues, chats, reply, canned, answers, tickets, teaching, insights, people, model).
import { beep } from "./console/alerts.js";
import { loadAnswers } from "./console/answers.js";
import { renderCanned } from "./console/canned.js";
import { PRESENCE, call, signOut, start } from "./console/connection.js";
import { showInsights, startInsights, stopInsights } from "./console/insights.js";
import { searchDepartments } from "./console/history.js";
import { forgetPassword, loadPeople } from "./console/people.js";
import { $, TOKEN, me } from "./console/state.js";
import { loadTeach } from "./console/teaching.js";
import { startModel, stopModel } from "./console/model.js";
import { loadTickets, ticketCount } from "./console/tickets.js";

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

$("logout").addEventListener("click", async () => {
  localStorage.setItem(PRESENCE, me.presence);
  await call("presence", { status: "offline" });
  const token = sessionStorage.getItem(TOKEN);
  try { // the session ends on the server too: the token is useless from now on
    await fetch("/api/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  } catch (e) { /* offline: the token still expires */ }
  signOut();
});

// --- views -------------------------------------------------------------------------------------

function showView(name) {
  for (const button of document.querySelectorAll("[data-view]")) {
    if (!(button instanceof HTMLElement)) continue;
    if (button.dataset.view === name) button.setAttribute("aria-current", "page"); else button.removeAttribute("aria-current");
  }
  for (const view of ["chats", "tickets", "search", "teach", "canned", "answers", "insights", "people", "model"]) $(`view-${view}`).hidden = view !== name;
  stopInsights();
  stopModel();
  forgetPassword(); // a new password is shown once
  if (name === "people") loadPeople();
  if (name === "tickets") { ticketCount(0); loadTickets(); }
  if (name === "search") { searchDepartments(); $("search-text").focus(); }
  if (name === "teach") loadTeach();
  if (name === "canned") renderCanned();
  if (name === "answers") loadAnswers();
  if (name === "insights") startInsights();
  if (name === "model") startModel();
}
for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-view]"))) {
  button.addEventListener("click", () => showView(button.dataset.view));
}

$("insights-refresh").addEventListener("click", () => showInsights());

// --- start -------------------------------------------------------------------------------------

const saved = sessionStorage.getItem(TOKEN);
if (saved) start(saved); else $("login-name").focus();
