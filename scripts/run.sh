#!/usr/bin/env bash
# Sets the machine up (scripts/setup.sh), builds the release app with trunk and serves
# dist/ on http://127.0.0.1:${PORT:-8080}. Ctrl-C stops the server.
#
#   bash scripts/run.sh            # http://127.0.0.1:8080
#   PORT=9000 bash scripts/run.sh  # http://127.0.0.1:9000
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${PORT:-8080}"

bash "$ROOT/scripts/setup.sh"

# npm's wasm-opt (binaryen 132) and the cargo-installed trunk / wasm-bindgen first:
# trunk must never pick Debian's /usr/bin/wasm-opt.
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

start=$SECONDS
echo "[run] trunk build --release"
trunk build --release
echo "[run] built dist/ in $((SECONDS - start))s"

echo "[run] open http://127.0.0.1:$PORT in a browser (Ctrl-C stops the server)"
exec node "$ROOT/scripts/serve.mjs" --dir "$ROOT/dist" --addr 127.0.0.1 --port "$PORT"
