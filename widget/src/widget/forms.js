// The widget's two forms: "Leave us a message" (at the end of the conversation) and the
// transcript by email (offered once the chat is closed). What is typed goes out as data only.
import { el } from "../shared/dom.js";

/**
 * @typedef {object} FormHost what the forms need from the rest of the widget
 * @property {HTMLElement} log the conversation (the leave form scrolls within it)
 * @property {ShadowRoot | HTMLElement} shadow
 * @property {HTMLTextAreaElement} input the chat box, where focus goes back
 * @property {() => HTMLElement | null} offerRow the latest offer to leave a message
 * @property {() => boolean} ready this connection is bound to our session
 * @property {(payload: {name: string, email: string, text: string}) => void} leaveMessage
 * @property {(email: string) => void} emailTranscript
 */

const OFFLINE = "Not connected; please try again in a moment.";

/** @param {FormHost} host */
export function leaveForm(host) {
  const name = el("input", { id: "fd-l-name", autocomplete: "name", maxlength: "100", required: "" });
  const email = el("input", { id: "fd-l-email", type: "email", autocomplete: "email", required: "" });
  const text = el("textarea", { id: "fd-l-text", rows: "3", maxlength: "2000", required: "" });
  const error = el("p", { class: "error", role: "alert" });
  const submit = el("button", { type: "submit", class: "primary" }, "Send message");
  const cancel = el("button", { type: "button", class: "chip" }, "Cancel");
  const form = el("form", { class: "leave", hidden: "", "aria-labelledby": "fd-l-head" },
    el("h3", { id: "fd-l-head" }, "Leave us a message"),
    el("p", { class: "hint" }, "We'll answer by email as soon as we can."),
    el("label", { for: "fd-l-name" }, "Your name"), name,
    el("label", { for: "fd-l-email" }, "Email"), email,
    el("label", { for: "fd-l-text" }, "Message"), text,
    error, el("div", { class: "buttons" }, submit, cancel));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!host.ready()) { error.textContent = OFFLINE; return; }
    if (!text.value.trim()) { error.textContent = "Please write a message."; return; }
    error.textContent = "";
    submit.disabled = true;
    host.leaveMessage({ name: name.value.trim(), email: email.value.trim(), text: text.value.trim() });
  });
  cancel.addEventListener("click", () => { api.close(); host.input.focus(); });
  const api = {
    form,
    /** @param {boolean} focus */
    open(focus) {
      const log = host.log;
      form.hidden = false;
      if (focus) name.focus({ preventScroll: true });
      // in sight: the offer that explains the form, down to the form's first field; else the form from its top
      /** @param {HTMLElement} node */
      const top = (node) => node.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 8;
      const offer = host.offerRow();
      const from = offer && offer.isConnected && top(name) + name.offsetHeight + 16 - top(offer) <= log.clientHeight ? offer : form;
      log.scrollTop = top(from);
    },
    close() { form.hidden = true; submit.disabled = false; },
    done() {
      const refocus = form.contains(host.shadow instanceof ShadowRoot ? host.shadow.activeElement : document.activeElement);
      api.close();
      text.value = "";
      if (refocus) host.input.focus();
    },
    /** @param {string} message */
    failed(message) { submit.disabled = false; error.textContent = message; },
  };
  return api;
}

/** @param {FormHost} host */
export function mailForm(host) {
  const email = el("input", { id: "fd-t-email", type: "email", autocomplete: "email", required: "", placeholder: "you@example.org" });
  const submit = el("button", { type: "submit", class: "chip" }, "Email me the transcript");
  const note = el("p", { class: "hint", role: "status" });
  const form = el("form", { class: "mail", hidden: "" },
    el("label", { for: "fd-t-email" }, "Want a copy of this chat?"), el("div", { class: "buttons" }, email, submit), note);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!host.ready()) { note.textContent = OFFLINE; return; }
    note.textContent = "Sending…";
    submit.disabled = true;
    host.emailTranscript(email.value.trim());
  });
  return {
    form,
    /** @param {boolean} on */
    show(on) { form.hidden = !on; },
    /** @param {string} to the address a message was left with: the likely one for a copy */
    prefill(to) { if (!email.value) email.value = to; },
    /** @param {string} to */
    sent(to) { submit.disabled = false; note.textContent = `Sent to ${to}.`; },
    /** @param {string} message */
    failed(message) { submit.disabled = false; note.textContent = message; },
  };
}
