#!/usr/bin/env bash
# Runs every benchmark and writes target/bench.json; one `BENCH <name> <value> <unit>` line
# per figure on stdout (BENCH.md). Not part of the test command: figures are printed,
# never asserted.
#
#   bash scripts/bench.sh            # native + server + browser (S and M)
#   BENCH_SIZES=S bash scripts/bench.sh
#   CONCURRENT_SECS=10 bash scripts/bench.sh   # shorter concurrent_clients run
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash "$ROOT/scripts/setup.sh"
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
OUT="$ROOT/target/bench.txt"
mkdir -p "$ROOT/target"
: >"$OUT"

run() { "$@" 2>&1 | tee /dev/stderr | grep '^BENCH ' >>"$OUT" || true; }

run cargo bench -p crm-server --bench sync
run cargo bench -p crm-server --bench concurrent
run cargo bench -p crm-core --bench segment
run cargo bench -p crm-core --bench search
trunk build --release
run node scripts/bench-browser.mjs "${BENCH_SIZES:-S,M}"
run node scripts/bench-segment.mjs "${BENCH_SIZES:-S,M}"
cargo build --release -p crm-server --bin crm-server --example seed_demo
run node scripts/bench-pull.mjs "${BENCH_SIZES:-S,M}"
if [[ -f scripts/bench-import.mjs ]]; then run node scripts/bench-import.mjs; fi

node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean);
const out = lines.map((l) => { const [, name, value, unit, ...rest] = l.split(" "); return { name, value: Number(value.replace(/,/g, "")) || value, unit, extra: rest.join(" ") }; });
require("fs").writeFileSync(process.argv[2], JSON.stringify(out, null, 2));
' "$OUT" "$ROOT/target/bench.json"
echo "== summary (target/bench.json) =="
cat "$OUT"
