// What the console shows of a visitor's browser and clock (pure: tested in widget/test/).


/** @param {string} [ua] a User-Agent -> "Chrome 120 on Windows" */
export function browserOf(ua = "") {
  const name = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome"
    : /Safari\//.test(ua) ? "Safari" : "";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows"
    : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  const version = (ua.match(/(?:Edg|Firefox|Chrome|Chromium|Version)\/(\d+)/) || [])[1] || "";
  return [name && `${name} ${version}`.trim(), os && `on ${os}`].filter(Boolean).join(" ") || ua || "—";
}

/** @param {{timezone?: string, local_time?: string}} [visitor] -> the visitor's time now */
export function visitorTime(visitor = {}) {
  if (visitor.timezone) {
    try {
      const now = new Date().toLocaleTimeString([], { timeZone: visitor.timezone, hour: "2-digit", minute: "2-digit" });
      return `${now} (${visitor.timezone})`;
    } catch (e) { /* unknown zone */ }
  }
  return visitor.local_time || "—";
}
