// Tags on a chat (docs/protocol.md `tag`): shown in its details, added and removed by any agent
// who sees the chat; the bridge normalises them ("Refund request" is refund-request) and keeps
// at most 10. Text only.
import { call } from "./connection.js";
import { el } from "../shared/dom.js";

/** @param {{id: string, conversation?: any, tags?: HTMLElement}} chat the panel, built once (a typed tag survives re-renders) */
export function tagsPanel(chat) {
  const input = el("input", { id: `tag-${chat.id}`, maxlength: "64", autocomplete: "off" });
  const error = el("p", { class: "error", role: "alert" });
  const list = el("ul", { class: "tag-list", "aria-label": "Tags" });
  const form = el("form", { class: "tag-form" },
    el("label", { for: `tag-${chat.id}` }, "Add a tag"), input,
    el("button", { type: "submit" }, "Add tag"), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!input.value.trim()) return;
    const answer = await call("tag", { conversation_id: chat.id, tag: input.value });
    error.textContent = answer.ok ? "" : answer.error.message;
    if (answer.ok) { input.value = ""; show(chat, answer.tags); }
  });
  const panel = el("section", { class: "tags", "aria-label": "Tags" }, el("h2", {}, "Tags"), list, form);
  return panel;
}

/** @param {any} chat the chat's tags, as the bridge last said (`conversation.tags`) */
export function renderTags(chat) {
  show(chat, (chat.conversation || {}).tags || []);
}

function show(chat, tags) {
  const list = chat.tags.querySelector(".tag-list");
  const error = chat.tags.querySelector(".error");
  list.replaceChildren(...tags.map((tag) => {
    const remove = el("button", { type: "button", class: "tag-remove", "aria-label": `Remove tag ${tag}` }, "×");
    remove.addEventListener("click", async () => {
      const answer = await call("tag", { conversation_id: chat.id, tag, remove: true });
      error.textContent = answer.ok ? "" : answer.error.message;
      if (answer.ok) show(chat, answer.tags);
    });
    return el("li", { class: "tag", "data-tag": tag }, el("span", {}, tag), remove);
  }));
  if (!tags.length) list.append(el("li", { class: "muted" }, "No tags."));
}

/** @param {string[] | undefined} tags a past entry's tags, as chips (search results, history) */
export function tagChips(tags = []) {
  return tags.length ? el("ul", { class: "tag-list", "aria-label": "Tags" }, ...tags.map((t) => el("li", { class: "tag", "data-tag": t }, t))) : null;
}
