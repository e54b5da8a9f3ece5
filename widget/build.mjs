// Bundles the browser code into dist/ (no CDN, nothing fetched at run time).
import { build } from "esbuild";

const common = { bundle: true, minify: true, sourcemap: false, target: ["es2019"], logLevel: "info" };

await build({ ...common, entryPoints: ["src/widget.js"], outfile: "dist/widget.js", format: "iife" });
