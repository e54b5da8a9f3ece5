// Starts the unmodified rasa-webchat bundle (window.WebChat, from /static/rasa-webchat.js)
// against this bridge. Kept in its own file: the page's CSP allows no inline scripts.
/** @type {any} */ (window).WebChat.default(
  {
    socketUrl: window.location.origin,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    customData: { language: "en", page_url: window.location.href },
    title: document.title.split(" — ")[0], // the site pack's name, filled in by the bridge
    subtitle: "Virtual assistant",
    inputTextFieldHint: "Type a message…",
    params: { storage: "session" },
  },
  null,
);
