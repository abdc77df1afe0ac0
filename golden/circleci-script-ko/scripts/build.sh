#!/usr/bin/env bash
# Cross-compiles billing for every target and packs one archive per target,
#   <artifacts>/billing_<version>_<os>_<arch>.tar.gz   (.zip for windows)
# holding the binary (billing.exe for windows) and every billing.*.conf at
# the archive root, then writes the archives' SHA-256 sums in GoReleaser's
# name and format ("<sha256>  <archive>" a line, sorted by name) to
#   <artifacts>/billing_<version>_checksums.txt
# Check them with `sha256sum -c` (or `shasum -a 256 -c`) in <artifacts>. It
# prints each archive's path, then the checksums file's.
#
# <artifacts> is $ARTIFACTS_DIR when set (relative to the repository root),
# else $CIRCLE_ARTIFACTS (which pipelines of earlier configs set),
# else ./dist. <version> is $VERSION when set, else the first 6 characters of
# `git rev-parse HEAD`, with -dirty when tracked files have changes that are
# not committed (`git describe --dirty`), else DEV (outside git). The binary reports it with -version.
# scripts/upload.sh uploads the same files: those of <version> only.
#
# Usage: scripts/build.sh   (-h or --help: this usage; no other arguments)
#
# The archives are reproducible: two runs on one commit write byte-identical
# archives and checksums. The binaries are built with -trimpath; each archive
# lists its entries in sorted order, owned by root (uid and gid 0), mode 0755
# for the binary and 0644 for the configs, all dated the commit's time
# (`git log -1 --format=%ct`), or $SOURCE_DATE_EPOCH when it is set, or
# 1980-01-01T00:00:00Z outside git (the earliest date a zip holds). tar writes
# the ustar format and gzip -n no name or time; zip -X writes no uid/gid or
# extra times, and runs with TZ=UTC. It needs only Go, bash, tar (GNU tar, or
# bsdtar as on macOS), gzip, zip (for windows targets) and sha256sum or
# shasum. macOS's bsdtar and gzip pack the same entries with the same owners,
# modes and dates, reproducibly, but their bytes (so the checksums) need not
# match a Linux build's.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

NAME=billing
# Go ports matching the build constraint "(linux || windows) && amd64 || linux && arm".
TARGETS=(
  linux/amd64
  linux/arm
  windows/amd64
)

die() {
  printf 'build.sh: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<EOF
usage: scripts/build.sh
Cross-compiles $NAME and packs one archive per target, and their checksums, in
\$ARTIFACTS_DIR, else \$CIRCLE_ARTIFACTS, else ./dist. VERSION sets the version
(default: the commit's first 6 characters, with -dirty for uncommitted changes).
EOF
}

case ${1:-} in
-h | --help)
  usage
  exit 0
  ;;
esac
if (($# > 0)); then
  printf 'build.sh: unknown argument %s (usage: scripts/build.sh)\n' "$1" >&2
  exit 2
fi

if [[ -z "${VERSION:-}" ]]; then
  if rev=$(git rev-parse HEAD 2>/dev/null); then
    VERSION=${rev:0:6}
    # Uncommitted changes to tracked files: the archives say so, as the
    # binary then does (scripts/upload.sh uses the same rule).
    if [[ $(git describe --always --dirty 2>/dev/null) == *-dirty ]]; then
      VERSION+=-dirty
    fi
  else
    VERSION=DEV
  fi
fi

# Every archive entry's date, in seconds since 1970.
if [[ -n "${SOURCE_DATE_EPOCH:-}" ]]; then
  mtime=$SOURCE_DATE_EPOCH
elif ! mtime=$(git log -1 --format=%ct 2>/dev/null) || [[ -z $mtime ]]; then
  mtime=315532800 # 1980-01-01T00:00:00Z
fi
if [[ ! $mtime =~ ^[0-9]+$ ]]; then
  die "SOURCE_DATE_EPOCH=$mtime is not a number of seconds"
fi
# The same date as touch -t wants it, read in UTC (GNU date, else BSD date).
stamp=$(date -u -d "@$mtime" +%Y%m%d%H%M.%S 2>/dev/null || date -u -r "$mtime" +%Y%m%d%H%M.%S)

# tar options for a fixed owner, date and format: GNU tar's, else bsdtar's.
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  tar_opts=(--format=ustar --owner=root:0 --group=root:0 --mtime="@$mtime")
else
  tar_opts=(--format ustar --uid 0 --uname root --gid 0 --gname root --no-mac-metadata)
  export COPYFILE_DISABLE=1 # macOS: no ._ AppleDouble entries
fi
if command -v sha256sum >/dev/null; then
  sha256=(sha256sum)
else
  sha256=(shasum -a 256)
fi

artifacts=${ARTIFACTS_DIR:-${CIRCLE_ARTIFACTS:-dist}}
mkdir -p "$artifacts"
out=$(cd "$artifacts" && pwd)

shopt -s nullglob
confs=("$NAME".*.conf)
shopt -u nullglob

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

archives=()
for target in "${TARGETS[@]}"; do
  goos=${target%/*}
  goarch=${target#*/}
  bin=$NAME
  ext=tar.gz
  if [[ $goos == windows ]]; then
    bin=$NAME.exe
    ext=zip
  fi
  dir=$stage/${goos}_${goarch}
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch \
    go build -trimpath -ldflags "-s -w -X main.Version=$VERSION" -o "$dir/$bin" .
  # The binary and copies of the configs, with fixed modes and dates, in
  # byte order of their names.
  files=()
  for conf in ${confs[@]+"${confs[@]}"}; do
    cp "$conf" "$dir/"
  done
  while IFS= read -r f; do
    files+=("$f")
  done < <(printf '%s\n' "$bin" ${confs[@]+"${confs[@]}"} | LC_ALL=C sort)
  (
    cd "$dir"
    chmod 0644 -- "${files[@]}"
    chmod 0755 -- "$bin"
    TZ=UTC touch -t "$stamp" -- "${files[@]}"
  )
  archive=${NAME}_${VERSION}_${goos}_${goarch}.$ext
  rm -f "$out/$archive"
  if [[ $ext == zip ]]; then
    command -v zip >/dev/null || die "zip is needed for $target: install zip"
    (cd "$dir" && TZ=UTC zip -q -X -D -9 "$out/$archive" "${files[@]}")
  else
    (cd "$dir" && tar -cf - "${tar_opts[@]}" "${files[@]}") | gzip -n -9 >"$out/$archive"
  fi
  archives+=("$archive")
  echo "$artifacts/$archive"
done

sums=${NAME}_${VERSION}_checksums.txt
(
  cd "$out"
  printf '%s\n' "${archives[@]}" | LC_ALL=C sort | while IFS= read -r a; do
    "${sha256[@]}" "$a"
  done
) >"$out/$sums"
echo "$artifacts/$sums"
