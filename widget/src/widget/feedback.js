// A thumbs-down on one of the assistant's answers ("Not what I asked"): one small button per
// answer, sent once as `reject_answer {message_id}`; the bridge keeps the question for the
// team to teach the bot (bot/teaching.py). Nothing else changes for the visitor.
import { el, svgIcon } from "../shared/dom.js";

export const NOT_WHAT_I_ASKED = "Not what I asked";

/**
 * Add the button to a bot answer's row (once; only answers with an id, without buttons).
 * @param {HTMLElement} row
 * @param {any} msg
 * @param {(messageId: string) => void} reject
 */
export function addThumbsDown(row, msg, reject) {
  if (!msg.id || !msg.text || (msg.quick_replies || []).length || row.querySelector(".reject")) return;
  const button = el("button", { type: "button", class: "reject", "aria-pressed": "false", title: NOT_WHAT_I_ASKED },
    svgIcon("thumbDown"), el("span", { class: "sr" }, NOT_WHAT_I_ASKED));
  button.addEventListener("click", () => {
    if (button.getAttribute("aria-pressed") === "true") return;
    reject(msg.id);
    button.setAttribute("aria-pressed", "true");
    button.disabled = true;
    button.title = "Thanks: the team will see it";
    /** @type {HTMLElement} */ (button.lastElementChild).textContent = `${NOT_WHAT_I_ASKED} (sent)`;
  });
  row.appendChild(button);
}
