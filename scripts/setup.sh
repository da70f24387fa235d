#!/usr/bin/env bash
# Installs what building (and, with --browser, testing) Cairn needs, skipping what is present.
# Run by `make run` and `make test`; safe to run again.
#
#   scripts/setup.sh            wasm32 target, trunk, wasm-bindgen-cli, wasm-split-cli,
#                               wasm-opt (npm binaryen), sentry-cli (npm, for the tests)
#   scripts/setup.sh --browser  also Debian's chromium and chromium-driver, OpenSSL headers
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14       # newest trunk that builds with the stable rustc here (1.95)
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages, installed with apt-get as root (or through sudo).
apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    say "installing Debian packages: $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

# The wasm-bindgen version in Cargo.lock: the CLI must be exactly that version.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q "trunk $TRUNK_VERSION"; then
    say "installing trunk $TRUNK_VERSION (takes several minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi

WB_VERSION="$(wasm_bindgen_version)"
if [ -z "$WB_VERSION" ]; then
    echo "cannot find wasm-bindgen in Cargo.lock" >&2
    exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "wasm-bindgen $WB_VERSION"; then
    say "installing wasm-bindgen-cli $WB_VERSION (takes a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --locked
fi

# The splitter of the dashboard's wasm (scripts/dashboard-wasm.sh): the CLI of the library that
# cargo-leptos uses for Leptos' `#[lazy]`, whose 0.2 series matches the `wasm_split_helpers` 0.2
# that Leptos 0.8 puts in Cargo.lock. It prints no version, so cargo's install list tells.
WASM_SPLIT_VERSION=0.2.4
if ! command -v wasm-split-cli >/dev/null \
    || ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
    say "installing wasm-split-cli $WASM_SPLIT_VERSION (takes a few minutes, once)"
    cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
fi

# Node tools, from package-lock.json: wasm-opt shrinks the dashboard (Debian's binaryen 108
# breaks the app, so the npm build of binaryen 132 is used, see Trunk.toml), Zopfli writes its
# gzip files (scripts/precompress.mjs), and sentry-cli is a real API client for the integration
# tests. sentry-cli's binary comes in its optional dependency
# @sentry/cli-linux-x64; SENTRYCLI_SKIP_DOWNLOAD=1 keeps its postinstall from trying its fallback
# download (only registries are reachable here), so a missing binary shows up as a failing test.
SENTRY_CLI_VERSION="$(node -p 'require("./package.json").devDependencies["@sentry/cli"]' 2>/dev/null || true)"
if ! node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version 132" \
    || ! node_modules/.bin/sentry-cli --version 2>/dev/null | grep -qx "sentry-cli $SENTRY_CLI_VERSION" \
    || [ ! -f node_modules/@gfx/zopfli/package.json ]; then
    if ! command -v npm >/dev/null; then
        apt_install nodejs npm
    fi
    say "installing the node tools (npm binaryen 132, sentry-cli, zopfli)"
    SENTRYCLI_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--browser" ]; then
    missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    # The official sentry crate and the WebDriver client use native TLS (OpenSSL).
    pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev pkg-config)
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
fi
