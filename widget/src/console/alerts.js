// Alerts for agents: a sound, a desktop notification, the count in the page title.
import { $, announce, me } from "./state.js";

const BASE_TITLE = "Frontdesk";

/** @type {AudioContext | null} */
let audio = null;
let unseen = 0;
export function beep() {
  if (me.presence === "offline") return; // Offline means: leave me alone
  try {
    audio = audio || new (window.AudioContext || /** @type {any} */ (window).webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
  } catch (e) { /* no audio here */ }
}

export function alertAgent(title, body, tag) {
  beep();
  unseen++;
  document.title = `(${unseen}) New chat — ${BASE_TITLE}`;
  announce(`${title}: ${body}`);
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      const n = new Notification(title, /** @type {NotificationOptions} */ ({ body, tag, renotify: true }));
      n.onclick = () => { window.focus(); n.close(); };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }
}
export function seen() { unseen = 0; document.title = BASE_TITLE; }
window.addEventListener("focus", seen);

export function setupNotifyButton() {
  const button = $("notify-btn");
  button.hidden = !("Notification" in window) || Notification.permission !== "default";
  button.onclick = async () => {
    await Notification.requestPermission();
    button.hidden = Notification.permission !== "default";
  };
}
