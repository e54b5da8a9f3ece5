// The People view (supervisors): everyone from `agents`, and `agent_add`, `agent_edit`,
// `agent_remove`, `agent_reset` (docs/protocol.md). A new password is made by the bridge and
// shown here once, until "Done", leaving the view or signing out; it is never stored.
import { call } from "./connection.js";
import { $, announce, deptTitle, me } from "./state.js";
import { el } from "../shared/dom.js";

const ROLES = { agent: "Agent", supervisor: "Supervisor" };
/** @type {string} the login name being edited ("" while adding) */
let editing = "";

/** Show the People tab to supervisors only (the bridge refuses the others anyway). */
export function setupPeople() {
  const supervisor = Boolean(me.agent && me.agent.role === "supervisor");
  $("people-tab").hidden = !supervisor;
  const select = $("people-dept");
  select.replaceChildren(...Object.keys(me.departments).map((d) => el("option", { value: d }, deptTitle(d))));
  if (!editing) select.value = me.agent ? me.agent.department : "";
}

export async function loadPeople() {
  const answer = await call("agents");
  const list = $("people-list");
  if (!answer.ok) { list.replaceChildren(el("tr", {}, el("td", { colspan: "7", class: "error" }, answer.error.message))); return; }
  list.replaceChildren(...answer.agents.map(personRow));
}

/** @param {any} p */
function personRow(p) {
  const edit = el("button", { type: "button", "aria-label": `Edit ${p.display_name}` }, "Edit");
  edit.addEventListener("click", () => startEdit(p));
  const reset = el("button", { type: "button", "aria-label": `New password for ${p.display_name}` }, "New password");
  reset.addEventListener("click", async () => {
    const answer = await call("agent_reset", { name: p.name });
    if (!answer.ok) { $("people-error").textContent = answer.error.message; return; }
    showPassword(p.display_name, answer.password, `${answer.sessions_ended} session(s) signed out.`);
  });
  const remove = el("button", { type: "button", class: "danger", "aria-label": `Remove ${p.display_name}` }, "Remove");
  remove.addEventListener("click", async () => { // two clicks: the first asks, the second removes
    if (remove.dataset.confirm !== "yes") { remove.dataset.confirm = "yes"; remove.textContent = "Confirm removal"; return; }
    const answer = await call("agent_remove", { name: p.name });
    if (!answer.ok) { $("people-error").textContent = answer.error.message; return; }
    announce(`${p.display_name} removed; ${answer.sessions_ended} session(s) signed out.`);
    loadPeople();
  });
  return el("tr", { "data-agent": p.name },
    el("td", {}, p.display_name), el("td", {}, el("code", {}, p.name)), el("td", {}, deptTitle(p.department)),
    el("td", {}, ROLES[p.role] || p.role), el("td", {}, String(p.capacity)),
    el("td", {}, `${p.presence} · ${p.chats} chat(s)`), el("td", { class: "actions" }, edit, reset, remove));
}

/** @param {any} p */
function startEdit(p) {
  editing = p.name;
  $("people-form-head").textContent = `Edit ${p.display_name}`;
  $("people-name").value = p.name;
  $("people-name").readOnly = true;
  $("people-display").value = p.display_name;
  $("people-dept").value = p.department;
  $("people-role").value = p.role;
  $("people-capacity").value = String(p.capacity);
  $("people-save").textContent = "Save";
  $("people-cancel").hidden = false;
  $("people-display").focus();
}

function resetForm() {
  editing = "";
  $("people-form").reset();
  $("people-form-head").textContent = "Add a colleague";
  $("people-name").readOnly = false;
  $("people-save").textContent = "Add";
  $("people-cancel").hidden = true;
  $("people-error").textContent = "";
  setupPeople();
}

/** @param {string} who @param {string} password @param {string} [more] */
function showPassword(who, password, more = "") {
  const done = el("button", { type: "button" }, "Done");
  done.addEventListener("click", forgetPassword);
  const box = $("people-password");
  box.replaceChildren(el("p", {}, `Password for ${who}: give it to them now, it is not shown again. ${more}`),
    el("p", {}, el("code", { class: "secret", id: "people-secret" }, password)), done);
  box.hidden = false;
  done.focus();
}

/** Forget a shown password (Done, leaving the view, signing out). */
export function forgetPassword() {
  $("people-password").replaceChildren();
  $("people-password").hidden = true;
}

$("people-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const fields = {
    name: $("people-name").value.trim(), display_name: $("people-display").value.trim(),
    department: $("people-dept").value, role: $("people-role").value, capacity: Number($("people-capacity").value),
  };
  const answer = await call(editing ? "agent_edit" : "agent_add", fields);
  if (!answer.ok) { $("people-error").textContent = answer.error.message; return; }
  if (!editing) showPassword(answer.agent.display_name, answer.password);
  else announce(`${answer.agent.display_name} saved.`);
  resetForm();
  loadPeople();
});
$("people-cancel").addEventListener("click", resetForm);
$("people-refresh").addEventListener("click", () => loadPeople());
