// Package rules holds the named validation rules that a template's questions
// refer to with `validate:` in template.yaml.
//
// A rule is a func(value string) error. The error's text is the rule stated for
// a user: lowercase, no trailing punctuation, and never the value itself (the
// caller prints the key and the value before it), as in
//
//	gomicro: s3_bucket "Bad_Bucket": bucket names use only lowercase letters, digits, dots and hyphens
//
// A message may name the one offending character or term, e.g. (found "/").
package rules

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Rule checks one answer. It returns nil when the value is acceptable and
// otherwise an error whose text states the rule that was broken.
type Rule func(value string) error

// byName maps the names used in template.yaml to the rules.
var byName = map[string]Rule{
	"name":         Name,
	"module":       Module,
	"platforms":    Platforms,
	"s3-bucket":    S3Bucket,
	"s3-region":    S3Region,
	"go-version":   GoVersion,
	"aws-role-arn": AWSRoleARN,

	"gomicro-version": GomicroVersion,
}

// Lookup returns the rule called name (as written in template.yaml
// `validate:`), and ok=false if there is no such rule.
func Lookup(name string) (Rule, bool) {
	r, ok := byName[name]
	return r, ok
}

// RuleNames returns the names of all rules, sorted, for error messages about
// unknown rules.
func RuleNames() []string {
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// found formats the offending part of a value for the end of a message.
func found(s string) string {
	return " (found " + strconv.Quote(s) + ")"
}

// maxNameLen is the longest name Name accepts.
const maxNameLen = 100

// windowsDevices are the base names Windows reserves for devices; a directory
// or repository with such a name cannot be checked out there.
var windowsDevices = []string{
	"con", "prn", "aux", "nul",
	"com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
	"lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
}

// Name is the rule "name": a service, binary, directory or repository name.
// A name is 1 to 100 ASCII characters from [A-Za-z0-9_-], begins with a letter
// or digit, and is not a Windows device name, so it is safe as one path
// element on every platform.
func Name(v string) error {
	if v == "" {
		return errors.New("names must not be empty")
	}
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		if r >= utf8.RuneSelf || r == utf8.RuneError && size == 1 {
			return errors.New("names use only ASCII characters" + found(v[i:i+size]))
		}
		i += size
	}
	if len(v) > maxNameLen {
		return fmt.Errorf("names are at most %d characters", maxNameLen)
	}
	if !isAlnum(v[0]) {
		return errors.New("names begin with a letter or digit" + found(v[:1]))
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isAlnum(c) && c != '-' && c != '_' {
			return errors.New("names use only letters, digits, '-' and '_'" + found(v[i:i+1]))
		}
	}
	if slices.Contains(windowsDevices, strings.ToLower(v)) {
		return errors.New("names must not be a device name reserved on windows (con, prn, aux, nul, com1 to com9, lpt1 to lpt9)")
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Module is the rule "module": a Go module path, as checked by
// golang.org/x/mod/module.CheckPath (what `go mod init` accepts).
func Module(v string) error {
	err := module.CheckPath(v)
	if err == nil {
		return nil
	}
	var pe *module.InvalidPathError
	if !errors.As(err, &pe) || pe.Err == nil {
		// Not the documented error type: never show the path twice.
		return errors.New("module paths " + strings.ToLower(strings.ReplaceAll(err.Error(), strconv.Quote(v), "")))
	}
	return errors.New(moduleRule(v, pe.Err.Error()))
}

// moduleRule restates one of module.CheckPath's reasons (the error it wraps
// in an InvalidPathError) as a rule. The tests cover every reason CheckPath
// gives, so a change in golang.org/x/mod shows up there.
func moduleRule(path, reason string) string {
	switch reason {
	case "invalid UTF-8":
		return "module paths must be valid UTF-8"
	case "empty string":
		return "module paths must not be empty"
	case "leading dash", "leading dash in first path element":
		return "module paths must not begin with '-'"
	case "double slash":
		return "module paths must not contain '//'"
	case "trailing slash":
		return "module paths must not end with '/'"
	case "leading slash":
		return "module paths must not begin with '/'"
	case "empty path element":
		if strings.HasPrefix(path, "/") {
			return "module paths must not begin with '/'"
		}
		return "module path elements must not be empty"
	case "leading dot in path element":
		return "module path elements must not begin with '.'"
	case "trailing dot in path element":
		return "module path elements must not end with '.'"
	case "trailing tilde and digits in path element":
		return "module path elements must not end with '~' and digits"
	case "missing dot in first path element":
		return "module paths begin with a domain name that contains a dot, like github.com"
	case "invalid version":
		return "a module path's major version suffix is /v2 or above, without a leading zero or dots (gopkg.in paths use .v1 and up)"
	}
	if strings.HasPrefix(reason, "invalid path element ") {
		return "module path elements must not be '.' or '..'"
	}
	if q, ok := strings.CutPrefix(reason, "invalid char "); ok {
		if q, ok := strings.CutSuffix(q, " in first path element"); ok {
			return "the first element of a module path uses only lowercase letters, digits, '.' and '-'" + foundRune(q)
		}
		return "module paths use only ASCII letters, digits and '-', '.', '_', '~'" + foundRune(q)
	}
	if q, ok := strings.CutSuffix(reason, " disallowed as path element component on Windows"); ok {
		msg := "module path elements must not be a device name reserved on windows"
		if s, err := strconv.Unquote(q); err == nil && s != path {
			msg += found(s)
		}
		return msg
	}
	return "module paths: " + strings.ToLower(reason)
}

// foundRune turns a Go-quoted rune ('x') as CheckPath prints it into found's
// form ("x"), or nothing when it cannot.
func foundRune(q string) string {
	s, err := strconv.Unquote(q)
	if err != nil {
		return ""
	}
	return found(s)
}

// S3Bucket is the rule "s3-bucket": the naming rules for an AWS S3
// general-purpose bucket.
func S3Bucket(v string) error {
	if len(v) < 3 || len(v) > 63 {
		return errors.New("bucket names are 3 to 63 characters long")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return errors.New("bucket names use only lowercase letters, digits, dots and hyphens")
		}
	}
	if !isAlnum(v[0]) || !isAlnum(v[len(v)-1]) {
		return errors.New("bucket names begin and end with a letter or digit")
	}
	if strings.Contains(v, "..") {
		return errors.New("bucket names must not contain two adjacent dots")
	}
	if looksLikeIPv4(v) {
		return errors.New("bucket names must not be formatted as an IP address")
	}
	for _, p := range bucketPrefixes {
		if strings.HasPrefix(v, p) {
			return errors.New("bucket names must not begin with " + strings.Join(bucketPrefixes, ", "))
		}
	}
	for _, s := range bucketSuffixes {
		if strings.HasSuffix(v, s) {
			return errors.New("bucket names must not end with " + strings.Join(bucketSuffixes, ", "))
		}
	}
	return nil
}

// Reserved by AWS; see "General purpose bucket naming rules" in the S3 user guide.
var (
	bucketPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	bucketSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// looksLikeIPv4 reports whether v is four dot-separated groups of digits.
// It is broader than a valid address (999.0.0.1 counts) on purpose: S3
// refuses names "formatted as an IP address".
func looksLikeIPv4(v string) bool {
	groups := strings.Split(v, ".")
	if len(groups) != 4 {
		return false
	}
	for _, g := range groups {
		if g == "" || strings.Trim(g, "0123456789") != "" {
			return false
		}
	}
	return true
}

// regionPattern matches AWS region codes: us-east-1, ap-southeast-1,
// cn-north-1, us-gov-west-1, us-isob-east-1, ...
var regionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`) })

// S3Region is the rule "s3-region": an AWS region code such as us-east-1.
func S3Region(v string) error {
	switch {
	case v == "":
		return errors.New("regions must not be empty")
	case regionPattern().MatchString(v):
		return nil
	case regionPattern().MatchString(strings.ToLower(v)):
		return errors.New("regions are written in lowercase, like us-east-1")
	}
	return errors.New("regions are written like us-east-1 or ap-southeast-1: a two-letter area and lowercase words joined by hyphens, ending in a number")
}

// Platforms is the rule "platforms": a build-constraint expression that
// ParsePlatforms accepts, matching at least one of Go's first-class ports.
func Platforms(v string) error {
	_, err := ParsePlatforms(v)
	return err
}

// goVersionPattern is a Go language version as go.mod's go line takes it:
// 1.N or 1.N.P, or a pre-release such as 1.27rc1. The minor is group 1.
var goVersionPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^1\.(0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*)|(?:rc|beta)[1-9][0-9]*)?$`)
})

// minGoMinor is the oldest Go 1.N the rule takes: Go supports its two
// newest releases, and code written for today (t.Context, strings.Lines,
// slog.DiscardHandler) needs 1.24.
const minGoMinor = 24

// GoVersion is the rule for a Go language version written to go.mod and CI
// images: 1.N or 1.N.P (no "go" prefix), at least 1.24.
func GoVersion(v string) error {
	m := goVersionPattern().FindStringSubmatch(v)
	if m == nil {
		if strings.HasPrefix(v, "go") {
			//lint:ignore ST1005 Go is a name
			return errors.New("Go versions are written without the go prefix, e.g. 1.26")
		}
		//lint:ignore ST1005 Go is a name
		return errors.New("Go versions look like 1.26 or 1.26.1")
	}
	if minor, err := strconv.Atoi(m[1]); err != nil || minor < minGoMinor {
		//lint:ignore ST1005 Go is a name
		return fmt.Errorf("Go versions before 1.%d are not supported", minGoMinor)
	}
	return nil
}

// GomicroVersion is the rule "gomicro-version": a version of gomicro that
// `go run github.com/gomicro/gomicro/cmd/gomicro@VERSION` fetches, written
// out in full (v0.4.0, v1.0.0-rc.1, a pseudo-version), or latest.
func GomicroVersion(v string) error {
	if v == "latest" || semver.IsValid(v) && semver.Canonical(v) == v {
		return nil
	}
	return errors.New("gomicro versions look like v0.4.0 (a release of github.com/gomicro/gomicro), or latest")
}

// roleARNPattern is an IAM role ARN in any partition: arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
var roleARNPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
})

// AWSRoleARN is the rule for an optional IAM role to assume: empty (none),
// or a role ARN such as arn:aws:iam::123456789012:role/ci-upload.
func AWSRoleARN(v string) error {
	if v == "" || roleARNPattern().MatchString(v) {
		return nil
	}
	return errors.New("role ARNs look like arn:aws:iam::123456789012:role/NAME (or leave it empty)")
}
