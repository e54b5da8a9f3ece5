// Messages left by visitors (tickets), answered by email.
import { call } from "./connection.js";
import { $, announce, deptTitle, shown } from "./state.js";
import { el } from "../shared/dom.js";

let newTickets = 0;
export function ticketCount(delta) {
  newTickets = delta ? newTickets + delta : 0;
  $("ticket-count").hidden = !newTickets;
  $("ticket-count").textContent = String(newTickets);
}

export async function loadTickets(offset = 0) { // pages of 50, newest first; "Show older" for more
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
  // a button the visitor clicked shows as its title, not its payload ("/department …")
  const line = (m) => el("li", { "data-id": m.id || "" }, `${m.sender}: ${m.sender === "visitor" ? shown(m.text) : m.text}${m.cut ? " …" : ""}`);
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
