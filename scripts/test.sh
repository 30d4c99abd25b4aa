#!/usr/bin/env bash
# Sets the machine up (scripts/setup.sh), then runs every check and test layer in order and
# stops at the first failure:
#   1. cargo fmt --check
#   2. clippy on crm-core and crm-server (native, all targets)
#   3. clippy on crm-app (wasm32, all targets)
#   4. crm-core unit/property tests and the sync simulation (native)
#   5. crm-server tests over real HTTP with real SQLite files (native; builds crm-server)
#   6. crm-app wasm-bindgen-test browser tests (headless Chromium via chromedriver)
#   7. trunk build --release (dist/)
#   8. Playwright end-to-end tests (tests/e2e/*.test.mjs) against dist/ served on a free
#      port; the sync tests start their own crm-server (target/debug/crm-server)
#   9. Lighthouse (desktop preset) on the release build: scores printed, targets enforced
# A summary with test counts per layer is printed at the end (also on failure).
# Full logs of each layer: target/test-logs/.
#
#   bash scripts/test.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TOTAL_START=$SECONDS

bash "$ROOT/scripts/setup.sh"

# npm's wasm-opt (binaryen 132) and the cargo-installed trunk / wasm-bindgen first:
# trunk must never pick Debian's /usr/bin/wasm-opt.
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# wasm-bindgen-test-runner (the wasm32 cargo runner from .cargo/config.toml) drives
# headless Chromium through this chromedriver.
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT=120

LOG_DIR="$ROOT/target/test-logs"
mkdir -p "$LOG_DIR"

SUMMARY=()
SERVER_PID=""

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

print_summary() {
  echo
  echo "================================ test summary ================================"
  printf '%-38s %-7s %-32s %s\n' "layer" "result" "tests" "time"
  local row
  for row in "${SUMMARY[@]}"; do
    IFS='|' read -r name result counts secs <<<"$row"
    printf '%-38s %-7s %-32s %ss\n' "$name" "$result" "$counts" "$secs"
  done
  echo "total time (with setup): $((SECONDS - TOTAL_START))s; logs in ${LOG_DIR#"$ROOT"/}/"
  echo "==============================================================================="
}

# Test counts from a log: cargo / wasm-bindgen-test-runner print `test result: ok. N passed;
# M failed; K ignored; ...` per test binary; node --test prints `ℹ pass N` / `ℹ fail M`.
count_tests() {
  local kind=$1 log=$2
  case "$kind" in
    cargo)
      awk '/^test result: / {
             for (i = 1; i <= NF; i++) {
               if ($(i + 1) ~ /^passed/) p += $i
               if ($(i + 1) ~ /^failed/) f += $i
               if ($(i + 1) ~ /^ignored/) g += $i
             }
             n++
           }
           END { printf "%d passed, %d failed, %d ignored", p, f, g }' "$log"
      ;;
    node)
      awk '/^(ℹ|#) pass [0-9]+/ { p = $3 } /^(ℹ|#) fail [0-9]+/ { f = $3 } /^(ℹ|#) skipped [0-9]+/ { s = $3 }
           END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$log"
      ;;
    *) echo "-" ;;
  esac
}

# run_step NAME KIND COMMAND...   (KIND: cargo, node or plain; used to count tests)
run_step() {
  local name=$1 kind=$2
  shift 2
  local slug log start rc=0
  slug="$(tr -c 'a-zA-Z0-9\n' '-' <<<"$name" | tr -s '-' | sed 's/-$//')"
  log="$LOG_DIR/$(printf '%02d' $((${#SUMMARY[@]} + 1)))-$slug.log"
  start=$SECONDS
  echo
  echo "==> [$name] $*"
  "$@" 2>&1 | tee "$log" || rc=$?
  local counts
  counts="$(count_tests "$kind" "$log")"
  if [[ $rc -eq 0 ]]; then
    SUMMARY+=("$name|ok|$counts|$((SECONDS - start))")
  else
    SUMMARY+=("$name|FAILED|$counts|$((SECONDS - start))")
    echo "[test] '$name' failed (exit code $rc); full log: ${log#"$ROOT"/}" >&2
    print_summary
    exit "$rc"
  fi
}

run_step "fmt" plain cargo fmt --all -- --check
run_step "clippy crm-core + crm-server" plain cargo clippy -p crm-core -p crm-server --all-targets -- -D warnings
run_step "clippy crm-app (wasm32)" plain cargo clippy --target wasm32-unknown-unknown -p crm-app --all-targets -- -D warnings
run_step "unit crm-core (native)" cargo cargo test -p crm-core
run_step "server crm-server (real HTTP + SQLite)" cargo cargo test -p crm-server
run_step "build crm-server" plain cargo build -p crm-server
export CRM_SERVER="$ROOT/target/debug/crm-server"
run_step "browser crm-app (wasm-bindgen-test)" cargo cargo test --target wasm32-unknown-unknown -p crm-app
run_step "trunk build --release" plain trunk build --release

# --- end-to-end: serve dist/ on a free port (serve.mjs --port 0 prints the real one) ---------
[[ -f "$ROOT/dist/index.html" ]] || { echo "[test] dist/index.html missing after trunk build" >&2; exit 1; }
SERVER_LOG="$LOG_DIR/serve.log"
node "$ROOT/scripts/serve.mjs" --dir "$ROOT/dist" --addr 127.0.0.1 --port 0 >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
APP_URL=""
for _ in $(seq 1 100); do
  APP_URL="$(sed -n 's/^Serving \(http:[^ ]*\).*$/\1/p' "$SERVER_LOG")"
  [[ -n "$APP_URL" ]] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "[test] serve.mjs exited:" >&2
    cat "$SERVER_LOG" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -n "$APP_URL" ]] || { echo "[test] serve.mjs did not start within 10s" >&2; cat "$SERVER_LOG" >&2; exit 1; }
node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$APP_URL/" ||
  { echo "[test] $APP_URL/ did not answer 200" >&2; exit 1; }
echo "[test] serving dist/ at $APP_URL"
export APP_URL

run_step "e2e (Playwright)" node node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
run_step "lighthouse" plain node "$ROOT/scripts/lighthouse.mjs" "$APP_URL/customers"

cleanup
SERVER_PID=""
print_summary
