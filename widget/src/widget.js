// Frontdesk visitor widget: one tag on any page,
//   <script src="https://HOST/widget.js" data-title="…" data-color="#1f5f8b" async></script>
// Speaks docs/protocol.md on the visitor namespace. Laid out as Rocket.Chat Livechat is:
// widget/store.js (state and who answers), widget/connection.js (the socket), widget/views.js
// (the DOM). Everything people or the bot write is rendered with textContent: no HTML from the
// wire ever reaches the DOM.
import { createStore } from "./widget/store.js";
import { connect } from "./widget/connection.js";
import { createViews } from "./widget/views.js";

(function main() {
  const w = /** @type {any} */ (window);
  if (w.Frontdesk) return; // the tag was included twice
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  const opts = (script && script.dataset) || {};
  const server = opts.server || (script && script.src ? new URL(script.src, location.href).origin : location.origin);
  const store = createStore("frontdesk:" + server, localStorage);
  const net = connect(server, store, () => views);
  const views = createViews(store, opts, net);

  (document.body || document.documentElement).appendChild(views.host);
  if (opts.open === "true" || store.saved.open) views.setOpen(true, false);
  net.start();
  w.Frontdesk = { open: () => views.setOpen(true), close: () => views.setOpen(false), socket: net.socket };
})();
