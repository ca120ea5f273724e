#!/usr/bin/env bash
# Times `rmctl plan` against `rmctl validate` on a generated program: a full
# plan from empty state, and a no-op plan against a state that already
# holds every resource, as apply leaves it (written by bench/mkstate). The
# three commands take turns, RUNS times, so that load from elsewhere on the
# machine falls on all of them alike; the table shows the median wall and
# CPU seconds and the peak RSS, and the engine's share: plan minus validate,
# in percent of validate and in milliseconds.
#
#   PAIRS=10000 RUNS=5 bash bench/plan.sh
set -euo pipefail
for tool in /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y time bc" >&2; exit 1; }
done
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-10000}
RUNS=${RUNS:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go build -o "$out/rmctl" ./cmd/rmctl
go run ./examples/gen -pairs "$PAIRS" -out "$out/prog" >/dev/null
mkdir -p "$out/empty" "$out/full"
cp -r "$out/prog" "$out/empty/prog"
cp -r "$out/prog" "$out/full/prog"
go run ./bench/mkstate -state "$out/full/.rmctl/state.json" "$out/full/prog" >/dev/null

# run NAME DIR ARGS...: one timed run, appended to $out/NAME as "wall cpu rss".
run() {
  local name=$1 dir=$2
  shift 2
  local t0 t1
  # Wall time from the clock in nanoseconds: /usr/bin/time's %e has 10 ms
  # steps, too coarse for a 0.15 s command.
  t0=$(date +%s%N)
  (cd "$dir" && /usr/bin/time -f "%e %U %S %M" -o "$out/t" "$out/rmctl" "$@" >/dev/null 2>&1 || true)
  t1=$(date +%s%N)
  read -r _ user sys rss <"$out/t"
  echo "$(printf "%.3f" "$(echo "scale=3; ($t1 - $t0) / 1000000000" | bc)") $(echo "$user + $sys" | bc) $rss" >>"$out/r.$name"
}

for _ in $(seq "$RUNS"); do
  run validate "$out/empty" validate prog
  run full "$out/empty" plan --now 2026-01-01 prog
  run noop "$out/full" plan --now 2026-01-01 --detailed-exitcode prog
done

# median FILE COLUMN
median() { sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR]=$c} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
maxrss() { sort -n -k3 "$1" | tail -1 | awk '{printf "%d", $3/1024}'; }

vw=$(median "$out/r.validate" 1)
printf '%-28s %8s %8s %8s   (median of %d, load average %s)\n' "$PAIRS pairs" "wall s" "cpu s" "RSS MB" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %8s %8s %8s\n' "rmctl validate" "$vw" "$(median "$out/r.validate" 2)" "$(maxrss "$out/r.validate")"
for row in "full:rmctl plan (empty state)" "noop:rmctl plan (no-op)"; do
  name=${row%%:*}
  w=$(median "$out/r.$name" 1)
  printf '%-28s %8s %8s %8s   %.2fx validate, engine share %+.0f ms\n' "${row#*:}" "$w" "$(median "$out/r.$name" 2)" "$(maxrss "$out/r.$name")" \
    "$(echo "$w / $vw" | bc -l)" "$(echo "($w - $vw) * 1000" | bc -l)"
done
