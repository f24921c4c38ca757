// Bundles the console into dist/: app.js (the page's code with the AWS SDK and xterm.js,
// minified), index.html and style.css as they are, and xterm.js's stylesheet. Run by `npm run build` (scripts/build does).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
rmSync(here + "dist", { recursive: true, force: true });
mkdirSync(here + "dist");
await build({
  entryPoints: [here + "src/main.js"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  outfile: here + "dist/app.js",
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(here + "src/" + file, here + "dist/" + file);
copyFileSync(here + "node_modules/@xterm/xterm/css/xterm.css", here + "dist/xterm.css");
