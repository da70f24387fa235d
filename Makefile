# Cairn: `make run` to start it, `make test` to test everything. `make help` lists the rest.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
# The server and its tests; the dashboard (root package) only builds for wasm32.
NATIVE := -p cairn-types -p cairn-server

.PHONY: help run test lint fmt fmt-check setup setup-browser dashboard server test-server test-dashboard bench clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-15s %s\n", $$1, $$2}'

run: setup dashboard ## Build everything and start Cairn on http://127.0.0.1:8000 (data in ./data)
	cargo run --release -p cairn-server --bin cairn -- serve

# Clippy is `make lint`, not part of `make test`: its two passes (native and wasm32) compile
# every dependency a second time, about 10 minutes on two cores, and CI (`make test` on a fresh
# machine, tools included) must finish in 30. Run `make lint` before committing.
test: setup setup-browser dashboard fmt-check test-server test-dashboard ## Run the whole suite, browser tests included
	@echo "All tests passed."

setup: ## Install the build tools that are missing (wasm32 target, trunk, wasm-bindgen, wasm-opt)
	@scripts/setup.sh

setup-browser: ## Also install Debian's chromium and chromium-driver for the browser tests
	@scripts/setup.sh --browser

# Trunk's post-build hook builds the wasm (`dashboard` cargo profile, split per page): see
# scripts/dashboard-wasm.sh.
dashboard: setup ## Build the dashboard into dist/ (Trunk, release, size-optimised profile)
	trunk build --release

server: ## Build the cairn binary (release)
	cargo build --release -p cairn-server

# INSTA_UPDATE=no: a missing or changed snapshot (server/tests/it/snapshots/) fails the run
# instead of being written as a .snap.new next to it.
test-server: ## Unit and integration tests of the server (needs dist/ and chromium for the browser tests)
	INSTA_UPDATE=no cargo test $(NATIVE)

test-dashboard: ## Component tests of the dashboard in headless Chromium (wasm-bindgen-test)
	cargo test -p cairn-dashboard --target wasm32-unknown-unknown

fmt-check: ## Check formatting (rustfmt)
	cargo fmt --all --check

lint: fmt-check ## rustfmt and clippy, warnings are errors (run before committing)
	cargo clippy $(NATIVE) --all-targets -- -D warnings
	cargo clippy -p cairn-dashboard --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy -p cairn-dashboard --target wasm32-unknown-unknown --features split --lib --bins -- -D warnings

fmt: ## Format the code
	cargo fmt --all

# The benchmarks' binaries, wherever cargo builds (CARGO_TARGET_DIR when set).
BENCH_BIN = $(or $(CARGO_TARGET_DIR),target)/release/examples

# The dashboard bench measures dist/ as `make dashboard` builds it, in headless Chromium.
bench: setup-browser dashboard ## Benchmarks, printing figures (ingest; API on 1M events; release health; dashboard size, cold load, live updates)
	cargo build --release -p cairn-server --bin cairn --example ingest_bench --example api_bench --example health_bench --example dashboard_bench
	$(BENCH_BIN)/ingest_bench
	$(BENCH_BIN)/api_bench
	$(BENCH_BIN)/health_bench
	$(BENCH_BIN)/dashboard_bench

clean: ## Remove build output (keeps ./data)
	cargo clean
	rm -rf dist
