#!/usr/bin/env bash
# Times `rmctl plan` against `rmctl validate` on a generated program: a full
# plan from empty state, and a no-op plan against a state that already
# holds every resource (written by bench/mkstate). The engine's own share is
# plan minus validate. Best of RUNS, wall and CPU seconds, peak RSS.
#
#   PAIRS=10000 RUNS=3 bash bench/plan.sh
set -euo pipefail
for tool in /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y time bc" >&2; exit 1; }
done
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-10000}
RUNS=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go build -o "$out/rmctl" ./cmd/rmctl
go run ./examples/gen -pairs "$PAIRS" -out "$out/prog" >/dev/null
cd "$out"

measure() {
  local best="" maxrss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S %M" -o t "$@" >/dev/null 2>&1 || true
    read -r wall user sys rss <t
    cpu=$(echo "$user + $sys" | bc)
    if [ -z "$best" ] || (( $(echo "$wall < ${best%% *}" | bc) )); then best="$wall $cpu"; fi
    (( rss > maxrss )) && maxrss=$rss
  done
  echo "$best $((maxrss / 1024))"
}

read -r vw vc vm < <(measure ./rmctl validate prog)
read -r fw fc fm < <(measure ./rmctl plan --now 2026-01-01 prog)
(cd /work/main 2>/dev/null || true)
go run -C "$OLDPWD" ./bench/mkstate -state "$out/.rmctl/state.json" "$out/prog" >/dev/null
read -r nw nc nm < <(measure ./rmctl plan --now 2026-01-01 --detailed-exitcode prog)

printf '%-28s %8s %8s %8s\n' "$PAIRS pairs" "wall s" "cpu s" "RSS MB"
printf '%-28s %8s %8s %8s\n' "rmctl validate" "$vw" "$vc" "$vm"
printf '%-28s %8s %8s %8s   engine share %.0f%%\n' "rmctl plan (empty state)" "$fw" "$fc" "$fm" "$(echo "($fw - $vw) * 100 / $vw" | bc -l)"
printf '%-28s %8s %8s %8s   engine share %.0f%%\n' "rmctl plan (no-op)" "$nw" "$nc" "$nm" "$(echo "($nw - $vw) * 100 / $vw" | bc -l)"
