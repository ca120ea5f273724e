#!/usr/bin/env bash
# Times `rmctl validate` against `cue vet -c` (the CUE project's own CLI, at
# the version go.mod pins) on generated programs, with the same files and
# the same schema. Prints medians of RUNS runs: wall and CPU seconds, peak
# memory (max RSS), and the ratios rmctl / cue.
#
#   bash bench/validate.sh            # RUNS=3 SIZES="100 1000 10000"
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SIZES=${SIZES:-100 1000 10000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cue_version=$(go list -m -f '{{.Version}}' cuelang.org/go)
go build -o "$out/rmctl" ./cmd/rmctl
GOFLAGS= GOBIN="$out" go install "cuelang.org/go/cmd/cue@$cue_version"

printf '%-7s | %-26s | %-26s | %s\n' pairs "rmctl validate (wall/cpu/RSS)" "cue vet -c $cue_version" "ratio wall / RSS"
for n in $SIZES; do
  dir="$out/p$n"
  go run ./examples/gen -pairs "$n" -out "$dir" >/dev/null
  # cue vet needs the schema inside the package: same files, same schema.
  pkg=$(grep -m1 '^package ' "$dir/program.cue" | awk '{print $2}')
  mkdir -p "$out/v$n"
  cp "$dir"/*.cue "$out/v$n/"
  sed "s/^package rmctl$/package $pkg/" schema/schema.cue >"$out/v$n/schema.cue"

  read -r rw rc rm < <(measure "$out/rmctl" validate "$dir")
  read -r cw cc cm < <(cd "$out/v$n" && measure "$out/cue" vet -c .)
  printf '%-7s | %6ss %6ss %7s MB | %6ss %6ss %7s MB | %.2fx / %.2fx\n' "$n" "$rw" "$rc" "$rm" "$cw" "$cc" "$cm" \
    "$(echo "$rw / $cw" | bc -l)" "$(echo "$rm / $cm" | bc -l)"
done
