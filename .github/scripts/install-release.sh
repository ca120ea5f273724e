#!/usr/bin/env bash
# Installs a published rmctl release for this machine into DIR: downloads
# the archive .github/scripts/release.sh made for this OS and CPU and the
# release's SHA256SUMS, checks the archive against its line there, and
# unpacks rmctl (rmctl.exe) into DIR. Nothing is installed when the check
# fails.
#
#   install-release.sh VERSION DIR
#
# RMCTL_RELEASE_BASE is where releases are fetched from (default: this
# repository's GitHub releases); the tests point it at a file:// folder.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 VERSION DIR" >&2
  exit 2
fi
version=$1 dir=$2
if ! [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "install-release.sh: version must look like vX.Y.Z, got: $version" >&2
  exit 2
fi
base=${RMCTL_RELEASE_BASE:-https://github.com/rmctl/rmctl/releases/download}

case "$(uname -s)" in
Linux) os=linux ;;
Darwin) os=darwin ;;
MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
*) echo "install-release.sh: no rmctl release for OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) echo "install-release.sh: no rmctl release for CPU $(uname -m)" >&2; exit 1 ;;
esac
name="rmctl_${version}_${os}_$arch"
exe=rmctl archive=$name.tar.gz
if [ "$os" = windows ]; then exe=rmctl.exe archive=$name.zip; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() { curl --fail --silent --show-error --location --retry 3 --proto '=https,file' --proto-redir '=https' -o "$tmp/$1" "$base/$version/$1"; }
fetch SHA256SUMS
fetch "$archive"

# The line for exactly this archive; awk compares whole fields, so no
# other archive's name can match as a substring or pattern.
want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
if ! [[ "$want" =~ ^[0-9a-f]{64}$ ]]; then
  echo "install-release.sh: SHA256SUMS of $version has no checksum for $archive" >&2
  exit 1
fi
if command -v sha256sum >/dev/null; then
  got=$(sha256sum "$tmp/$archive" | awk '{ print $1 }')
else
  got=$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')
fi
if [ "$got" != "$want" ]; then
  echo "install-release.sh: checksum mismatch for $archive: SHA256SUMS says $want, the download is $got" >&2
  exit 1
fi

mkdir -p "$tmp/x"
if [ "$os" = windows ]; then
  unzip -q "$tmp/$archive" "$exe" -d "$tmp/x"
else
  tar -xzf "$tmp/$archive" -C "$tmp/x" "$exe"
fi
mkdir -p "$dir"
mv "$tmp/x/$exe" "$dir/$exe"
chmod +x "$dir/$exe"
echo "installed rmctl $version ($os/$arch) into $dir"
