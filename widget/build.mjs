// Bundles the browser code into dist/ (no CDN, nothing fetched at run time):
//   widget.js   the visitor widget (served at /widget.js)
//   console.js  the agent console (+ console.css), page pages/console.html
//   rasa-webchat.js + webchat-init.js  the stock rasa-webchat bundle, copied as is, and its start
// First src/shared/wording.js is written again from bot/wording.py (the server's button labels).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";

try {
  execFileSync(process.env.PYTHON || "python3", ["../scripts/wording_js.py"], { stdio: "inherit" });
} catch (error) { // the committed file stays: it is checked by `npm test` where Python is
  console.warn(`src/shared/wording.js not regenerated (${error.message}); using the committed one`);
}

const common = { bundle: true, minify: true, sourcemap: false, target: ["es2019"], format: "iife", logLevel: "warning" };

await mkdir("dist", { recursive: true });
await Promise.all([
  build({ ...common, entryPoints: ["src/widget.js"], outfile: "dist/widget.js" }),
  build({ ...common, entryPoints: ["src/console.js"], outfile: "dist/console.js", target: ["es2020"] }),
  build({ ...common, entryPoints: ["src/webchat-init.js"], outfile: "dist/webchat-init.js", bundle: false }),
  copyFile("src/console.css", "dist/console.css"),
  copyFile("node_modules/rasa-webchat/lib/index.js", "dist/rasa-webchat.js"),
]);

// The widget's own code, without socket.io-client, must stay small: report both sizes.
const own = await build({
  ...common, entryPoints: ["src/widget.js"], write: false, metafile: false,
  plugins: [{ name: "no-socket-io", setup(b) {
    b.onResolve({ filter: /^socket\.io-client$/ }, () => ({ path: "stub", namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export const io = () => ({ on() {}, emit() {} });" }));
  } }],
});
const gz = (bytes) => (gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1) + " KB";
const total = await readFile("dist/widget.js");
console.log(`dist/widget.js: ${gz(total)} gzipped (own code ${gz(own.outputFiles[0].contents)}, the rest is socket.io-client)`);
