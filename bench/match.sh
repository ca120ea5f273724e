#!/usr/bin/env bash
# Times `rmctl match` on a generated program of MENTEES mentees and MENTORS
# mentors (engine/match/matchtest), end to end: load, match, write the
# proposal and validate it again. Medians of RUNS runs: wall and CPU seconds, peak RSS.
#
#   MENTEES=500 MENTORS=500 RUNS=3 bash bench/match.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
MENTEES=${MENTEES:-500}
MENTORS=${MENTORS:-500}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go build -o "$out/rmctl" ./cmd/rmctl
go run ./engine/match/matchtest/gen -mentees "$MENTEES" -mentors "$MENTORS" -out "$out/prog"
read -r wall cpu rss < <(measure sh -c "rm -f '$out/prog/pairs.proposed.cue' && '$out/rmctl' match '$out/prog'")
pairs=$(grep -c 'mentor:' "$out/prog/pairs.proposed.cue" || true)
echo "rmctl match, $MENTEES mentees x $MENTORS mentors: $wall s wall, $cpu s CPU, $rss MB peak RSS (medians of $RUNS), $pairs pairs proposed"
