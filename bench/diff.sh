#!/usr/bin/env bash
# Times `rmctl diff` across 50 commits of a generated 1,000-pair program
# (49 commits after the first, each pausing one pair and moving one
# session) against validating the program twice, end to end from the
# command line. Prints medians of RUNS runs and the ratio.
#
#   PAIRS=1000 RUNS=5 bash bench/diff.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
PAIRS=${PAIRS:-1000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go build -o "$out/rmctl" ./cmd/rmctl
repo="$out/repo"
go run ./examples/gen -pairs "$PAIRS" -out "$repo/programs/gen" >/dev/null
git -C "$repo" init -q
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q --allow-empty -m empty
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m "generated program"
pairs="$repo/programs/gen/pairs.cue"
for k in $(seq 49); do
  p=$((k * 7 % PAIRS)) q=$((k * 13 % PAIRS + 1))
  sed -i "s/^\t\"pair-$p\": {\$/&\n\t\tstatus: \"paused\"/; s/^\t\"pair-$q\": {\$/&\n\t\tsessions: \"4\": time: \"10:00\"/" "$pairs"
  git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -am "variation $k"
done
(cd "$repo" && "$out/rmctl" validate programs/gen >/dev/null)

cd "$repo"
read -r dw dc dm < <(measure "$out/rmctl" diff HEAD~49 HEAD --now 2027-01-15)
read -r vw vc vm < <(measure sh -c "'$out/rmctl' validate programs/gen && '$out/rmctl' validate programs/gen")
printf '%-32s %8s %8s %8s\n' "$PAIRS pairs, 50 commits" "wall s" "cpu s" "RSS MB"
printf '%-32s %8s %8s %8s\n' "rmctl diff HEAD~49 HEAD" "$dw" "$dc" "$dm"
printf '%-32s %8s %8s %8s\n' "rmctl validate, twice" "$vw" "$vc" "$vm"
printf 'diff / two validates: %.2fx wall\n' "$(echo "$dw / $vw" | bc -l)"
