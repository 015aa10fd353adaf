#!/usr/bin/env bash
# Regenerate the runs behind docs/REPRODUCTION.md: Figure 1 then Figure 2 of the small grid under
# the `calibrated` preset, through a real `betalab serve` (SQLite, embedded broker, 2 CPU workers
# with one torch thread each), timed. Outputs land in OUT/figureN/ (figureN.png, .md, .csv) and
# OUT/times; copy the PNGs into docs/reproduction/ to update the report.
#
#   scripts/reproduce_paper.sh [OUT]          (default OUT: reproduction-run)
#   GRID=paper PRESET=paper scripts/reproduce_paper.sh   (the paper's 520 + 2,050 runs)
#   FIGURES=2 scripts/reproduce_paper.sh      (one figure only)
#
# Re-running with the same OUT re-attaches to the experiments it started.
set -u
out="$(realpath -m "${1:-reproduction-run}")"
grid="${GRID:-small}"
preset="${PRESET:-calibrated}"
port="${PORT:-8011}"
workers="${WORKERS:-2}"
bin="$(dirname "$0")/../.venv/bin"
mkdir -p "$out"
export BETALAB_DATA_DIR="$out/data" BETALAB_PORT="$port"
"$bin/betalab" serve --cpu "$workers" >"$out/serve.log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null' EXIT
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 1
done
key_file="$out/key"
[ -s "$key_file" ] || "$bin/betalab" keys create --name reproduction | tail -1 >"$key_file"
for figure in ${FIGURES:-1 2}; do
  date -u +"figure$figure start %FT%TZ" >>"$out/times"
  "$bin/betalab" reproduce --figure "$figure" --grid "$grid" --preset "$preset" \
    --out "$out/figure$figure" --server "http://127.0.0.1:$port" --api-key "$(cat "$key_file")" \
    --interval 10 || exit $?
  date -u +"figure$figure end %FT%TZ" >>"$out/times"
done
