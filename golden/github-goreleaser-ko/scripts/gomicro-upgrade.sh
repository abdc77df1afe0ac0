#!/usr/bin/env bash
# Propose the newest release of the template this project was generated
# from as one pull request, kept up to date: what the scheduled CI job runs,
# and what a person can run from a clean checkout of the default branch.
#
# It runs gomicro at the version the project records (the gomicro_version
# answer in .gomicro.yml: a release such as v0.4.0, or latest) with
#
#   go run github.com/gomicro/gomicro/cmd/gomicro@VERSION upgrade --commit ...
#
# which puts the upgrade, conflicts and all, on the branch as one commit on
# top of this one. When that commit is new (origin does not hold the same
# upgrade already), it pushes the branch (--force-with-lease: a branch
# someone else moved meanwhile is not overwritten) and opens the pull
# request, or edits the one already open for the branch, with the commit's
# subject as its title and the commit's body (the files, and what to do
# about conflicts) as its description. Nothing new: it says so and pushes
# nothing.
#
#   DRY_RUN=1               upgrade and commit locally, then print what it
#                           would push and which pull request it would open
#                           or edit; nothing remote changes
#   GH_TOKEN                for gh, and for git over https to the origin's
#                           host (git fetch, git push)
#   GOMICRO_TEMPLATE_TOKEN  for a private template source over https (a git
#                           repository, or a Go module: then through GOPRIVATE
#                           and a netrc); default GH_TOKEN
#   GOMICRO_UPGRADE_BRANCH  the branch; default gomicro/upgrade
#   GOMICRO_UPGRADE_BASE    the branch the pull request goes into; default
#                           the branch checked out
#
# Usage: scripts/gomicro-upgrade.sh   (-h or --help: the usage; no other
# arguments: the settings above come from the environment)
#
# A token is never printed and never put on a command line, not even under
# bash -x: git asks a credential helper, scoped to one host, that reads the
# token from the environment; the netrc is written with tracing off.
# Sourcing this file defines the functions only.
set -euo pipefail

# The answers file, and the module gomicro is run from.
manifest=.gomicro.yml
gomicro=github.com/gomicro/gomicro/cmd/gomicro

die() {
	printf 'gomicro-upgrade.sh: %s\n' "$*" >&2
	exit 1
}

say() {
	printf 'gomicro-upgrade.sh: %s\n' "$*"
}

usage() {
	printf 'usage: scripts/gomicro-upgrade.sh\n'
	printf 'Proposes the newest release of this project'"'"'s template as one pull request\n'
	printf 'from gomicro/upgrade. DRY_RUN=1: commit locally and print what it would push.\n'
}

# has VAR: whether the variable VAR is set and not empty. Under bash -x the
# trace shows its length, never its value.
has() {
	[[ -v $1 ]] || return 1
	local -n value=$1
	((${#value} > 0))
}

# recorded KEY [INDENT]: the value of KEY in .gomicro.yml (a top-level key,
# or an answer with INDENT set), without quotes; "" when absent. gomicro
# writes each on a line of its own, double-quoting only where YAML needs
# it, so a line is all it takes to read one.
recorded() {
	local pattern="^$1:[[:space:]]*"
	[[ -z ${2:-} ]] || pattern="^[[:space:]]+$1:[[:space:]]*"
	local value
	value=$(sed -E -n "s/$pattern//p" "$manifest" | head -n 1)
	value=${value%%[[:space:]]#*} # a comment after the value
	value=${value%"${value##*[![:space:]]}"}
	if [[ $value == \"*\" || $value == \'*\' ]]; then
		value=${value:1:${#value}-2}
	fi
	printf '%s\n' "$value"
}

# git_config KEY VALUE: one more git setting, for every git this shell (and
# what it starts) runs, through the environment; nothing is written to a
# config file.
git_config() {
	local n=${GIT_CONFIG_COUNT:-0}
	export "GIT_CONFIG_KEY_$n=$1" "GIT_CONFIG_VALUE_$n=$2"
	export GIT_CONFIG_COUNT=$((n + 1))
}

# use_token BASE VAR: git answers a request for https://HOST (BASE's scheme
# and host) with the token in the variable VAR, and with nothing else: the
# helper list for that host is reset first. The helper reads the variable
# when git asks, so the token is in no setting and no trace.
use_token() {
	local base=$1 var=$2
	git_config "credential.$base.helper" ""
	# shellcheck disable=SC2016 # expanded by the helper's shell, when git asks
	git_config "credential.$base.helper" '!f() { test "$1" = get && printf "username=x-access-token\npassword=%s\n" "$'"$var"'"; }; f'
}

# token_for_template: the variable that holds the template source's token.
token_for_template() {
	if has GOMICRO_TEMPLATE_TOKEN; then
		printf 'GOMICRO_TEMPLATE_TOKEN\n'
	elif has GH_TOKEN; then
		printf 'GH_TOKEN\n'
	fi
}

# template_auth SOURCE: give the template source the token, when there is
# one and the source can use it. A git repository over https gets it through
# a credential helper for its host; one recorded for SSH
# (git@HOST:OWNER/REPO, ssh://git@HOST/OWNER/REPO), which CI cannot reach
# without a key, is fetched over https instead through url.<base>.insteadOf
# scoped to that repository. A Go module is made private (GOPRIVATE: not
# through the proxy or the checksum database) and reached with the token
# through a netrc (for the go command's own requests) and the helper (for
# the git it runs). Embedded templates, directories and file:// need none.
template_auth() {
	local source=$1 scheme='' var host repo
	if [[ $source == *://* ]]; then
		scheme=${source%%://*}://
		source=${source#*://}
	fi
	source=$scheme${source%%//*} # without //SUBDIR
	if [[ $source == *@* && ${source##*@} != */* && ${source##*@} != *:* ]]; then
		source=${source%@*} # without @REF (not git@host:…, not user@host/…)
	fi
	var=$(token_for_template)
	[[ -n $var ]] || return 0
	case $source in
	embedded:* | file://* | /* | .* | http://*) ;;
	https://*)
		host=${source#https://}
		use_token "https://${host%%/*}" "$var"
		;;
	ssh://*)
		repo=${source#ssh://}
		repo=${repo#*@}
		host=${repo%%/*}
		host=${host%%:*}
		git_config "url.https://$host/${repo#*/}.insteadOf" "$source"
		use_token "https://$host" "$var"
		;;
	*@*:*)
		repo=${source#*@}
		host=${repo%%:*}
		git_config "url.https://$host/${repo#*:}.insteadOf" "$source"
		use_token "https://$host" "$var"
		;;
	*.*/*)
		# A Go module: its path, without @VERSION.
		repo=${source%%@*}
		host=${repo%%/*}
		export GOPRIVATE="${GOPRIVATE:+$GOPRIVATE,}$repo"
		netrc "$host" "$var"
		use_token "https://$host" "$var"
		;;
	esac
}

# netrc HOST VAR: a netrc, read by the go command through NETRC, that gives
# HOST the token in VAR. Written with tracing off: the token is in the
# command that writes it.
netrc() {
	local xtrace=
	[[ $- != *x* ]] || xtrace=1
	{ set +x; } 2>/dev/null
	local -n token=$2
	(umask 077 && printf 'machine %s\nlogin x-access-token\npassword %s\n' "$1" "$token" >"$tmp/netrc")
	export NETRC=$tmp/netrc
	[[ -z $xtrace ]] || set -x
}

# origin_auth: git over https to the origin's host gets GH_TOKEN, so that a
# checkout without stored credentials can fetch and push; an origin reached
# over SSH (a CI key that may only read) is pushed to over https.
origin_auth() {
	has GH_TOKEN || return 0
	local url host repo
	url=$(git remote get-url origin)
	case $url in
	https://*)
		host=${url#https://}
		use_token "https://${host%%/*}" GH_TOKEN
		;;
	ssh://*)
		repo=${url#ssh://}
		repo=${repo#*@}
		host=${repo%%/*}
		host=${host%%:*}
		git_config "url.https://$host/${repo#*/}.pushInsteadOf" "$url"
		use_token "https://$host" GH_TOKEN
		;;
	*@*:*)
		repo=${url#*@}
		host=${repo%%:*}
		git_config "url.https://$host/${repo#*:}.pushInsteadOf" "$url"
		use_token "https://$host" GH_TOKEN
		;;
	esac
}

# run CMD...: runs CMD, or with DRY_RUN prints what it would run.
run() {
	if [[ -n $dry_run ]]; then
		say "would run: $*"
		return 0
	fi
	"$@"
}

main() {
	case ${1:-} in
	-h | --help)
		usage
		exit 0
		;;
	esac
	if (($# > 0)); then
		printf 'gomicro-upgrade.sh: unknown argument %s (usage: scripts/gomicro-upgrade.sh)\n' "$1" >&2
		exit 2
	fi
	dry_run=${DRY_RUN:-}
	[[ $dry_run != 0 ]] || dry_run=
	cd "$(git rev-parse --show-toplevel)"
	[[ -f $manifest ]] || die "no $manifest here: not a project gomicro generated"
	local branch=${GOMICRO_UPGRADE_BRANCH:-gomicro/upgrade} base version source
	base=${GOMICRO_UPGRADE_BASE:-$(git symbolic-ref --short -q HEAD || true)}
	[[ -n $base ]] || die "HEAD is not on a branch: check out the default branch (or set GOMICRO_UPGRADE_BASE)"
	[[ $base != "$branch" ]] || die "on $branch itself: check out the default branch first"
	version=$(recorded gomicro_version indented)
	version=${version:-latest}
	[[ $version =~ ^(latest|v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)$ ]] ||
		die "gomicro_version in $manifest is \"$version\": want a release such as v0.4.0, or latest"
	source=$(recorded source)

	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT

	# Committing needs an identity; CI has none.
	if [[ -z $(git config user.email || true) ]]; then
		git_config user.name "gomicro upgrade"
		git_config user.email "gomicro-upgrade@users.noreply.github.com"
	fi
	origin_auth

	# What origin holds of the branch: the lease, and the proposal gomicro
	# compares its upgrade with (refs/remotes/origin/BRANCH).
	local old
	old=$(git ls-remote --heads origin "refs/heads/$branch" | cut -f 1)
	if [[ -n $old ]]; then
		git fetch -q --no-tags origin "+refs/heads/$branch:refs/remotes/origin/$branch"
	else
		git update-ref -d "refs/remotes/origin/$branch" 2>/dev/null || true
	fi

	# go run exits 1 whenever the program fails, whatever its own status
	# (1 for conflicts, 2 for a usage error): what happened is read from git.
	local start status=0
	start=$(git rev-parse HEAD)
	say "go run $gomicro@$version upgrade --commit --branch $branch"
	(
		template_auth "$source"
		go run "$gomicro@$version" upgrade --commit --branch "$branch" --non-interactive --json >"$tmp/upgrade.json"
	) || status=$?

	local head
	head=$(git rev-parse HEAD)
	if [[ $head == "$start" ]]; then
		if ((status != 0)); then
			cat "$tmp/upgrade.json" >&2
			die "gomicro upgrade failed (exit status $status)"
		fi
		say "nothing to propose: the project is current with its template"
		return 0
	fi
	if [[ $(git rev-parse -q --verify HEAD^ || true) != "$start" ]] ||
		[[ $(git symbolic-ref --short -q HEAD || true) != "$branch" ]]; then
		cat "$tmp/upgrade.json" >&2
		die "gomicro upgrade (exit status $status) did not leave one commit on $branch on top of $start"
	fi
	((status == 0)) || say "gomicro upgrade exited non-zero with a commit: conflicts, committed with their markers, which the pull request lists"

	local subject
	subject=$(git log -1 --format=%s)
	git log -1 --format=%b >"$tmp/body"
	if [[ $head == "$old" ]]; then
		say "already proposed: origin's $branch holds this upgrade ($head)"
	else
		run git push --force-with-lease="refs/heads/$branch:$old" origin "$branch"
	fi

	if [[ -n $dry_run ]]; then
		say "would open a pull request from $branch into $base, or edit the one open: $subject"
		sed 's/^/    /' "$tmp/body"
		say "the work tree is on $branch now: git switch $base to go back"
		return 0
	fi
	command -v gh >/dev/null || die "gh (GitHub CLI) not on PATH: https://cli.github.com"
	local number
	number=$(gh pr list --head "$branch" --state open --json number --jq '.[0].number // empty')
	if [[ -z $number ]]; then
		gh pr create --base "$base" --head "$branch" --title "$subject" --body-file "$tmp/body"
	elif [[ $head == "$old" ]]; then
		say "already proposed: pull request #$number"
	else
		gh pr edit "$number" --title "$subject" --body-file "$tmp/body"
		say "pull request #$number now proposes $head"
	fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
