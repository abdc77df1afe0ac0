#!/usr/bin/env bash
# The linters CI runs after vet and the race tests, each with go run (nothing
# is installed) at the version pinned below, the one place it is set: both
# CI and README.md run this script.
#
#   staticcheck  honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION ./...
#   govulncheck  golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION ./...
#
# govulncheck reads the Go vulnerability database (vuln.go.dev).
#
# Usage: scripts/lint.sh   (-h or --help: this usage; no other arguments)
set -euo pipefail

STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2
GOVULNCHECK_VERSION=v1.9.0

usage() {
  cat <<EOF
usage: scripts/lint.sh
Runs staticcheck $STATICCHECK_VERSION and govulncheck $GOVULNCHECK_VERSION on every package, as CI does.
EOF
}

case ${1:-} in
-h | --help)
  usage
  exit 0
  ;;
esac
if (($# > 0)); then
  printf 'lint.sh: unknown argument %s (usage: scripts/lint.sh)\n' "$1" >&2
  exit 2
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
go run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ./...
go run "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION" ./...
