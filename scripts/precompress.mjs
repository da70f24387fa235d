// Run at the end of the build (scripts/dashboard-wasm.sh, Trunk's post-build hook): writes
// `NAME.gz` and `NAME.br` next to every wasm, js and css file of the build, subdirectories
// included (the split wasm modules live in `wasm-<hash>/`), so the server sends them
// precompressed (`Content-Encoding`) instead of compressing the same bytes on every request.
// Maximum levels: it runs once per build.
// In release builds the gzip files are written by Zopfli (`@gfx/zopfli`, compiled to wasm: no
// native build), whose deflate streams any gzip decoder reads and are about 4 % smaller than
// zlib's level 9 (the dashboard's wasm: 698 -> 668 KB) for about 8 s more per build; debug
// builds (`trunk serve`), whose wasm is ten times larger, keep zlib. Brotli is Node's zlib.
import { gzipAsync } from "@gfx/zopfli";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const release = process.env.TRUNK_PROFILE !== "debug";

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2];
if (!dir) {
  console.error("precompress: set TRUNK_STAGING_DIR or pass the directory");
  process.exit(2);
}
for (const name of readdirSync(dir, { recursive: true })) {
  if (!/\.(wasm|js|css)$/.test(name)) continue;
  const path = join(dir, name);
  const bytes = readFileSync(path);
  // Two iterations: 15 (Zopfli's default) take four times as long for 0.1 % less.
  const gzip = release
    ? Buffer.from(await gzipAsync(bytes, { numiterations: 2 }))
    : gzipSync(bytes, { level: 9 });
  const brotli = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  writeFileSync(`${path}.gz`, gzip);
  writeFileSync(`${path}.br`, brotli);
  console.log(`precompress: ${name} ${bytes.length} B, gzip ${gzip.length} B, br ${brotli.length} B`);
}
