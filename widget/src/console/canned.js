// Canned responses: per department, edited by supervisors.
import { call } from "./connection.js";
import { $, chats, deptTitle, me, session } from "./state.js";
import { el } from "../shared/dom.js";

/** @type {Record<string, Record<string, string>>} */
export const canned = {}; // department -> {key: text}
export async function loadCanned() {
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

/** A department's canned responses, fetched once; null when this agent may not read them. */
async function cannedOf(department) {
  if (canned[department]) return canned[department];
  if (!session.socket || !session.socket.connected) return null;
  const answer = await call("canned", { department });
  if (!answer.ok) return null;
  canned[department] = answer.canned;
  return answer.canned;
}

/** The chat's department's canned responses; a chat passed on from a department not mine (a
 * transfer to me) gets my own department's.
 * @param {import("./chat-view.js").Chat} chat */
export async function fillCanned(chat) {
  const own = me.agent && me.agent.department;
  const department = (chat.conversation && chat.conversation.department) || own;
  let found = department ? await cannedOf(department) : null;
  if ((!found || !Object.keys(found).length) && own && own !== department) found = await cannedOf(own);
  const options = Object.entries(found || {});
  chat.canned.replaceChildren(el("option", { value: "" }, options.length ? "Canned responses…" : "No canned responses"),
    ...options.map(([key, text]) => el("option", { value: text }, `${key}: ${text.slice(0, 60)}`)));
}

export function renderCanned() {
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

// "/" in the reply box: "/words" filters the canned responses of the departments this agent
// may see (the chat's first), shown as a listbox; arrows move, Enter or a click inserts, Escape closes.
const SLASH = /(^|\s)\/([^\n/]*)$/;

/** The canned responses matching every word of `query`, the chat's department first (at most 8). */
function matches(chat, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const first = chat.conversation && chat.conversation.department;
  const departments = [first, ...Object.keys(canned).filter((d) => d !== first)].filter((d) => d && canned[d]);
  const found = [];
  for (const department of departments) {
    for (const [key, text] of Object.entries(canned[department])) {
      const hay = `${key} ${text}`.toLowerCase();
      if (words.every((w) => hay.includes(w))) found.push({ key, text });
    }
  }
  return found.slice(0, 8);
}

/** @param {import("./chat-view.js").Chat} chat */
export function slashSearch(chat) {
  const list = el("ul", { id: `slash-${chat.id}`, role: "listbox", class: "slash", "aria-label": "Canned responses", hidden: "" });
  const input = chat.input;
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  /** @type {{key: string, text: string}[]} */
  let shown = [];
  let active = 0;
  let start = -1;
  const close = () => { list.hidden = true; shown = []; input.removeAttribute("aria-activedescendant"); };
  const mark = () => {
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", `${list.id}-${active}`);
  };
  const pick = (i) => {
    const caret = input.selectionStart ?? input.value.length;
    const text = shown[i].text;
    input.value = input.value.slice(0, start) + text + input.value.slice(caret);
    input.selectionStart = input.selectionEnd = start + text.length;
    close();
    input.focus();
  };
  input.addEventListener("input", () => {
    const found = SLASH.exec(input.value.slice(0, input.selectionStart ?? input.value.length));
    shown = found ? matches(chat, found[2]) : [];
    if (!found || !shown.length) { close(); return; }
    start = found.index + found[1].length;
    active = 0;
    list.replaceChildren(...shown.map(({ key, text }, i) => {
      const li = el("li", { id: `${list.id}-${i}`, role: "option" }, el("b", {}, `/${key}`), " ", text.slice(0, 80));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(i); });
      return li;
    }));
    list.hidden = false;
    mark();
  });
  input.addEventListener("blur", close);
  /** Handles the listbox's keys; true when the key was its own. @param {KeyboardEvent} e */
  chat.slashKey = (e) => {
    if (list.hidden) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") active = (active + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
    else if (e.key === "Enter" || e.key === "Tab") pick(active);
    else if (e.key === "Escape") close();
    else return false;
    e.preventDefault();
    if (!list.hidden) mark();
    return true;
  };
  return list;
}
