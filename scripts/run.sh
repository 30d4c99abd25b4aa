#!/usr/bin/env bash
# Sets the machine up (scripts/setup.sh), builds the release app (trunk) and the sync server
# (crm-server), creates a fresh SQLite database with a demo user and serves the whole
# product — API and app — from one process on http://127.0.0.1:${PORT:-8080}.
# Ctrl-C stops the server.
#
#   bash scripts/run.sh            # http://127.0.0.1:8080
#   PORT=9000 bash scripts/run.sh  # http://127.0.0.1:9000
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${PORT:-8080}"
DB_DIR="$ROOT/target/run"
DB="$DB_DIR/crm.sqlite"
DEMO_EMAIL="demo@example.com"
DEMO_PASSWORD="demo-field-crm"

bash "$ROOT/scripts/setup.sh"

# npm's wasm-opt (binaryen 132) and the cargo-installed trunk / wasm-bindgen first:
# trunk must never pick Debian's /usr/bin/wasm-opt.
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

start=$SECONDS
echo "[run] trunk build --release"
trunk build --release
echo "[run] cargo build --release -p crm-server"
cargo build --release -p crm-server
echo "[run] built in $((SECONDS - start))s"

mkdir -p "$DB_DIR"
rm -f "$DB" "$DB-wal" "$DB-shm"
"$ROOT/target/release/crm-server" user add --db "$DB" --org "Demo Travel" \
  --email "$DEMO_EMAIL" --password "$DEMO_PASSWORD" --role manager --team "East China"

cat <<MSG

  Field CRM:      http://127.0.0.1:$PORT
  Sign in (Sync): $DEMO_EMAIL / $DEMO_PASSWORD
  Database:       ${DB#"$ROOT"/} (fresh on every run)
  Works offline without signing in; "Load demo data" fills it with 500 customers.
  Ctrl-C stops the server.

MSG
exec "$ROOT/target/release/crm-server" serve --db "$DB" --addr "127.0.0.1:$PORT" --dist "$ROOT/dist"
