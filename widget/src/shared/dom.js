// Tiny DOM helpers shared by the widget and the console. Strings always become text nodes.

/**
 * An element with attributes and children; strings become text nodes, never HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 * @param {...any} children nodes, strings, or (nested) arrays of them; null/false are skipped
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A file pasted into `input` or dropped on `zone` goes to `take` (the paperclip's own path).
 * @param {HTMLElement} zone @param {HTMLElement} input @param {(file: File) => void} take
 */
export function takeFiles(zone, input, take) {
  const first = (/** @type {any} */ e, /** @type {DataTransfer | null} */ data) => {
    const file = data && data.files[0];
    if (file) { e.preventDefault(); take(file); }
  };
  input.addEventListener("paste", (e) => first(e, e.clipboardData));
  zone.addEventListener("dragover", (e) => { if (e.dataTransfer && [...e.dataTransfer.types].includes("Files")) { e.preventDefault(); zone.classList.add("dropping"); } });
  zone.addEventListener("dragleave", () => zone.classList.remove("dropping"));
  zone.addEventListener("drop", (e) => { zone.classList.remove("dropping"); first(e, e.dataTransfer); });
}

const ICONS = {
  chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
  close: "M6 6l12 12M18 6L6 18",
  send: "M3 11l18-8-8 18-2-8z",
  bot: "M12 3v3M6 8h12a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2zM9 13h.01M15 13h.01",
  thumbDown: "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.7a2 2 0 0 0-2 1.7l-1.4 9a2 2 0 0 0 2 2.3zM17 2h2.7A2.3 2.3 0 0 1 22 4v7a2.3 2.3 0 0 1-2.3 2H17",
  clip: "M20 11l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.5 3.5 0 0 1 5 5L10 17a2 2 0 0 1-3-3l7.5-7.5",
};

/** @param {keyof typeof ICONS} name */
export function svgIcon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "svg i-" + name);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  svg.appendChild(path);
  return svg;
}

// WCAG contrast: the text colour to put on `color`, and a colour for `color`-ish text on white.
/** @param {string} hex "#rgb" or "#rrggbb" */
function luminance(hex) {
  let h = hex.slice(1);
  if (h.length === 3) h = h.replace(/./g, "$&$&");
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** @param {string} a @param {string} b */
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** @param {string} color */
export function textOn(color) {
  return contrast(color, "#ffffff") >= 4.5 ? "#ffffff" : "#111111";
}

/** @param {string} color */
export function inkOn(color) {
  return contrast(color, "#ffffff") >= 4.5 ? color : "#1a1a1a";
}
