#!/usr/bin/env bash
# Times `rmctl match` on a generated program of MENTEES mentees and MENTORS
# mentors (engine/match/matchtest), end to end: load, match, write the
# proposal and validate it again. Best of RUNS wall and CPU seconds, peak RSS.
#
#   MENTEES=500 MENTORS=500 RUNS=3 bash bench/match.sh
set -euo pipefail
for tool in /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y time bc" >&2; exit 1; }
done
cd "$(dirname "$0")/.."
MENTEES=${MENTEES:-500}
MENTORS=${MENTORS:-500}
RUNS=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go build -o "$out/rmctl" ./cmd/rmctl
go run ./engine/match/matchtest/gen -mentees "$MENTEES" -mentors "$MENTORS" -out "$out/prog"
best="" maxrss=0
for _ in $(seq "$RUNS"); do
  rm -f "$out/prog/pairs.proposed.cue"
  /usr/bin/time -f "%e %U %S %M" -o "$out/t" "$out/rmctl" match "$out/prog" >"$out/log" 2>&1 || { cat "$out/log" >&2; exit 1; }
  read -r wall user sys rss <"$out/t"
  cpu=$(echo "$user + $sys" | bc)
  if [ -z "$best" ] || (( $(echo "$wall < ${best%% *}" | bc) )); then best="$wall $cpu"; fi
  (( rss > maxrss )) && maxrss=$rss
done
pairs=$(grep -c 'mentor:' "$out/prog/pairs.proposed.cue" || true)
echo "rmctl match, $MENTEES mentees x $MENTORS mentors: ${best%% *} s wall, ${best##* } s CPU, $((maxrss / 1024)) MB peak RSS, $pairs pairs proposed"
