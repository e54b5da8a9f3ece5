// Times and stream ids as people read them.

/**
 * Compares two Redis stream ids ("ms-seq"); "" counts as the smallest.
 * @param {string} a
 * @param {string} b
 */
export function cmpId(a, b) {
  const [a1, a2] = (a || "0-0").split("-").map(Number);
  const [b1, b2] = (b || "0-0").split("-").map(Number);
  return a1 - b1 || a2 - b2;
}

/** @param {number | undefined} ts seconds since the epoch -> "14:05" in the reader's locale, or "" */
export function clockTime(ts) {
  return ts ? new Date(ts * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

/** @param {number} seconds -> "m:ss" under an hour, else "h h m min" */
export function fmtWait(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s < 3600 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** @param {number} seconds a queue's estimate -> whole minutes, at least one */
export const minutes = (seconds) => Math.max(1, Math.round(seconds / 60));
