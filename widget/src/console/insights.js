// The Insights view: GET /api/insights (figures kept in Redis, and this process's Rasa latency)
// with the live team from `agents`, fetched when shown and every 15 s while it stays shown.
import { renderInsights } from "./charts.js";
import { call, signOut } from "./connection.js";
import { $, TOKEN, me, queues } from "./state.js";

/** @type {ReturnType<typeof setInterval> | undefined} */
let timer;
export function startInsights() { showInsights(); timer = setInterval(showInsights, 15000); }
export function stopInsights() { clearInterval(timer); }

async function figures() {
  const response = await fetch("/api/insights?days=14", {
    cache: "no-store", headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN) || ""}` },
  });
  const body = await response.json();
  if (response.status === 401) signOut(body.error && body.error.message);
  return body.ok ? body : null;
}

export async function showInsights() {
  const [figs, answer] = await Promise.all([figures().catch(() => null), call("agents")]);
  if ($("app").hidden) return; // signed out meanwhile
  renderInsights($("insights"), { insights: figs, queues, agents: answer.ok ? answer.agents : [], departments: me.departments });
}
