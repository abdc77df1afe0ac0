#!/usr/bin/env bash
# Cross-compiles {{ .name }} for every target and packs one archive per target,
#   <artifacts>/{{ .name }}_<version>_<os>_<arch>.tar.gz
# holding the binary and every {{ .name }}.*.conf at the archive root, and prints
# each archive's path.
#
# <artifacts> is $CIRCLE_ARTIFACTS when set (relative to the repository root),
# else ./dist. <version> is $VERSION when set, else the first 6 characters of
# `git rev-parse HEAD`, else DEV (outside git). The binary reports it with
# -version. scripts/upload.sh uploads the same archives.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

NAME={{ .name }}
# Go ports matching the build constraint "{{ .platforms }}".
TARGETS=(
{{- range targets .platforms }}
  {{ .OS }}/{{ .Arch }}
{{- end }}
)

if [[ -z "${VERSION:-}" ]]; then
  if rev=$(git rev-parse HEAD 2>/dev/null); then
    VERSION=${rev:0:6}
  else
    VERSION=DEV
  fi
fi

artifacts=${CIRCLE_ARTIFACTS:-dist}
mkdir -p "$artifacts"

shopt -s nullglob
confs=("$NAME".*.conf)
shopt -u nullglob

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

for target in "${TARGETS[@]}"; do
  goos=${target%/*}
  goarch=${target#*/}
  bin=$NAME
  if [[ $goos == windows ]]; then
    bin=$NAME.exe
  fi
  dir=$stage/${goos}_${goarch}
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch \
    go build -trimpath -ldflags "-s -w -X main.Version=$VERSION" -o "$dir/$bin" .
  archive=$artifacts/${NAME}_${VERSION}_${goos}_${goarch}.tar.gz
  # The binary from the stage, the config files from the repository root.
  tar -czf "$archive" -C "$dir" "$bin" -C "$PWD" ${confs[@]+"${confs[@]}"}
  echo "$archive"
done
