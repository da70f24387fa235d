// Trunk post-build hook (Trunk.toml): writes `NAME.gz` and `NAME.br` next to every wasm, js and
// css file of the build, so the server sends them precompressed (`Content-Encoding`) instead of
// compressing the same bytes on every request. Node's zlib ships with the Node that the npm
// wasm-opt already needs, so this adds no tool. Maximum levels: it runs once per build.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2];
if (!dir) {
  console.error("precompress: set TRUNK_STAGING_DIR or pass the directory");
  process.exit(2);
}
for (const name of readdirSync(dir)) {
  if (!/\.(wasm|js|css)$/.test(name)) continue;
  const path = join(dir, name);
  const bytes = readFileSync(path);
  const gzip = gzipSync(bytes, { level: 9 });
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
