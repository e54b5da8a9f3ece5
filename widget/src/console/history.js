// The visitor's history (a panel in each chat's details) and the Search view: past
// conversations and tickets the bridge lets this agent see (docs/protocol.md `visitor_history`,
// `search`, `past_transcript`), newest first, a page at a time, each opened read only. Text only.
import { call } from "./connection.js";
import { messageRow } from "./messages.js";
import { $, deptTitle, me } from "./state.js";
import { tagChips } from "./tags.js";
import { el } from "../shared/dom.js";

const when = (t) => (t ? new Date(t * 1000).toLocaleString() : "");

/** The panel of a chat's details: filled by `loadVisitorHistory`. */
export function historyPanel() {
  return el("section", { class: "past", "aria-label": "Earlier visits" });
}

/** @param {import("./chat-view.js").Chat} chat */
export async function loadVisitorHistory(chat) {
  const list = el("ol", { class: "past-list" });
  chat.past.replaceChildren(el("h2", {}, "Earlier visits"), list);
  await page(list, (offset) => call("visitor_history", { conversation_id: chat.id, offset }), 0, "No earlier visits.");
}

// One page of entries into `list`, with "Show more" for the next page.
async function page(list, ask, offset, empty) {
  const answer = await ask(offset);
  list.querySelector(".more")?.remove();
  if (!answer.ok) { list.append(el("li", { class: "error", role: "alert" }, answer.error.message)); return; }
  if (!offset && !answer.entries.length) list.append(el("li", { class: "muted" }, empty));
  list.append(...answer.entries.map(entryItem));
  if (answer.more) {
    const more = el("button", { type: "button", class: "more" }, "Show more");
    more.addEventListener("click", () => page(list, ask, offset + answer.entries.length, empty));
    list.append(el("li", { class: "more" }, more));
  }
}

function entryItem(e) {
  const ticket = e.kind === "ticket";
  const title = ticket ? `Message left · ${e.name || "Visitor"} <${e.email}>` : `Chat${e.last_agent_name ? ` with ${e.last_agent_name}` : ""}`;
  const open = el("button", { type: "button", class: "past-open", "aria-expanded": "false" }, "Open");
  const body = el("div", { class: "past-body", hidden: "" });
  const item = el("li", { class: `past-entry ${e.kind}`, "data-entry": e.id },
    el("p", {}, el("strong", {}, title), ` · ${deptTitle(e.department)} · ${when(e.at)}`),
    el("p", { class: "past-line" }, ticket ? e.message : e.first_line || "—"), tagChips(e.tags), open, body);
  open.addEventListener("click", async () => {
    const shown = !body.hidden;
    body.hidden = shown;
    open.setAttribute("aria-expanded", String(!shown));
    open.textContent = shown ? "Open" : "Hide";
    if (!shown && !body.childElementCount) await transcript(body, ticket ? { ticket_id: e.id } : { conversation_id: e.id }, ticket);
  });
  return item;
}

// A past transcript, read only: the latest page, earlier ones on request.
async function transcript(body, which, ticket) {
  const lines = el("div", { class: "transcript past-transcript", role: "log", "aria-label": "Earlier transcript", tabindex: "0" });
  body.replaceChildren(lines);
  let first = "";
  const more = async () => {
    const answer = await call(ticket ? "ticket_transcript" : "past_transcript", { ...which, before: first || undefined });
    body.querySelector(".earlier")?.remove();
    if (!answer.ok) { body.prepend(el("p", { class: "error", role: "alert" }, answer.error.message)); return; }
    lines.prepend(...answer.messages.map((m) => messageRow(m)));
    first = (answer.messages[0] || {}).id || first;
    if (answer.more) {
      const earlier = el("button", { type: "button", class: "earlier" }, "Show earlier messages");
      earlier.addEventListener("click", more);
      body.prepend(earlier);
    }
  };
  await more();
}

// --- the Search view ---------------------------------------------------------------------------

export function searchDepartments() {
  const select = $("search-department");
  const supervisor = me.agent && me.agent.role === "supervisor";
  const options = supervisor ? ["", ...Object.keys(me.departments)] : [me.agent ? me.agent.department : ""];
  select.replaceChildren(...options.map((d) => el("option", { value: d }, d ? deptTitle(d) : "All departments")));
}

const day = (value, end) => (value ? new Date(`${value}T${end ? "23:59:59" : "00:00:00"}`).getTime() / 1000 : 0);

$("search-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("search-text").value.trim();
  const tag = $("search-tag").value.trim();
  if (!text && !tag) { $("search-text").focus(); return; }
  const query = { text, tag, department: $("search-department").value || undefined, since: day($("search-since").value, false), until: day($("search-until").value, true) };
  const list = el("ol", { class: "past-list" });
  $("search-results").replaceChildren(list);
  await page(list, (offset) => call("search", { ...query, offset }), 0, "Nothing found.");
});
