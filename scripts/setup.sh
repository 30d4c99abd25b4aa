#!/usr/bin/env bash
# Installs everything the build and the tests need, from the registries this machine
# reaches (crates.io, npm, Debian apt, the rustup target). Idempotent: every step is
# skipped when it is already satisfied, so a second run takes seconds.
#
#   bash scripts/setup.sh
#
# Recipe and reasons: TOOLCHAIN.md (wasm target, Debian chromium + chromium-driver,
# wasm-bindgen-cli at the Cargo.lock version, trunk 0.21.14, npm binaryen 132 for wasm-opt,
# npm playwright-core). A clean 2-core machine spends ~20 minutes here, mostly compiling
# trunk (~12 min) and wasm-bindgen-cli (~3.5 min).
#
# Run it, do not source it. Afterwards put the pinned tools first on PATH, as
# scripts/run.sh and scripts/test.sh do:
#   export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# node_modules/.bin must come first so that trunk finds npm's wasm-opt 132 and never
# Debian's /usr/bin/wasm-opt (binaryen 108 builds a wasm that fails at start-up).
set -euo pipefail

TRUNK_VERSION="0.21.14"
WASM_TARGET="wasm32-unknown-unknown"
WASM_OPT_VERSION="132"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$ROOT/node_modules/.bin:$CARGO_BIN:$PATH"
cd "$ROOT"

SETUP_START=$SECONDS
STEP_START=$SECONDS

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }
begin() { STEP_START=$SECONDS; log "$*"; }
finish() { log "  done in $((SECONDS - STEP_START))s"; }
skip() { log "skip: $*"; }

# Root runs apt-get directly; anyone else needs sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# The exact version of the `wasm-bindgen` package in Cargo.lock (there must be exactly one).
lock_wasm_bindgen_version() {
  [[ -f Cargo.lock ]] || die "Cargo.lock not found in $ROOT"
  local versions
  versions="$(awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = / { name = $3; gsub(/"/, "", name) }
    /^version = / && name == "wasm-bindgen" { v = $3; gsub(/"/, "", v); print v; name = "" }
  ' Cargo.lock | sort -u)"
  [[ -n "$versions" ]] || die "no wasm-bindgen package in Cargo.lock"
  [[ "$(wc -l <<<"$versions")" -eq 1 ]] || die "several wasm-bindgen versions in Cargo.lock: $(tr '\n' ' ' <<<"$versions")"
  printf '%s\n' "$versions"
}

# Prints the version a tool reports (second word of `TOOL --version`), or nothing.
tool_version() {
  command -v "$1" >/dev/null 2>&1 || return 0
  "$1" --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true
}

# --- preconditions -------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || die "cargo not found (expected the machine's rustup toolchain in $CARGO_BIN)"
command -v rustup >/dev/null 2>&1 || die "rustup not found"
command -v node >/dev/null 2>&1 || die "node not found (the machine provides Node.js 20)"
command -v npm >/dev/null 2>&1 || die "npm not found"
log "cargo: $(cargo --version); node: $(node --version); npm: $(npm --version)"

# --- 1. Rust: wasm target, rustfmt, clippy ---------------------------------------------------
if rustup target list --installed | grep -qx "$WASM_TARGET"; then
  skip "rust target $WASM_TARGET already installed"
else
  begin "rustup target add $WASM_TARGET"
  rustup target add "$WASM_TARGET"
  finish
fi

missing_components=()
installed_components="$(rustup component list --installed)"
for component in rustfmt clippy; do
  grep -q "^$component" <<<"$installed_components" || missing_components+=("$component")
done
if [[ ${#missing_components[@]} -eq 0 ]]; then
  skip "rustfmt and clippy already installed"
else
  begin "rustup component add ${missing_components[*]}"
  rustup component add "${missing_components[@]}"
  finish
fi

# --- 2. Browser: Debian chromium + chromedriver -----------------------------------------------
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  skip "chromium and chromedriver already installed ($(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
else
  begin "apt-get install chromium chromium-driver (~2-3 min)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
  [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] || die "chromium or chromedriver missing after apt-get install"
  finish
fi

# --- 3. wasm-bindgen-cli at the Cargo.lock version ---------------------------------------------
WASM_BINDGEN_VERSION="$(lock_wasm_bindgen_version)"
if [[ "$(tool_version wasm-bindgen)" == "$WASM_BINDGEN_VERSION" &&
      "$(tool_version wasm-bindgen-test-runner)" == "$WASM_BINDGEN_VERSION" ]]; then
  skip "wasm-bindgen-cli $WASM_BINDGEN_VERSION already installed"
else
  begin "cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION (~3.5 min)"
  # No --locked: the crate's own lock file pins a webpki-roots version this registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  [[ "$(tool_version wasm-bindgen)" == "$WASM_BINDGEN_VERSION" ]] ||
    die "wasm-bindgen on PATH is '$(command -v wasm-bindgen || true)' version '$(tool_version wasm-bindgen)', want $WASM_BINDGEN_VERSION"
  finish
fi

# --- 4. trunk ------------------------------------------------------------------------------------
# If another shell is already compiling trunk (cargo install), wait for it instead of
# compiling it a second time in parallel.
if [[ "$(tool_version trunk)" != "$TRUNK_VERSION" ]] && pgrep -f "cargo install.*trunk" >/dev/null 2>&1; then
  begin "another 'cargo install ... trunk' is running; waiting for it to finish"
  while pgrep -f "cargo install.*trunk" >/dev/null 2>&1; do sleep 5; done
  finish
fi
if [[ "$(tool_version trunk)" == "$TRUNK_VERSION" ]]; then
  skip "trunk $TRUNK_VERSION already installed"
else
  begin "cargo install --locked trunk --version $TRUNK_VERSION (~12 min)"
  # Newer trunk releases need rustc >= 1.96; this machine has 1.95.
  cargo install --locked trunk --version "$TRUNK_VERSION"
  [[ "$(tool_version trunk)" == "$TRUNK_VERSION" ]] ||
    die "trunk on PATH is '$(command -v trunk || true)' version '$(tool_version trunk)', want $TRUNK_VERSION"
  finish
fi

# --- 5. npm packages: binaryen (wasm-opt) and playwright-core --------------------------------
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json ]]; then
  npm_reason="node_modules is missing"
elif [[ -f package-lock.json && package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm_reason="package-lock.json is newer than node_modules"
elif [[ ! -f package-lock.json && package.json -nt node_modules/.package-lock.json ]]; then
  npm_reason="package.json is newer than node_modules"
else
  npm_reason=""
fi
if [[ -z "$npm_reason" ]]; then
  skip "node_modules is up to date"
elif [[ -f package-lock.json ]]; then
  begin "npm ci ($npm_reason)"
  npm ci --no-audit --no-fund
  finish
else
  begin "npm install ($npm_reason; no package-lock.json)"
  npm install --no-audit --no-fund
  finish
fi

# --- checks: the tools trunk and the tests will pick from PATH -------------------------------------
wasm_opt_path="$(command -v wasm-opt || true)"
[[ "$wasm_opt_path" == "$ROOT/node_modules/.bin/wasm-opt" ]] ||
  die "wasm-opt on PATH is '$wasm_opt_path', expected $ROOT/node_modules/.bin/wasm-opt (npm binaryen)"
wasm_opt_version="$(wasm-opt --version | awk '{ print $3 }')"
[[ "$wasm_opt_version" == "$WASM_OPT_VERSION" ]] ||
  die "wasm-opt reports version '$wasm_opt_version', want $WASM_OPT_VERSION"

log "tools: trunk $(tool_version trunk), wasm-bindgen $(tool_version wasm-bindgen)," \
  "wasm-opt $wasm_opt_version (npm), chromedriver $(tool_version /usr/bin/chromedriver)"
log "setup complete in $((SECONDS - SETUP_START))s"
