#!/usr/bin/env bash
# Keeps rmctl's local state between CI runs on a branch of the repository
# (default rmctl-state). The apply workflow calls "restore" before apply and
# "save" after it (also when apply failed or was cancelled); the review
# workflow calls "restore" only. cmd/rmctl/statebranch_test.go runs this
# script against a real bare repository and a killed apply.
#
#   restore  fetch the branch and put its files into the state directory.
#            No branch (git ls-remote says so) means a first apply; any
#            other failure to read it is an error, never "no state".
#   save     commit the state directory's files on top of what restore
#            fetched and push without force: the push fails if the branch
#            moved since, and save refuses a state whose lineage differs
#            from the branch's (a new lineage would forget what was sent).
#
# Saved are state.json and, after an interrupted apply, its journal: the
# journal records every action done since state.json was last written, and
# without it the next run would do them all again. The lock is not saved:
# the job that held it is gone.
#
# Environment: RMCTL_STATE_DIR (.rmctl), RMCTL_STATE_BRANCH (rmctl-state),
# RMCTL_STATE_REMOTE (origin), RMCTL_STATE_BASE (a file where restore
# records what it found, for save; default $RUNNER_TEMP/rmctl-state-base).
# Pushing uses the credentials actions/checkout persisted for the remote.
set -euo pipefail

dir=${RMCTL_STATE_DIR:-.rmctl}
branch=${RMCTL_STATE_BRANCH:-rmctl-state}
remote=${RMCTL_STATE_REMOTE:-origin}
base_file=${RMCTL_STATE_BASE:-${RUNNER_TEMP:-/tmp}/rmctl-state-base}
files=(state.json state.json.journal)

die() {
	echo "rmctl-state: $*" >&2
	exit 1
}

# remote_head prints the branch's commit, or "none" when the remote says
# the branch does not exist. Every other failure is fatal.
remote_head() {
	local out rc=0
	out=$(git ls-remote --exit-code "$remote" "refs/heads/$branch") || rc=$?
	case $rc in
	0) printf '%s\n' "${out%%[[:space:]]*}" ;;
	2) echo none ;;
	*) die "cannot read branch $branch from $remote (git ls-remote exit $rc)" ;;
	esac
}

# lineage prints the lineage recorded in the header of the state on stdin.
lineage() {
	head -c 65536 | grep -o '"lineage": *"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/'
}

restore() {
	local head
	head=$(remote_head)
	mkdir -p "$dir"
	chmod 700 "$dir"
	if [ "$head" = none ]; then
		echo "rmctl-state: no branch $branch on $remote yet: starting without state"
		echo none >"$base_file"
		return
	fi
	git fetch --quiet --no-tags --depth=1 "$remote" "refs/heads/$branch" ||
		die "fetching branch $branch from $remote failed"
	head=$(git rev-parse FETCH_HEAD)
	git cat-file -e "$head:state.json" 2>/dev/null || die "branch $branch ($head) has no state.json"
	umask 077
	local f
	for f in "${files[@]}"; do
		if git cat-file -e "$head:$f" 2>/dev/null; then
			git show "$head:$f" >"$dir/$f"
		else
			rm -f "$dir/$f"
		fi
	done
	echo "$head" >"$base_file"
	echo "rmctl-state: restored state from $branch ($head)"
}

save() {
	[ -f "$base_file" ] || die "restore did not run (no $base_file): not saving state"
	local base head ours theirs
	base=$(cat "$base_file")
	if [ ! -f "$dir/state.json" ]; then
		[ ! -f "$dir/state.json.journal" ] || die "$dir has a journal but no state.json: not saving"
		echo "rmctl-state: no state in $dir: nothing to save"
		return
	fi
	ours=$(lineage <"$dir/state.json")
	[ -n "$ours" ] || die "$dir/state.json has no lineage: not saving"
	head=$(remote_head)
	[ "$head" = "$base" ] || die "branch $branch moved since restore ($base, now $head): not overwriting it"
	if [ "$base" != none ]; then
		theirs=$(git show "$base:state.json" | lineage)
		[ "$ours" = "$theirs" ] ||
			die "the state's lineage $ours differs from the lineage $theirs on $branch: not overwriting it (see the state chapter of the README)"
	fi

	# Build the commit in a private index: the checkout is left alone.
	local tmp tree commit f
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	for f in "${files[@]}"; do
		if [ -f "$dir/$f" ]; then
			GIT_INDEX_FILE=$tmp/index git update-index --add --cacheinfo \
				"100644,$(git hash-object -w "$dir/$f"),$f"
		fi
	done
	tree=$(GIT_INDEX_FILE=$tmp/index git write-tree)
	local parent=()
	[ "$base" = none ] || parent=(-p "$base")
	commit=$(GIT_AUTHOR_NAME=rmctl GIT_AUTHOR_EMAIL=rmctl@users.noreply.github.com \
		GIT_COMMITTER_NAME=rmctl GIT_COMMITTER_EMAIL=rmctl@users.noreply.github.com \
		git commit-tree "$tree" "${parent[@]}" -m "rmctl state after ${GITHUB_SHA:-a local run}")
	# No force: if the branch moved after the check above, this fails.
	git push --quiet "$remote" "$commit:refs/heads/$branch" ||
		die "pushing state to $branch failed"
	echo "$commit" >"$base_file"
	echo "rmctl-state: saved state to $branch ($commit)"
}

case ${1:-} in
restore) restore ;;
save) save ;;
*) die "usage: rmctl-state.sh restore|save" ;;
esac
