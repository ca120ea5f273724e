#!/usr/bin/env bash
# Times `rmctl validate` against `cue vet -c` (the CUE project's own CLI, at
# the version go.mod pins) on generated programs of 100, 1,000 and 10,000
# pairs, with the same files and the same schema. Prints wall and CPU time
# (best of RUNS) and peak memory (max RSS) for each, and the ratios.
#
#   bash bench/validate.sh            # RUNS=3 SIZES="100 1000 10000"
set -euo pipefail
for tool in /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y time bc" >&2; exit 1; }
done
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SIZES=${SIZES:-100 1000 10000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cue_version=$(go list -m -f '{{.Version}}' cuelang.org/go)
go build -o "$out/rmctl" ./cmd/rmctl
GOFLAGS= GOBIN="$out" go install "cuelang.org/go/cmd/cue@$cue_version"

# measure CMD... prints "wall cpu maxrss_kb" of the best (lowest CPU) run.
measure() {
  local best=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S %M" -o "$out/t" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    read -r wall user sys rss <"$out/t"
    cpu=$(echo "$user + $sys" | bc)
    if [ -z "$best" ] || (( $(echo "$cpu < ${best#* }" | bc) )); then best="$wall $cpu"; fi
    maxrss=$(( ${maxrss:-0} > rss ? ${maxrss:-0} : rss ))
  done
  echo "$best $maxrss"
  maxrss=0
}

printf '%-7s | %-26s | %-26s | %s\n' pairs "rmctl validate (wall/cpu/RSS)" "cue vet -c $cue_version" "ratio cpu / RSS"
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
  printf '%-7s | %6ss %6ss %7s MB | %6ss %6ss %7s MB | %.2fx / %.2fx\n' "$n" "$rw" "$rc" "$((rm / 1024))" "$cw" "$cc" "$((cm / 1024))" \
    "$(echo "$rc / $cc" | bc -l)" "$(echo "$rm / $cm" | bc -l)"
done
