// How a message and a visitor's details look in the console (text only, links by the rules of
// shared/text.js).
import { browserOf, visitorTime } from "./format.js";
import { REASONS, deptTitle, said } from "./state.js";
import { renderTags } from "./tags.js";
import { el } from "../shared/dom.js";
import { fileSize, isHttpUrl, safeFile } from "../shared/text.js";
import { clockTime, fmtWait } from "../shared/time.js";
import { BUTTON_TITLES } from "../shared/wording.js";

export function messageRow(m, titles = BUTTON_TITLES) {
  const who = { visitor: "Visitor", bot: "Assistant", agent: m.agent_name || "Agent", system: "", note: `Internal note · ${m.agent_name || "agent"}` }[m.sender] || m.sender;
  const row = el("div", { class: `msg ${m.sender}`, "data-id": m.id || "" });
  if (m.sender === "system") {
    row.append(el("span", { class: "sr" }, "System: "), m.text, m.ts ? ` · ${clockTime(m.ts)}` : "");
    return row;
  }
  row.appendChild(el("span", { class: "who" },
    m.sender === "bot" ? el("span", { class: "tag" }, "BOT") : m.sender === "note" ? el("span", { class: "tag" }, "NOTE") : null,
    who, m.ts ? ` · ${clockTime(m.ts)}` : ""));
  const clicked = m.sender === "visitor" && /^\/\w/.test(m.text || "");
  const file = fileView(m.file);
  row.appendChild(el("div", { class: "body" + (clicked ? " clicked" : "") + (file ? " file" : "") }, file || (clicked ? said(m.text, titles) : m.text || (m.sender === "note" ? "(transfer)" : ""))));
  if (m.quick_replies && m.quick_replies.length) {
    row.appendChild(el("div", { class: "chips" }, "Buttons: " + m.quick_replies.map((q) => q.title).join(" | ")));
  }
  return row;
}

// A file in a message: a thumbnail (image) or a download link (PDF), by a signed link from the
// bridge; the name is shown as text. Anything but an http(s) link is not followed.
function fileView(f) {
  const file = safeFile(f);
  if (!file) return null;
  const size = fileSize(file.size);
  if (/^image\//.test(file.type)) {
    return el("a", { href: file.url, target: "_blank", rel: "noopener noreferrer", class: "attachment image" },
      el("img", { src: file.url, alt: `Image from the chat: ${file.name}`, class: "thumb" }), el("span", {}, `${file.name} · ${size}`));
  }
  return el("a", { href: file.url, download: file.name, rel: "noopener noreferrer", class: "attachment pdf" }, `PDF: ${file.name} · ${size}`);
}


/** @param {import("./chat-view.js").Chat} chat */
export function renderDetails(chat) {
  const c = chat.conversation || {};
  const v = c.visitor || {};
  const h = c.handoff || {};
  const page = isHttpUrl(c.page_url)
    ? el("a", { href: c.page_url, target: "_blank", rel: "noopener noreferrer" }, c.page_url) : c.page_url || "—";
  const ranking = (h.intent_ranking || []).length
    ? el("ol", {}, h.intent_ranking.map((i) => el("li", {}, `${i.name} — ${Math.round(i.confidence * 100)}%`)))
    : h.confidence ? `${Math.round(h.confidence * 100)}%` : "—";
  const rows = [
    ["Page", page], ["Visitor's local time", visitorTime(v)], ["Browser", browserOf(v.browser)],
    ["Language", v.language || "—"], ["Department", deptTitle(c.department)],
    ["Handoff reason", REASONS[h.reason] || h.reason || "—"], ["What they asked", h.text ? said(h.text, chat.titles) : "—"],
    ["Bot's top intents", ranking], ["Waited", c.waited_seconds != null ? fmtWait(c.waited_seconds) : "—"],
    ["Started", c.created_at ? new Date(c.created_at * 1000).toLocaleString() : "—"],
  ];
  if (c.rating) rows.push(["Rating", c.rating]);
  if (c.user_id) rows.push(["Verified user", c.user_id]);
  const dl = el("dl");
  for (const [label, value] of rows) dl.append(el("dt", {}, label), el("dd", { title: label === "Browser" ? v.browser || "" : null }, value));
  renderTags(chat);
  chat.details.replaceChildren(el("h2", {}, "Visitor"), dl, chat.tags, chat.past);
}
