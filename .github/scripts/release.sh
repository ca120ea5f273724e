#!/usr/bin/env bash
# Builds rmctl's release binaries: static (CGO_ENABLED=0), -trimpath, for
# linux, darwin and windows on amd64 and arm64.
#
#   release.sh build DIR [OS/ARCH...]
#                                  cross-compile every platform (or those
#                                  named) into DIR; .ci/run does this so a
#                                  platform that no longer builds fails CI,
#                                  not the release
#   release.sh dist VERSION DIR    the same with the version stamped in,
#                                  then one archive per platform (tar.gz,
#                                  zip for windows) and DIR/SHA256SUMS
#
# Archives are named rmctl_VERSION_OS_ARCH.tar.gz (.zip) and hold rmctl
# (rmctl.exe) and README.md; action.yml downloads them by that name.
set -euo pipefail
cd "$(dirname "$0")/../.."

platforms=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)

usage() {
  echo "usage: $0 build DIR [OS/ARCH...] | dist VERSION DIR" >&2
  exit 2
}

# build_all DIR LDFLAGS: one go build per platform into DIR/OS_ARCH/.
# -s -w drop the symbol table and DWARF: smaller archives, faster links.
build_all() {
  local dir=$1 ldflags=$2 p os arch exe
  for p in "${platforms[@]}"; do
    os=${p%/*} arch=${p#*/} exe=rmctl
    [ "$os" = windows ] && exe=rmctl.exe
    CGO_ENABLED=0 GOOS=$os GOARCH=$arch \
      go build -trimpath -ldflags="-s -w $ldflags" -o "$dir/${os}_$arch/$exe" ./cmd/rmctl
  done
}

case "${1:-}" in
build)
  [ $# -ge 2 ] || usage
  if [ $# -gt 2 ]; then platforms=("${@:3}"); fi
  build_all "$2" ""
  ;;
dist)
  [ $# -eq 3 ] || usage
  version=$2 dir=$3
  if ! [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "release.sh: version must look like vX.Y.Z, got: $version" >&2
    exit 2
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # Fallbacks for rmctl version when the build info has no VCS stamp.
  commit=$(git rev-parse HEAD)
  date=$(git log -1 --format=%cI HEAD)
  build_all "$dir/bin" "-X main.version=$version -X main.commit=$commit -X main.date=$date"
  archives=()
  for p in "${platforms[@]}"; do
    os=${p%/*} arch=${p#*/}
    name="rmctl_${version}_${os}_$arch"
    cp README.md "$dir/bin/${os}_$arch/"
    if [ "$os" = windows ]; then
      (cd "$dir/bin/${os}_$arch" && zip -q -X "$dir/$name.zip" rmctl.exe README.md)
      archives+=("$name.zip")
    else
      tar -C "$dir/bin/${os}_$arch" --owner=0 --group=0 --numeric-owner -czf "$dir/$name.tar.gz" rmctl README.md
      archives+=("$name.tar.gz")
    fi
  done
  rm -rf "$dir/bin"
  (cd "$dir" && sha256sum "${archives[@]}" > SHA256SUMS)
  ;;
*)
  usage
  ;;
esac
