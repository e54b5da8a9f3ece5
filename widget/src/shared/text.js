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
