#!/usr/bin/env bash
# A 10k-cell scenario in its own embedded database, for bench/bench_api.py and
# bench/bench_api_schemathesis.py. Usage: bench/bench_api_setup.sh [DIR] (default bench/out/api).
# SCN=path/to/scenario reuses scenario files generated before (generating 10k cells takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-bench/out/api}"
SCN="${SCN:-$DIR/scn}"
NC=.venv/bin/netcomplaint
export NETCOMPLAINT_DATA_DIR="$DIR/data"
export NETCOMPLAINT_PII_KEY="${NETCOMPLAINT_PII_KEY:-bench-pii-key}"
export NETCOMPLAINT_STATEMENT_TIMEOUT_MS=0   # bulk loads of millions of rows
[ -f "$SCN/truth.csv" ] || $NC scenario generate --out "$SCN" --cells 10000 --days 2 --complaints 2000 --seed 11
$NC db init
for kind in cells devices subscribers registrations alarms kpis mr; do
  $NC ingest "$kind" "$SCN/$kind.csv"
done
$NC ingest areas "$SCN/areas.geojson"
$NC db status
touch "$DIR/.loaded"   # bench_api.py without --complaints reuses this directory from now on
echo "now: NETCOMPLAINT_DATA_DIR=$DIR/data NETCOMPLAINT_PII_KEY=$NETCOMPLAINT_PII_KEY .venv/bin/python bench/bench_api.py --complaints $SCN/complaints.csv --batch-timings 10"
