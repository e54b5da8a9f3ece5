// The console's Insights charts: daily tallies and wait samples from GET /api/insights (kept in
// Redis, shared by all bridge processes), the live queues and team, and the Rasa latency of this
// process (`rasa_latency`, as JSON); drawn as small inline SVG charts (labels set with textContent).
import { REASONS } from "./state.js";
import { el } from "../shared/dom.js";

const SVG = "http://www.w3.org/2000/svg";
const BUCKETS = [15, 30, 60, 120, 300, 600, Infinity]; // seconds: the wait histograms

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The bars of a histogram the bridge sends as JSON (`rasa_latency`: each bucket's own count).
 * @param {{le: number | null, count: number}[] | undefined} buckets
 */
export function bucketBars(buckets) {
  return (buckets || []).map((b) => ({ label: b.le === null ? "more" : `≤${fmtSeconds(b.le)}`, value: b.count }));
}

function fmtSeconds(s) {
  return s >= 60 ? `${round(s / 60)} min` : `${s} s`;
}

// Samples (seconds) counted into BUCKETS, for barChart.
export function bucketed(values) {
  const counts = BUCKETS.map(() => 0);
  for (const v of values) counts[BUCKETS.findIndex((le) => v <= le)]++;
  return BUCKETS.map((le, i) => ({ label: le === Infinity ? "more" : `≤${fmtSeconds(le)}`, value: counts[i] }));
}

// Nearest-rank quantile of the samples, or null when there are none.
export function quantile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

const duration = (s) => (s === null ? "—" : s >= 60 ? `${round(s / 60)} min` : `${round(s)} s`);

function barChart(title, items, { unit = "", alt = false, empty = "No data yet." } = {}) {
  const box = el("figure", { class: "chart" }, el("h3", {}, title));
  const total = items.reduce((t, i) => t + i.value, 0);
  if (!items.length || !total) { box.appendChild(el("p", { class: "muted" }, empty)); return box; }
  const max = Math.max(...items.map((i) => i.value));
  const row = 24;
  const labelW = 150;
  const width = 380;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${items.length * row + 4}`, role: "img", "aria-label": `${title}: ` + items.map((i) => `${i.label} ${i.value}${unit}`).join(", ") });
  items.forEach((item, i) => {
    const y = i * row + 2;
    const w = max ? ((width - labelW - 50) * item.value) / max : 0;
    const label = item.label.length > 22 ? item.label.slice(0, 21) + "…" : item.label;
    chart.appendChild(svg("text", { x: labelW - 6, y: y + 15, "text-anchor": "end" }, label));
    chart.appendChild(svg("rect", { class: "bar" + (alt ? " alt" : ""), x: labelW, y: y + 3, width: Math.max(w, item.value ? 2 : 0), height: row - 8, rx: 3 }));
    chart.appendChild(svg("text", { x: labelW + w + 6, y: y + 15 }, `${round(item.value)}${unit}`));
  });
  box.appendChild(chart);
  return box;
}

// One point per day (`v` 0..100 or null: no conversations that day), the days evenly spaced.
/**
 * @param {string} title
 * @param {{label: string, v: number | null}[]} days
 * @param {{unit?: string, empty?: string}} [options]
 */
function lineChart(title, days, { unit = "%", empty = "" } = {}) {
  const box = el("figure", { class: "chart" }, el("h3", {}, title));
  const known = days.filter((d) => d.v !== null);
  if (!known.length) { box.appendChild(el("p", { class: "muted" }, empty)); return box; }
  const [w, h, pad] = [360, 160, 40];
  const x = (i) => pad + ((w - pad - 14) * i) / Math.max(1, days.length - 1);
  const y = (v) => h - 20 - ((h - 30) * v) / 100;
  const latest = known[known.length - 1];
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": `${title}: ` + known.map((d) => `${d.label} ${round(d.v)}${unit}`).join(", ") });
  chart.appendChild(svg("line", { class: "axis", x1: pad, y1: y(0), x2: w - 10, y2: y(0) }));
  chart.appendChild(svg("line", { class: "axis", x1: pad, y1: y(0), x2: pad, y2: y(100) }));
  for (const v of [0, 50, 100]) chart.appendChild(svg("text", { x: pad - 4, y: y(v) + 4, "text-anchor": "end" }, `${v}${unit}`));
  let run = []; // consecutive days with a value; a day without conversations breaks the line
  days.forEach((d, i) => {
    if (d.v !== null) run.push(`${x(i).toFixed(1)},${y(d.v).toFixed(1)}`);
    if ((d.v === null || i === days.length - 1) && run.length > 1) chart.appendChild(svg("polyline", { class: "line", points: run.join(" ") }));
    if (d.v === null) run = [];
    else chart.appendChild(svg("circle", { class: "dot", cx: x(i).toFixed(1), cy: y(d.v).toFixed(1), r: 3 }));
  });
  const li = days.indexOf(latest);
  chart.appendChild(svg("text", { x: x(li), y: Math.max(12, y(latest.v) - 8), "text-anchor": li > days.length / 2 ? "end" : "start" }, `${round(latest.v)}${unit}`));
  chart.appendChild(svg("text", { x: pad, y: h - 4 }, days[0].label));
  chart.appendChild(svg("text", { x: w - 10, y: h - 4, "text-anchor": "end" }, days[days.length - 1].label));
  box.appendChild(chart);
  return box;
}

const round = (v) => (Math.abs(v) >= 10 || Number.isInteger(v) ? Math.round(v) : Math.round(v * 10) / 10);

function kpi(label, value) {
  return el("div", { class: "kpi" }, el("div", { class: "value" }, value), el("div", { class: "label" }, label));
}

// Visitors' ratings (`satisfaction` rows: {key, count, average, good, ok, poor}) as a table.
function ratingsTable(title, rows, label) {
  const head = ["", "Ratings", "Average (1–3)", "Great", "OK", "Poor"];
  return el("figure", { class: "chart ratings" }, el("h3", {}, title), rows.length
    ? el("table", { class: "people" }, el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.map((r) => el("tr", {}, el("th", { scope: "row" }, label(r.key)),
        [r.count, r.average === null ? "—" : r.average.toFixed(2), r.good, r.ok, r.poor].map((v) => el("td", {}, String(v)))))))
    : el("p", { class: "muted" }, "No ratings yet."));
}

const dayLabel = (date) => new Date(`${date}T00:00:00Z`).toLocaleDateString([], { month: "short", day: "numeric", timeZone: "UTC" });

/**
 * @param {HTMLElement} box
 * @param {{insights: any, queues: Record<string, any[]>, agents: any[], departments: Record<string, string>}} figures
 *   `insights` is GET /api/insights's answer, or null when it could not be loaded
 */
export function renderInsights(box, { insights, queues, agents, departments }) {
  const daily = (insights && insights.daily) || [];
  const waits = (insights && insights.queue_wait) || [];
  const firsts = (insights && insights.first_response) || [];
  const total = (field) => daily.reduce((t, d) => t + (d[field] || 0), 0);
  const conversations = total("conversations");
  const handoffs = total("handed_off");
  const containment = conversations ? 100 * Math.max(0, 1 - handoffs / conversations) : null;
  const waiting = Object.values(queues).reduce((t, list) => t + list.length, 0);
  const online = agents.filter((a) => a.presence === "online").length;

  const reasons = {};
  for (const day of daily) {
    for (const [field, n] of Object.entries(day)) if (field.startsWith("handoff:")) reasons[field.slice(8)] = (reasons[field.slice(8)] || 0) + n;
  }
  const sat = (insights && insights.satisfaction) || { weeks: [], departments: [], agents: [] };
  const names = Object.fromEntries(agents.map((a) => [a.name, a.display_name]));
  const p90 = (values) => (values.length ? ` (p90 ${duration(quantile(values, 0.9))})` : "");
  const span = `last ${daily.length || 14} days`;

  box.replaceChildren(
    ...(insights ? [] : [el("p", { class: "muted", role: "status" }, "The figures could not be loaded; showing the live parts only.")]),
    el("div", { class: "kpis" },
      kpi(`Conversations (${span})`, String(conversations)),
      kpi("Answered by the bot alone", containment === null ? "—" : `${round(containment)}%`),
      kpi("Handed to people", String(handoffs)),
      kpi("Median queue wait" + p90(waits), duration(quantile(waits, 0.5))),
      kpi("Median first response" + p90(firsts), duration(quantile(firsts, 0.5))),
      kpi("Waiting now", String(waiting)),
      kpi("Agents online", `${online} of ${agents.length}`)),
    el("div", { class: "charts" },
      lineChart(`Containment over time (${span})`, daily.map((d) => ({ label: dayLabel(d.date), v: d.containment === null || d.containment === undefined ? null : 100 * d.containment })),
        { empty: "No conversations in this period yet." }),
      barChart(`Handoffs by reason (${span})`, Object.entries(reasons).map(([reason, value]) => ({ label: REASONS[reason] || reason, value }))),
      barChart(`Queue wait (last ${waits.length} picked-up chats)`, bucketed(waits)),
      barChart(`Time to first response (last ${firsts.length} chats)`, bucketed(firsts), { alt: true }),
      barChart("Waiting now, by department", Object.keys(departments).map((key) => ({ label: departments[key], value: (queues[key] || []).length })), { empty: "Nobody is waiting." }),
      barChart("Open chats per agent (online or busy)", agents.filter((a) => a.presence !== "offline" || a.chats)
        .map((a) => ({ label: `${a.display_name} (${a.presence})`, value: a.chats })), { alt: true, empty: "No chats open." }),
      barChart("Assistant latency (Rasa round trip, this process)", bucketBars(insights && insights.rasa_latency))),
    el("h2", {}, "Visitor ratings"),
    el("div", { class: "charts", id: "ratings" },
      ratingsTable("By week", sat.weeks, (k) => k),
      ratingsTable("By department", sat.departments, (k) => departments[k] || k || "No department"),
      ratingsTable("By agent", sat.agents, (k) => names[k] || k)));
}
