// One message of the visitor's conversation as DOM: who wrote it, the text (as text), a file by
// a link the rules of shared/text.js allow, the time, the quick replies.
import { el, svgIcon } from "../shared/dom.js";
import { isImageSrc, safeFile, fileSize, answerParts, isWebUrl } from "../shared/text.js";

/**
 * One message as a row of the conversation; its quick replies call `onReply`, their titles are
 * remembered in `titles` (a click comes back as the payload and is shown as the title).
 * @param {any} msg
 * @param {string} sender
 * @param {Record<string, string>} titles
 * @param {(q: {payload: string, title: string}) => void} onReply
 * @returns {HTMLElement}
 */
export function renderMessage(msg, sender, titles, onReply) {
  const custom = msg.custom || {};
  const row = el("div", { class: "row " + sender });
  if (sender === "system") {
    row.classList.toggle("joined", !!custom.agent_joined);
    row.append(el("span", { class: "sr" }, "Notice: "), el("span", {}, msg.text || ""));
  } else {
    const who = sender === "visitor" ? "You" : sender === "agent" ? (msg.agent_name || "Agent") : "Assistant";
    if (sender !== "visitor") {
      row.appendChild(el("div", { class: "who" }, el("span", { class: "avatar", "aria-hidden": "true" }, sender === "agent" ? who.charAt(0).toUpperCase() : svgIcon("bot")), el("span", {}, who)));
    } else {
      row.appendChild(el("span", { class: "sr" }, "You: "));
    }
    const clicked = sender === "visitor" && /^\//.test(msg.text || "") && titles[msg.text];
    const text = clicked || msg.text;
    const file = fileView(msg.file);
    const answer = sender === "bot" && msg.answer ? answerView(text) : null;
    const bubble = el("div", { class: "bubble" + (file ? " file" : "") }, file || answer || text || "");
    if (sender !== "visitor") bubble.prepend(el("span", { class: "sr" }, who + ": "));
    row.appendChild(bubble);
    const src = msg.attachment && msg.attachment.payload && msg.attachment.payload.src;
    if (!file && isImageSrc(src)) row.appendChild(el("img", { class: "image", src, alt: "Image from " + who }));
  }
  if (msg.ts) {
    row.title = new Date(msg.ts * 1000).toLocaleString();
    if (sender !== "system") stamp(row, msg.ts);
  }
  const replies = msg.quick_replies || [];
  if (replies.length) {
    const group = el("div", { class: "replies", role: "group", "aria-label": "Suggested replies" });
    for (const q of replies) {
      if (q.type === "web_url") {
        if (isWebUrl(q.url)) group.appendChild(el("a", { class: "chip link", href: q.url, target: "_blank", rel: "noopener noreferrer" }, q.title));
        continue;
      }
      titles[q.payload] = q.title;
      const b = el("button", { type: "button", class: "chip", "data-payload": q.payload }, q.title);
      b.addEventListener("click", () => onReply(q));
      group.appendChild(b);
    }
    row.appendChild(group);
  }
  return row;
}

// A bot's answer: its words as text, its web links as links (shared/text.js says which).
/** @param {string} text */
function answerView(text) {
  return answerParts(text).map((p) => (p.href ? el("a", { href: p.href, target: "_blank", rel: "noopener noreferrer" }, p.text) : p.text));
}

// A file: a thumbnail that opens the image, or a link that downloads the PDF (signed links
// from the bridge; the name is text). Anything but an http(s) link is not followed.
/** @param {any} f */
function fileView(f) {
  const file = safeFile(f);
  if (!file) return null;
  if (/^image\//.test(file.type)) {
    return el("a", { class: "file", href: file.url, target: "_blank", rel: "noopener noreferrer" }, el("img", { class: "thumb", src: file.url, alt: file.name }));
  }
  return el("a", { class: "file", href: file.url, download: file.name, rel: "noopener noreferrer" }, `PDF: ${file.name} (${fileSize(file.size)})`);
}

/** @param {HTMLElement} row @param {number} ts the time, visible under the message */
export function stamp(row, ts) {
  const at = new Date(ts * 1000);
  row.insertBefore(el("time", { class: "ts", datetime: at.toISOString() }, at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })), row.querySelector(".replies"));
}
