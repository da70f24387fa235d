#!/usr/bin/env bash
# Trunk post-build hook (Trunk.toml): builds the dashboard's WebAssembly, split per page, into
# Trunk's staging directory, and loads it from index.html; then precompresses everything.
#
# Trunk's own Rust pipeline runs cargo, wasm-bindgen and wasm-opt with nothing in between, and
# the split has to happen between cargo and wasm-bindgen (as cargo-leptos's `--split` does):
#
#   1. cargo builds the wasm with the `split` feature (src/lazy_pages.rs: the issue page, the
#      log-in and the other pages together are `wasm_split` functions, what Leptos' `#[lazy]`
#      builds on) and `--emit-relocs` (.cargo/config.toml), which the splitter needs to follow
#      the calls;
#   2. wasm-split-cli cuts each split function's code, and the code only it uses, into a module
#      of its own, code shared by several of them into small chunks, and writes
#      `__wasm_split.js`, which fetches and instantiates them against the main module's memory
#      and function table when a page is first visited;
#   3. wasm-bindgen makes the main module's JS glue (`--keep-lld-exports`: the split modules
#      import the main module's functions by their linker names);
#   4. wasm-opt -Oz shrinks every module (release builds);
#   5. the files go to `wasm-<hash>/` (the hash of their contents: the server lets browsers
#      cache assets for good, and the modules import each other by relative names, so the
#      directory carries the hash, not each file), and index.html gets the script that starts
#      the app and preloads for the main module;
#   6. the stylesheets are minified (scripts/minify-css.mjs, which updates their integrity
#      attributes) and everything is precompressed (scripts/precompress.mjs).
#
# Environment (set by Trunk): TRUNK_STAGING_DIR, TRUNK_PROFILE (`release` builds the `dashboard`
# cargo profile, anything else the dev profile). Run by `trunk build` / `trunk serve` only.
set -euo pipefail
cd "$(dirname "$0")/.."

staging="${TRUNK_STAGING_DIR:?run by Trunk as a post_build hook (TRUNK_STAGING_DIR unset)}"
target_dir="${CARGO_TARGET_DIR:-target}"
if [ "${TRUNK_PROFILE:-release}" = "release" ]; then
    profile=dashboard
    profile_dir=dashboard
else
    profile=dev
    profile_dir=debug
fi

for tool in wasm-split-cli wasm-bindgen; do
    if ! command -v "$tool" >/dev/null; then
        echo "dashboard-wasm: $tool is missing: run scripts/setup.sh (make setup)" >&2
        exit 1
    fi
done

cargo build --target wasm32-unknown-unknown --profile "$profile" --bin cairn-dashboard --features split
input="$target_dir/wasm32-unknown-unknown/$profile_dir/cairn-dashboard.wasm"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The main module comes out as `cairn-dashboard.wasm`; `__wasm_split.js` imports the JS glue
# that wasm-bindgen then writes next to it, `./cairn-dashboard.js`.
wasm-split-cli "$input" "$work" --target web --out-name cairn-dashboard
wasm-bindgen --target web --keep-lld-exports --no-demangle --no-typescript \
    --out-dir "$work" --out-name cairn-dashboard "$work/cairn-dashboard.wasm"
rm "$work/cairn-dashboard.wasm"

if [ "$profile" = dashboard ]; then
    # npm binaryen 132 (node_modules/.bin first on PATH, see Trunk.toml's note on Debian's);
    # two at a time, one per core.
    # The splitter's name sections carry a subsection binaryen does not know; it drops them
    # anyway (-Oz keeps no names), so its warnings about them are filtered out.
    find "$work" -name '*.wasm' -print0 | xargs -0 -P 2 -I{} wasm-opt -Oz {} -o {} \
        2> >(grep -v '^warning: unknown name subsection' >&2)
fi

hash="$(cd "$work" && find . -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)"
dir="wasm-$hash"
mkdir -p "$staging/$dir"
cp -R "$work"/. "$staging/$dir/"

# Trunk has written index.html into the staging directory by now. The module script starts the
# app as Trunk's did; the preloads let the browser fetch the main module and its glue while it
# still parses the page (the split modules are fetched when their page is visited).
start="<link rel=\"modulepreload\" href=\"/$dir/cairn-dashboard.js\">\
<link rel=\"modulepreload\" href=\"/$dir/__wasm_split.js\">\
<link rel=\"preload\" href=\"/$dir/cairn-dashboard_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\">\
<script type=\"module\">\
import init from \"/$dir/cairn-dashboard.js\";\
await init({ module_or_path: \"/$dir/cairn-dashboard_bg.wasm\" });\
dispatchEvent(new CustomEvent(\"CairnApplicationStarted\"));\
</script>"
html="$staging/index.html"
if ! grep -q '</head>' "$html"; then
    echo "dashboard-wasm: no </head> in $html" >&2
    exit 1
fi
# Trunk leaves the skipped `rel="rust"` link in the page; it is replaced by the script.
START="$start" perl -0pi -e 's{\s*<link data-trunk rel="rust"[^>]*>}{}; s{</head>}{$ENV{START}</head>}' "$html"

node scripts/minify-css.mjs "$staging"
node scripts/precompress.mjs "$staging"
