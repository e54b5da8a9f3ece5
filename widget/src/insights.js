// The console's Insights view: Prometheus text from /metrics plus live queues and team,
// drawn as small inline SVG charts (labels set with textContent).
import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const SAMPLES = "frontdesk:insight-samples";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export function parseMetrics(text) {
  const series = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    series.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return series;
}

const sum = (series, name, where = () => true) =>
  series.filter((s) => s.name === name && where(s.labels)).reduce((t, s) => t + s.value, 0);

function histogram(series, base) {
  const buckets = series.filter((s) => s.name === `${base}_bucket`).map((s) => ({ le: s.labels.le, value: s.value }));
  const num = (le) => (le === "+Inf" ? Infinity : Number(le));
  buckets.sort((a, b) => num(a.le) - num(b.le));
  let previous = 0;
  return buckets.map((b) => {
    const item = { label: b.le === "+Inf" ? "more" : `≤${fmtSeconds(Number(b.le))}`, value: b.value - previous };
    previous = b.value;
    return item;
  });
}

function fmtSeconds(s) {
  return s >= 60 ? `${Math.round(s / 60)}m` : `${s}s`;
}

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

function lineChart(title, points, { unit = "%", empty } = {}) {
  const box = el("figure", { class: "chart" }, el("h3", {}, title));
  if (points.length < 2) { box.appendChild(el("p", { class: "muted" }, empty)); return box; }
  const [w, h, pad] = [360, 160, 30];
  const t0 = points[0].t;
  const t1 = points[points.length - 1].t;
  const x = (t) => pad + ((w - pad - 10) * (t - t0)) / Math.max(1, t1 - t0);
  const y = (v) => h - 20 - ((h - 30) * v) / 100;
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": `${title}: latest ${round(points[points.length - 1].v)}${unit}` });
  chart.appendChild(svg("line", { class: "axis", x1: pad, y1: y(0), x2: w - 10, y2: y(0) }));
  chart.appendChild(svg("line", { class: "axis", x1: pad, y1: y(0), x2: pad, y2: y(100) }));
  for (const v of [0, 50, 100]) chart.appendChild(svg("text", { x: pad - 4, y: y(v) + 4, "text-anchor": "end" }, `${v}${unit}`));
  chart.appendChild(svg("polyline", { class: "line", points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ") }));
  const label = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  chart.appendChild(svg("text", { x: pad, y: h - 4 }, label(t0)));
  chart.appendChild(svg("text", { x: w - 10, y: h - 4, "text-anchor": "end" }, label(t1)));
  box.appendChild(chart);
  return box;
}

const round = (v) => (Math.abs(v) >= 10 || Number.isInteger(v) ? Math.round(v) : Math.round(v * 10) / 10);

function kpi(label, value) {
  return el("div", { class: "kpi" }, el("div", { class: "value" }, value), el("div", { class: "label" }, label));
}

function samples(conversations, handoffs) {
  let list = [];
  try { list = JSON.parse(sessionStorage.getItem(SAMPLES)) || []; } catch (e) { /* none yet */ }
  const last = list[list.length - 1];
  if (!last || last.c !== conversations || last.h !== handoffs || Date.now() - last.t > 60000) {
    list.push({ t: Date.now(), c: conversations, h: handoffs });
    list = list.slice(-240);
    try { sessionStorage.setItem(SAMPLES, JSON.stringify(list)); } catch (e) { /* full */ }
  }
  return list.filter((s) => s.c > 0).map((s) => ({ t: s.t, v: 100 * (1 - s.h / s.c) }));
}

export function renderInsights(box, { metrics, queues, agents, departments }) {
  const series = parseMetrics(metrics || "");
  const conversations = sum(series, "frontdesk_conversations_total");
  const handoffs = sum(series, "frontdesk_handoffs_total");
  const botReplies = sum(series, "frontdesk_bot_replies_total");
  const waitCount = sum(series, "frontdesk_queue_wait_seconds_count");
  const firstCount = sum(series, "frontdesk_first_response_seconds_count");
  const avgWait = waitCount ? sum(series, "frontdesk_queue_wait_seconds_sum") / waitCount : null;
  const avgFirst = firstCount ? sum(series, "frontdesk_first_response_seconds_sum") / firstCount : null;
  const containment = conversations ? 100 * Math.max(0, 1 - handoffs / conversations) : null;
  const waiting = Object.values(queues).reduce((t, list) => t + list.length, 0);
  const online = agents.filter((a) => a.presence === "online").length;

  const reasons = {};
  for (const s of series.filter((x) => x.name === "frontdesk_handoffs_total")) reasons[s.labels.reason] = (reasons[s.labels.reason] || 0) + s.value;

  box.replaceChildren(
    el("div", { class: "kpis" },
      kpi("Conversations", String(conversations)),
      kpi("Answered by the bot alone", containment === null ? "—" : `${round(containment)}%`),
      kpi("Handed to people", String(handoffs)),
      kpi("Bot replies", String(botReplies)),
      kpi("Average queue wait", avgWait === null ? "—" : `${round(avgWait)} s`),
      kpi("Average first response", avgFirst === null ? "—" : `${round(avgFirst)} s`),
      kpi("Waiting now", String(waiting)),
      kpi("Agents online", `${online} of ${agents.length}`)),
    el("div", { class: "charts" },
      lineChart("Containment over time", samples(conversations, handoffs), { empty: "Collecting: the trend appears after a couple of samples (every 15 s while this view is open)." }),
      barChart("Handoffs by reason", Object.entries(reasons).map(([label, value]) => ({ label, value }))),
      barChart("Queue wait (picked-up chats)", histogram(series, "frontdesk_queue_wait_seconds")),
      barChart("Time to first response", histogram(series, "frontdesk_first_response_seconds"), { alt: true }),
      barChart("Waiting now, by department", Object.keys(departments).map((key) => ({ label: departments[key], value: (queues[key] || []).length })), { empty: "Nobody is waiting." }),
      barChart("Open chats per agent (online or busy)", agents.filter((a) => a.presence !== "offline" || a.chats)
        .map((a) => ({ label: `${a.display_name} (${a.presence})`, value: a.chats })), { alt: true, empty: "No chats open." }),
      barChart("Assistant latency (Rasa round trip)", histogram(series, "frontdesk_rasa_latency_seconds"))));
}
