#!/usr/bin/env bash
# Upload the archives of one version in the artifacts directory,
# billing_VERSION_*.tar.gz and *.zip, and the checksums file beside them, to
# s3://BUCKET/billing/VERSION/ (a version tag's also to
# s3://BUCKET/billing/TAG/), signed with AWS Signature Version 4 using only
# bash, curl and openssl. Archives of other versions (earlier builds) stay
# where they are. Everything comes from the environment:
#
#   S3_KEY, S3_SECRET      access key ID and secret access key, or
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
#                          the AWS names, as CI's OIDC role or `aws sts`
#                          set them; the session token (temporary
#                          credentials) is optional and is sent, signed, as
#                          x-amz-security-token. When both families are
#                          set, S3_* win: with S3_KEY or S3_SECRET set the
#                          AWS_* ones are not read. Half a pair (or a token
#                          without its key and secret) is an error.
#   S3_REGION              else AWS_REGION, else AWS_DEFAULT_REGION, else
#                          us-east-1
#   S3_BUCKET              default acme-artifacts
#   S3_ENDPOINT            else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL;
#                          optional, e.g. http://127.0.0.1:9000: path-style
#                          addressing (ENDPOINT/BUCKET/KEY). Without one,
#                          https://BUCKET.s3.REGION.amazonaws.com/KEY, or
#                          https://s3.REGION.amazonaws.com/BUCKET/KEY for a
#                          bucket name with dots (TLS fails for those)
#   VERSION                default: first 6 characters of `git rev-parse HEAD`,
#                          with -dirty when tracked files have uncommitted
#                          changes (git describe --dirty), DEV outside git (the same as scripts/build.sh)
#   ARTIFACTS_DIR          where the archives are; else CIRCLE_ARTIFACTS
#                          (which pipelines of earlier configs set); default
#                          ./dist
#   UPLOAD_TAG             else CIRCLE_TAG: the git tag being built; a
#                          version tag (v1.2.3, v2.0.0-rc.1) uploads the same
#                          files under TAG/ too
#   S3_RETRIES             how often curl retries a failed PUT (no
#                          connection, a timeout, HTTP 408, 429 or 5xx),
#                          waiting 1s, 2s, 4s... between; default 3
#
# It puts every billing_VERSION_*.tar.gz (Content-Type application/gzip)
# and billing_VERSION_*.zip (application/zip) there, and
# billing_VERSION_checksums.txt (text/plain) when it exists.
#
# Usage: scripts/upload.sh [--if-configured]   (-h, --help: the usage)
#   --if-configured  with no credentials at all (none of the five set), say
#                    so and exit 0: for CI runs that have no secrets, such as
#                    a new repository's first build
#
# The secret and the token are never printed and never put on a command
# line: the HMAC steps are computed here and fed to openssl on stdin, curl
# reads its headers from stdin, and tracing (bash -x) is off wherever they
# are in a command. Sourcing this file defines the functions only.
set -euo pipefail

default_name="billing"
default_bucket="acme-artifacts"
default_region="us-east-1"
endpoint_name=S3_ENDPOINT # the variable the endpoint came from, for messages

die() {
	printf 'upload.sh: %s\n' "$*" >&2
	exit 1
}

usage() {
	printf 'usage: scripts/upload.sh [--if-configured]\n'
	printf 'Uploads the archives and checksums of VERSION (default: the commit'"'"'s first 6\n'
	printf 'characters) to s3://BUCKET/%s/VERSION/; credentials and settings come from\n' "$default_name"
	printf 'the environment (see the comment at the top of this script).\n'
}

# trace_off and trace_restore go around every command that holds the secret
# or the session token, so that bash -x never prints them: the first turns
# tracing off (silently), the second turns it back on if it was. They do not
# nest.
trace_off() {
	{ traced=${-//[^x]/} && set +x; } 2>/dev/null
}

trace_restore() {
	if [[ -n ${traced:-} ]]; then
		set -x
	fi
}

# sha256_hex: the hex SHA-256 of stdin.
sha256_hex() {
	local out
	out=$(openssl dgst -sha256) || return 1
	printf '%s' "${out##* }" # "SHA2-256(stdin)= <hex>" or "(stdin)= <hex>"
}

# hex_of STRING: the bytes of STRING in hex.
hex_of() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# hex_escapes HEX: HEX as \xHH escapes for printf %b.
hex_escapes() {
	local hex=$1 out='' i
	for ((i = 0; i < ${#hex}; i += 2)); do
		out+="\\x${hex:i:2}"
	done
	printf '%s' "$out"
}

# hmac_sha256 HEXKEY MESSAGE: hex HMAC-SHA256 (RFC 2104). The same as
# `openssl dgst -sha256 -mac HMAC -macopt hexkey:HEXKEY`, but the key goes to
# openssl on stdin (padded and xored here), never on its command line where
# ps could show it.
hmac_sha256() {
	local key=$1 msg=$2 ipad='' opad='' esc byte inner i
	if ((${#key} % 2 != 0)) || [[ $key == *[!0-9a-fA-F]* ]]; then
		die "hmac_sha256: key is not hex"
	fi
	if ((${#key} > 128)); then # longer than the 64-byte block: hash it
		key=$(printf '%b' "$(hex_escapes "$key")" | sha256_hex)
	fi
	while ((${#key} < 128)); do
		key+=00
	done
	for ((i = 0; i < 128; i += 2)); do
		byte=$((16#${key:i:2}))
		printf -v esc '\\x%02x' $((byte ^ 0x36))
		ipad+=$esc
		printf -v esc '\\x%02x' $((byte ^ 0x5c))
		opad+=$esc
	done
	inner=$({
		printf '%b' "$ipad"
		printf '%s' "$msg"
	} | sha256_hex)
	{
		printf '%b' "$opad"
		printf '%b' "$(hex_escapes "$inner")"
	} | sha256_hex
}

# uri_encode STRING: percent-encode everything but A-Z a-z 0-9 - _ . ~ and /,
# as S3's canonical URI wants (each path segment encoded once).
uri_encode() {
	local LC_ALL=C s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~/-]) out+=$c ;;
		*) printf -v c '%%%02X' "'$c" && out+=$c ;;
		esac
	done
	printf '%s' "$out"
}

# sigv4_header_lines NAME:VALUE...: canonical header lines, names lowercased,
# values trimmed with inner runs of spaces squeezed, sorted by name.
sigv4_header_lines() {
	local h name value
	local -a words
	for h in "$@"; do
		name=${h%%:*}
		value=${h#*:}
		read -r -a words <<<"$value" || true
		printf '%s:%s\n' "${name,,}" "${words[*]}"
	done | LC_ALL=C sort -t: -k1,1
}

# sigv4_signed_headers NAME:VALUE...: the SignedHeaders list (host;x-amz-date).
sigv4_signed_headers() {
	local line list=''
	while IFS= read -r line; do
		list+="${list:+;}${line%%:*}"
	done < <(sigv4_header_lines "$@")
	printf '%s' "$list"
}

# sigv4_canonical_request METHOD URI QUERY PAYLOAD_HASH NAME:VALUE...
# URI must already be encoded (uri_encode); QUERY is the canonical query
# string (empty for a plain PUT). Every header given is signed.
sigv4_canonical_request() {
	local method=$1 uri=$2 query=$3 payload_hash=$4
	shift 4
	printf '%s\n%s\n%s\n%s\n\n%s\n%s' "$method" "$uri" "$query" \
		"$(sigv4_header_lines "$@")" "$(sigv4_signed_headers "$@")" "$payload_hash"
}

# sigv4_string_to_sign AMZ_DATE SCOPE CANONICAL_REQUEST
sigv4_string_to_sign() {
	printf 'AWS4-HMAC-SHA256\n%s\n%s\n%s' "$1" "$2" "$(printf '%s' "$3" | sha256_hex)"
}

# sigv4_signing_key SECRET YYYYMMDD REGION SERVICE: the hex signing key.
sigv4_signing_key() {
	local key
	key=$(hmac_sha256 "$(hex_of "AWS4$1")" "$2")
	key=$(hmac_sha256 "$key" "$3")
	key=$(hmac_sha256 "$key" "$4")
	hmac_sha256 "$key" aws4_request
}

# sigv4_signature SECRET YYYYMMDD REGION SERVICE STRING_TO_SIGN: hex signature.
sigv4_signature() {
	hmac_sha256 "$(sigv4_signing_key "$1" "$2" "$3" "$4")" "$5"
}

# s3_target BUCKET KEY REGION [ENDPOINT]: sets target_url, target_host and
# target_uri. With ENDPOINT (scheme://host[:port][/prefix]) the address is
# path-style, ENDPOINT/BUCKET/KEY, and the port is part of the host; without
# it virtual-hosted style, https://BUCKET.s3.REGION.amazonaws.com/KEY, or
# path-style https://s3.REGION.amazonaws.com/BUCKET/KEY when BUCKET has dots
# (the certificate's *.s3.REGION.amazonaws.com matches one label only).
s3_target() {
	local bucket=$1 key=$2 region=$3 endpoint=${4:-} scheme rest prefix
	key=$(uri_encode "$key")
	if [[ -z $endpoint ]]; then
		if [[ $bucket == *.* ]]; then
			target_host="s3.$region.amazonaws.com"
			target_uri="/$bucket/$key"
		else
			target_host="$bucket.s3.$region.amazonaws.com"
			target_uri="/$key"
		fi
		target_url="https://$target_host$target_uri"
		return
	fi
	case $endpoint in
	http://* | https://*) ;;
	*) die "$endpoint_name must start with http:// or https://: $endpoint" ;;
	esac
	scheme=${endpoint%%://*}
	rest=${endpoint#*://}
	rest=${rest%/}
	target_host=${rest%%/*}
	prefix=''
	if [[ $rest == */* ]]; then
		prefix=/$(uri_encode "${rest#*/}")
	fi
	[[ -n $target_host ]] || die "$endpoint_name has no host: $endpoint"
	target_uri="$prefix/$bucket/$key"
	target_url="$scheme://$target_host$target_uri"
}

# artifact_version: $VERSION, else the first 6 characters of HEAD (with
# -dirty when tracked files have uncommitted changes), else DEV.
artifact_version() {
	local rev
	if [[ -n ${VERSION:-} ]]; then
		printf '%s' "$VERSION"
	elif rev=$(git rev-parse HEAD 2>/dev/null) && [[ -n $rev ]]; then
		printf '%s' "${rev:0:6}"
		if [[ $(git describe --always --dirty 2>/dev/null) == *-dirty ]]; then
			printf -- '-dirty'
		fi
	else
		printf 'DEV'
	fi
}

# content_type FILE: the Content-Type to store FILE with.
content_type() {
	case $1 in
	*.tar.gz | *.tgz) printf 'application/gzip' ;;
	*.zip) printf 'application/zip' ;;
	*.txt) printf 'text/plain; charset=utf-8' ;;
	*) printf 'application/octet-stream' ;;
	esac
}

# s3_credentials: sets access_key, secret_key and session_token from S3_KEY
# and S3_SECRET when either is set, else from AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Returns 0; 2 when none of
# them is set; 1 after one line on stderr per variable a half-set pair
# lacks. It expands the secret: call it between trace_off and trace_restore.
s3_credentials() {
	local name missing=0 key_name secret_name
	access_key='' secret_key='' session_token=''
	if [[ -n ${S3_KEY:-} || -n ${S3_SECRET:-} ]]; then
		key_name=S3_KEY secret_name=S3_SECRET
	elif [[ -n ${AWS_ACCESS_KEY_ID:-} || -n ${AWS_SECRET_ACCESS_KEY:-} || -n ${AWS_SESSION_TOKEN:-} ]]; then
		key_name=AWS_ACCESS_KEY_ID secret_name=AWS_SECRET_ACCESS_KEY
		session_token=${AWS_SESSION_TOKEN:-}
	else
		return 2
	fi
	for name in "$key_name" "$secret_name"; do
		if [[ -z ${!name:-} ]]; then
			if [[ -n $session_token && $name == "$key_name" ]]; then
				printf 'upload.sh: %s is not set (AWS_SESSION_TOKEN is; it needs its key and secret)\n' "$name" >&2
			else
				printf 'upload.sh: %s is not set\n' "$name" >&2
			fi
			missing=1
		fi
	done
	((missing == 0)) || return 1
	access_key=${!key_name}
	secret_key=${!secret_name}
}

# s3_put FILE BUCKET KEY REGION ENDPOINT: PUT FILE with its content_type,
# signed with access_key and secret_key (and session_token, when set, sent
# as x-amz-security-token and signed). curl gives up on a connection after
# 10 s and on a try after 15 min, and tries again up to 3 times after a
# refused connection, a timeout or HTTP 408, 429, 500, 502, 503 or 504.
# Fails with the HTTP status and S3's error body.
s3_put() {
	local file=$1 bucket=$2 key=$3 region=$4 endpoint=$5
	local amz_date day scope payload_hash ctype canonical signed string_to_sign signature
	local response status expect='' rc=0
	local -a headers
	s3_target "$bucket" "$key" "$region" "$endpoint"
	amz_date=$(date -u +%Y%m%dT%H%M%SZ)
	day=${amz_date:0:8}
	scope="$day/$region/s3/aws4_request"
	payload_hash=$(sha256_hex <"$file")
	ctype=$(content_type "$file")
	# Ask for 100-continue, so a refusal (bad signature, no bucket) arrives
	# before the body is sent (not for an empty body: a server may never answer 100 to that).
	if [[ -s $file ]]; then
		expect="Expect: 100-continue"
	fi
	trace_off # from here to the request, commands hold the token or the secret
	headers=("content-type:$ctype" "host:$target_host" "x-amz-content-sha256:$payload_hash" "x-amz-date:$amz_date")
	if [[ -n ${session_token:-} ]]; then
		headers+=("x-amz-security-token:$session_token")
	fi
	canonical=$(sigv4_canonical_request PUT "$target_uri" "" "$payload_hash" "${headers[@]}")
	signed=$(sigv4_signed_headers "${headers[@]}")
	string_to_sign=$(sigv4_string_to_sign "$amz_date" "$scope" "$canonical")
	signature=$(sigv4_signature "$secret_key" "$day" "$region" s3 "$string_to_sign")
	# Headers go to curl on stdin (-H @-), out of sight of ps; the body goes
	# with -T.
	response=$(printf '%s\r\n' \
		"Content-Type: $ctype" \
		"Host: $target_host" \
		"x-amz-content-sha256: $payload_hash" \
		"x-amz-date: $amz_date" \
		${session_token:+"x-amz-security-token: $session_token"} \
		"Authorization: AWS4-HMAC-SHA256 Credential=$access_key/$scope, SignedHeaders=$signed, Signature=$signature" \
		${expect:+"$expect"} |
		curl --silent --show-error --fail-with-body \
			--connect-timeout 10 --max-time 900 --retry "${S3_RETRIES:-3}" --retry-connrefused \
			-H @- -T "$file" -w '\n%{http_code}' "$target_url") || rc=$?
	trace_restore
	status=${response##*$'\n'}
	if [[ $status == 000 || $status != [0-9][0-9][0-9] ]]; then
		printf 'upload.sh: PUT %s: no HTTP response (curl exit status %d)\n' "$target_url" "$rc" >&2
		return 1
	fi
	if [[ $status != 2[0-9][0-9] ]]; then
		printf 'upload.sh: PUT %s: HTTP %s\n' "$target_url" "$status" >&2
		if [[ $response == *$'\n'* && -n ${response%$'\n'*} ]]; then
			printf '%s\n' "${response%$'\n'*}" >&2
		fi
		return 1
	fi
	if ((rc != 0)); then
		printf 'upload.sh: PUT %s: curl exit status %d\n' "$target_url" "$rc" >&2
		return 1
	fi
	printf 'uploaded s3://%s/%s\n' "$bucket" "$key"
}

main() {
	local if_configured='' rc=0 region bucket endpoint version artifacts checksums file tag prefix
	local -a files prefixes
	while (($# > 0)); do
		case $1 in
		--if-configured) if_configured=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		*)
			printf 'upload.sh: unknown argument %s (usage: scripts/upload.sh [--if-configured])\n' "$1" >&2
			exit 2
			;;
		esac
		shift
	done
	trace_off
	s3_credentials || rc=$?
	trace_restore
	if ((rc == 2)); then
		if [[ -n $if_configured ]]; then
			printf 'upload skipped: no S3 credentials (set S3_KEY and S3_SECRET, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)\n'
			exit 0
		fi
		die "no S3 credentials: set S3_KEY and S3_SECRET, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	fi
	((rc == 0)) || exit 1

	if [[ ! ${S3_RETRIES:-3} =~ ^[0-9]+$ ]]; then
		die "S3_RETRIES=$S3_RETRIES is not a number of retries"
	fi
	region=${S3_REGION:-${AWS_REGION:-${AWS_DEFAULT_REGION:-$default_region}}}
	bucket=${S3_BUCKET:-$default_bucket}
	endpoint=''
	for endpoint_name in S3_ENDPOINT AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL; do
		endpoint=${!endpoint_name:-}
		[[ -z $endpoint ]] || break
	done
	s3_target "$bucket" check "$region" "$endpoint" # a bad endpoint fails here

	cd "$(dirname "$0")/.."
	version=$(artifact_version)
	artifacts=${ARTIFACTS_DIR:-${CIRCLE_ARTIFACTS:-./dist}}
	tag=${UPLOAD_TAG:-${CIRCLE_TAG:-}}
	prefixes=("$default_name/$version")
	if [[ $tag =~ ^v[0-9]+(\.[0-9]+)*([-+][0-9A-Za-z.+-]+)?$ && $tag != "$version" ]]; then
		prefixes+=("$default_name/$tag")
	fi

	# This version's archives only: dist may hold earlier builds' too.
	shopt -s nullglob
	files=("$artifacts/${default_name}_${version}_"*.tar.gz "$artifacts/${default_name}_${version}_"*.zip)
	shopt -u nullglob
	if ((${#files[@]} == 0)); then
		die "no archives of version $version (${default_name}_${version}_*.tar.gz, *.zip) in $artifacts (run scripts/build.sh first)"
	fi
	# The checksums last: once it is there, so is everything it lists.
	checksums=$artifacts/${default_name}_${version}_checksums.txt
	if [[ -f $checksums ]]; then
		files+=("$checksums")
	fi
	for prefix in "${prefixes[@]}"; do
		for file in "${files[@]}"; do
			s3_put "$file" "$bucket" "$prefix/${file##*/}" "$region" "$endpoint" || exit 1
		done
	done
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	main "$@"
fi
