# Shared by the bench scripts: source it, then call
#
#   measure CMD...     # prints "wall cpu rss_mb": medians of RUNS runs
#
# Medians rather than best runs: the issue's figures are medians, and on
# a shared 2-core machine the best run flatters.
for tool in /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y time bc" >&2; exit 1; }
done
RUNS=${RUNS:-3}

# median reads numbers, one per line, and prints the middle one.
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

measure() {
  local t t0 t1 walls="" cpus="" rsss=""
  t=$(mktemp)
  for _ in $(seq "$RUNS"); do
    # Wall time from the clock in nanoseconds: /usr/bin/time's %e has
    # 10 ms steps, too coarse for the small programs.
    t0=$(date +%s%N)
    /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; rm -f "$t"; exit 1; }
    t1=$(date +%s%N)
    read -r _ user sys rss <"$t"
    walls+="$(printf '%.3f' "$(echo "scale=3; ($t1 - $t0) / 1000000000" | bc)")"$'\n'
    cpus+="$(echo "$user + $sys" | bc)"$'\n'
    rsss+="$((rss / 1024))"$'\n'
  done
  rm -f "$t"
  echo "$(printf '%s' "$walls" | median) $(printf '%s' "$cpus" | median) $(printf '%s' "$rsss" | median)"
}
