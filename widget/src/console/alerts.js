// Alerts for agents: a sound, a desktop notification, the count in the page title. An agent who
// cannot take a chat now (not Online, or at capacity) gets the count, not the noise; and there is
// at most one sound every SOUND_GAP_MS however many chats arrive or wait.
import { $, announce, chats, me } from "./state.js";

const BASE_TITLE = "Frontdesk";
const SOUND_GAP_MS = 5000;
let lastSound = -Infinity;
let waiting = 0; // chats waiting that I serve, as the bridge last said (`reminder`, `waiting`)

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

/** Whether I could take another chat now: Online and below my capacity. */
export function canTake() {
  const mine = [...chats.values()].filter((c) => c.mine).length;
  return me.presence === "online" && (!me.agent || mine < me.agent.capacity);
}

function showTitle() {
  document.title = unseen ? `(${unseen}) New chat — ${BASE_TITLE}` : waiting ? `(${waiting} waiting) — ${BASE_TITLE}` : BASE_TITLE;
}

/** One sound, unless there was one less than SOUND_GAP_MS ago. */
function sound() {
  const now = Date.now();
  if (now - lastSound < SOUND_GAP_MS) return;
  lastSound = now;
  beep();
}

/**
 * @param {string} title @param {string} body @param {string} tag
 * @param {{quiet?: boolean, count?: boolean}} [how] quiet: no sound nor notification (I cannot
 *   take it now); count: false for alerts about chats already counted (reminders)
 */
export function alertAgent(title, body, tag, { quiet = !canTake(), count = true } = {}) {
  if (count) unseen++;
  showTitle();
  announce(`${title}: ${body}`);
  if (quiet) return;
  sound();
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      const n = new Notification(title, /** @type {NotificationOptions} */ ({ body, tag, renotify: true }));
      n.onclick = () => { window.focus(); n.close(); };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }
}
/** The bridge's count of chats waiting that I serve: shown in the title, no sound. */
/** @param {number} count */
export function showWaiting(count) { waiting = count; showTitle(); }
/** @param {number} queued how many chats wait in my queues now: the count never says more */
export function capWaiting(queued) { if (waiting > queued) showWaiting(queued); }
export function seen() { unseen = 0; showTitle(); }
window.addEventListener("focus", seen);

export function setupNotifyButton() {
  const button = $("notify-btn");
  button.hidden = !("Notification" in window) || Notification.permission !== "default";
  button.onclick = async () => {
    await Notification.requestPermission();
    button.hidden = Notification.permission !== "default";
  };
}
