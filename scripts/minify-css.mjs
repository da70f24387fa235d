// Run by scripts/dashboard-wasm.sh (Trunk's post-build hook) before precompress.mjs: minifies
// the stylesheets Trunk wrote into the staging directory, and updates their `integrity`
// attributes in index.html to match (Trunk computed them from the files as they were).
//
// Every cold load fetches the stylesheets, and their comments and indentation were about a
// fifth of what they weigh gzipped (main.css: 8.8 -> 7.0 KB). Trunk's own minification would
// also rewrite index.html and its inline prefetch script, so this does the CSS alone, and
// conservatively: comments go, whitespace runs become one space, and spaces next to `{ } ; , :`
// and inside parentheses' edges go, where CSS never needs them. Strings are copied as they are.
//
// It also builds the lazy stylesheets: each `style/lazy/NAME.css` is the stylesheet of pages in
// lazily loaded wasm modules only (src/lazy_pages.rs), which a cold load of the issue list does
// not fetch. Each is minified and written as `NAME-<hash>.css` (content-named, so the server
// lets browsers cache it for good), and index.html gets `window.cairnStylesheets`, NAME ->
// `{href, integrity}`, which its `cairnStylesheet(NAME)` reads to load one when a page first
// needs it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** `css` without comments and needless whitespace. */
export function minifyCss(css) {
  let out = "";
  let pendingSpace = false;
  // A space is never needed after these, nor before those.
  const noSpaceAfter = "{};,:(";
  const noSpaceBefore = "{};,)";
  for (let i = 0; i < css.length; ) {
    const c = css[i];
    if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      i = end < 0 ? css.length : end + 2;
      continue;
    }
    if (/\s/.test(c)) {
      pendingSpace = true;
      i++;
      continue;
    }
    if (pendingSpace) {
      const previous = out[out.length - 1];
      if (out.length > 0 && !noSpaceAfter.includes(previous) && !noSpaceBefore.includes(c)) {
        out += " ";
      }
      pendingSpace = false;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < css.length && css[j] !== c) {
        j += css[j] === "\\" ? 2 : 1;
      }
      out += css.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2];
if (!dir) {
  console.error("minify-css: set TRUNK_STAGING_DIR or pass the directory");
  process.exit(2);
}
const htmlPath = join(dir, "index.html");
let html = readFileSync(htmlPath, "utf8");
const links = /<link rel="stylesheet" href="\/([^"]+\.css)" integrity="sha384-[^"]*"/g;
html = html.replace(links, (_link, name) => {
  const path = join(dir, name);
  const before = readFileSync(path, "utf8");
  const after = minifyCss(before);
  writeFileSync(path, after);
  const integrity = createHash("sha384").update(after).digest("base64");
  console.log(`minify-css: ${name} ${before.length} -> ${after.length} B`);
  return `<link rel="stylesheet" href="/${name}" integrity="sha384-${integrity}"`;
});

const lazyDir = join("style", "lazy");
const lazy = {};
for (const file of readdirSync(lazyDir).filter((f) => f.endsWith(".css")).sort()) {
  const css = minifyCss(readFileSync(join(lazyDir, file), "utf8"));
  const stem = file.slice(0, -".css".length);
  const name = `${stem}-${createHash("sha256").update(css).digest("hex").slice(0, 16)}.css`;
  writeFileSync(join(dir, name), css);
  const integrity = createHash("sha384").update(css).digest("base64");
  lazy[stem] = { href: `/${name}`, integrity: `sha384-${integrity}` };
  console.log(`minify-css: ${file} (lazy) -> ${name}, ${css.length} B`);
}
if (!html.includes("</head>")) {
  console.error(`minify-css: no </head> in ${htmlPath}`);
  process.exit(1);
}
// Before the script that starts the app (which the wasm hook put before `</head>`).
const table = `<script>window.cairnStylesheets=${JSON.stringify(lazy)};</script>`;
html = html.replace(/<link rel="modulepreload"|<\/head>/, (first) => table + first);
writeFileSync(htmlPath, html);
