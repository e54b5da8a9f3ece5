// Rules for what the wire may put on a page: links are followed only when they are http(s)
// (images also from data:image), and a quick-reply payload is shown as its button's title.
// Everything here returns strings or booleans: rendering stays with el() and textContent.

/** @param {unknown} url */
export const isHttpUrl = (url) => typeof url === "string" && /^https?:\/\//.test(url);

/** @param {unknown} src an image's source: http(s) or an inline image, nothing else */
export const isImageSrc = (src) => typeof src === "string" && /^(https?:|data:image\/)/.test(src);

/**
 * A file from the wire, when its link may be followed (a signed http(s) link from the bridge).
 * @param {any} file
 * @returns {{url: string, name: string, type: string, size: number} | null}
 */
export function safeFile(file) {
  return file && isHttpUrl(file.url) ? file : null;
}

/** @param {number} bytes */
export function fileSize(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** @param {unknown} text a visitor's text that is a button's payload ("/human_handoff") */
export const isPayload = (text) => typeof text === "string" && /^\/\w/.test(text);

/**
 * The title of the button whose payload this is, or "" when none is known.
 * @param {string} payload
 * @param {Record<string, string>} titles payload -> title (the bridge's buttons, the chat's own)
 * @param {Record<string, string>} [departments] key -> title, for "/department KEY"
 */
export function buttonTitle(payload, titles, departments = {}) {
  const department = /^\/department\s+(\w+)$/.exec(payload);
  return titles[payload] || (department && departments[department[1]]) || "";
}

// An answer of the bot (a message with `answer`, from the bridge): web links as in Markdown,
// [words](https://...), and bare http(s) addresses are links; any other link is its words. The
// same rules as bot/answer_text.py `parts`. Agents' and visitors' text is never read this way.
const ANSWER_PIECE = /\[([^[\]\n]{1,200})\]\(\s*((?:[^()\s]|\([^()\s]*\))*)\s*\)|(https?:\/\/[^\s<>"'`[\]()]+)/gi;

/** @param {unknown} url an http(s) address with no spaces, quotes or angle brackets */
export const isWebUrl = (url) => typeof url === "string" && /^https?:\/\/[^\s<>"'`]{1,500}$/i.test(url);

/**
 * An answer's text as pieces in order: `href` is "" for plain words.
 * @param {unknown} text
 * @returns {{text: string, href: string}[]}
 */
export function answerParts(text) {
  const source = typeof text === "string" ? text : "";
  /** @type {{text: string, href: string}[]} */
  const pieces = [];
  /** @param {string} words @param {string} href */
  const push = (words, href) => {
    const last = pieces[pieces.length - 1];
    if (!words) return;
    if (!href && last && !last.href) last.text += words;
    else pieces.push({ text: words, href });
  };
  let at = 0;
  for (const m of source.matchAll(ANSWER_PIECE)) {
    push(source.slice(at, m.index), "");
    if (m[3]) {
      const address = m[3].replace(/[.,;:!?]+$/, "");
      push(address, address);
      push(m[3].slice(address.length), "");
    } else {
      push(m[1], isWebUrl(m[2]) ? m[2] : "");
    }
    at = (m.index || 0) + m[0].length;
  }
  push(source.slice(at), "");
  return pieces;
}
