#!/usr/bin/env bash
# Builds billing as a multi-platform OCI image with ko (https://ko.build; no
# Docker daemon) for the project's Linux targets and pushes it to the
# repository $KO_DOCKER_REPO names (e.g. ghcr.io/acme/billing), tagged
#   <sha>       the first 6 characters of the commit, always (with -dirty
#               for uncommitted changes, as scripts/build.sh has it)
#   <tag>       the commit's git tag, when it has one (v1.2.0, say)
# with the OCI labels org.opencontainers.image.source (https://github.com/acme/billing),
# .revision (the full commit) and .version (<version>), running as the
# non-root user 65532. It prints the image's digest reference, then one
# reference per tag.
#
#   KO_DOCKER_REPO       where to push; required (--if-configured: skip
#                        without it). Log in first (ko login, docker login),
#                        or set REGISTRY_USERNAME and REGISTRY_PASSWORD for
#                        this script to log in to KO_DOCKER_REPO's registry
#                        (the password is read from stdin, never printed)
#   KO_DEFAULTBASEIMAGE  the base image; default cgr.dev/chainguard/static
#                        (ko's own default: small, non-root, CA certificates
#                        and tzdata, no shell)
#   VERSION              the binary's version (-version) and the version
#                        label; default the commit's first 6 characters, as
#                        scripts/build.sh has it
#   SOURCE_DATE_EPOCH    the image's creation time; default 1970 (ko's), so
#                        two builds of one commit give the same image
#
# ko is the one on PATH, else go run github.com/google/ko@KO_VERSION below.
#
# Usage: scripts/image.sh [--if-configured]   (-h or --help: the usage)
#   --if-configured  without KO_DOCKER_REPO, say so and exit 0: for CI runs
#                    of a project that publishes no image yet
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SOURCE=https://github.com/acme/billing
KO_VERSION=v0.19.1
DEFAULT_BASE=cgr.dev/chainguard/static
# The Linux ports among the build constraint "(linux || windows) && amd64 || linux && arm".
PLATFORMS=(
  linux/amd64
  linux/arm/v7
)

die() {
  printf 'image.sh: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<EOF
usage: scripts/image.sh [--if-configured]
Builds billing with ko for its Linux targets (${PLATFORMS[*]}) and pushes
the image to \$KO_DOCKER_REPO, tagged with the commit's short SHA (and its git
tag). --if-configured: without KO_DOCKER_REPO, say so and exit 0.
EOF
}

if_configured=false
while (($#)); do
  case $1 in
  -h | --help)
    usage
    exit 0
    ;;
  --if-configured) if_configured=true ;;
  *)
    printf 'image.sh: unknown argument %s (usage: scripts/image.sh [--if-configured])\n' "$1" >&2
    exit 2
    ;;
  esac
  shift
done

if [[ -z ${KO_DOCKER_REPO:-} ]]; then
  if $if_configured; then
    echo "image skipped: KO_DOCKER_REPO is not set (the repository to push to, e.g. ghcr.io/acme/billing)"
    exit 0
  fi
  die "set KO_DOCKER_REPO to the repository to push to, e.g. ghcr.io/acme/billing"
fi
if ((${#PLATFORMS[@]} == 0)); then
  die "no Linux target in the build constraint \"(linux || windows) && amd64 || linux && arm\": nothing to put in an image"
fi

rev=$(git rev-parse HEAD 2>/dev/null) || die "not a git checkout: the image is labelled with its commit"
sha=${rev:0:6}
# -dirty for uncommitted changes to tracked files, as scripts/build.sh names
# its archives.
if [[ $(git describe --always --dirty 2>/dev/null) == *-dirty ]]; then
  sha+=-dirty
fi
VERSION=${VERSION:-$sha}
tags=("$sha")
# The commit's tag: CI's, else git's (a tag's / becomes -, as image tags
# cannot hold one).
tag=${CIRCLE_TAG:-}
if [[ -z $tag ]]; then
  tag=$(git describe --tags --exact-match HEAD 2>/dev/null || true)
fi
if [[ -n $tag && $tag != "$sha" ]]; then
  tags+=("${tag//\//-}")
fi

if command -v ko >/dev/null; then
  ko=(ko)
else
  ko=(go run "github.com/google/ko@$KO_VERSION")
fi

if [[ -n ${REGISTRY_USERNAME:-} || -n ${REGISTRY_PASSWORD:-} ]]; then
  [[ -n ${REGISTRY_USERNAME:-} && -n ${REGISTRY_PASSWORD:-} ]] || die "set both REGISTRY_USERNAME and REGISTRY_PASSWORD, or neither"
  "${ko[@]}" login "${KO_DOCKER_REPO%%/*}" --username "$REGISTRY_USERNAME" --password-stdin <<<"$REGISTRY_PASSWORD"
fi

export KO_DEFAULTBASEIMAGE=${KO_DEFAULTBASEIMAGE:-$DEFAULT_BASE}
platforms=$(
  IFS=,
  echo "${PLATFORMS[*]}"
)
image_tags=$(
  IFS=,
  echo "${tags[*]}"
)
ref=$(
  CGO_ENABLED=0 "${ko[@]}" build . --bare \
    --platform="$platforms" \
    --tags="$image_tags" \
    --image-user=65532 \
    --image-label="org.opencontainers.image.source=$SOURCE" \
    --image-label="org.opencontainers.image.revision=$rev" \
    --image-label="org.opencontainers.image.version=$VERSION" \
    --ldflags="-s -w -X main.Version=$VERSION"
)
echo "$ref"
for t in "${tags[@]}"; do
  echo "$KO_DOCKER_REPO:$t"
done
