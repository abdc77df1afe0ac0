package rules

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/module"
)

// ruleCase is one value and the exact message expected ("" means accepted).
type ruleCase struct {
	value, want string
}

// runRule checks every case and that no message breaks the house style.
func runRule(t *testing.T, rule Rule, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		err := rule(tc.value)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("value %q:\n got: %s\nwant: %s", tc.value, got, tc.want)
		}
		if err == nil {
			continue
		}
		checkMessage(t, tc.value, got)
		// The caller prints the value; the message must not repeat it. (A
		// short value may still occur in the rule's own words or example.)
		if strings.Contains(got, strconv.Quote(tc.value)) || len(tc.value) >= 12 && strings.Contains(got, tc.value) {
			t.Errorf("value %q: message repeats the value: %s", tc.value, got)
		}
	}
}

// checkMessage asserts the form every rule text has: one line, lowercase
// first letter, no trailing punctuation.
func checkMessage(t testing.TB, value, msg string) {
	t.Helper()
	r, _ := utf8.DecodeRuneInString(msg)
	if msg == "" || unicode.IsUpper(r) || strings.ContainsAny(msg, "\n\r") {
		t.Errorf("value %q: badly formed message %q", value, msg)
	}
	if strings.HasSuffix(msg, ".") || strings.HasSuffix(msg, "!") || strings.HasSuffix(msg, ":") {
		t.Errorf("value %q: message ends in punctuation: %q", value, msg)
	}
}

func TestLookup(t *testing.T) {
	want := []string{"aws-role-arn", "go-version", "gomicro-version", "module", "name", "platforms", "s3-bucket", "s3-region"}
	if got := RuleNames(); !slices.Equal(got, want) {
		t.Fatalf("RuleNames() = %q, want %q", got, want)
	}
	for _, n := range want {
		if r, ok := Lookup(n); !ok || r == nil {
			t.Errorf("Lookup(%q) = %v, %v; want a rule", n, r, ok)
		}
	}
	// The looked-up rule is the exported function of that name.
	if r, _ := Lookup("s3-bucket"); r("Bad_Bucket").Error() != S3Bucket("Bad_Bucket").Error() {
		t.Errorf(`Lookup("s3-bucket") is not S3Bucket`)
	}
	for _, n := range []string{"", "Name", "s3_bucket", "bucket", "unknown"} {
		if _, ok := Lookup(n); ok {
			t.Errorf("Lookup(%q) ok, want unknown", n)
		}
	}
}

const (
	nameChars  = `names use only letters, digits, '-' and '_'`
	nameLead   = `names begin with a letter or digit`
	nameASCII  = `names use only ASCII characters`
	nameDevice = `names must not be a device name reserved on windows (con, prn, aux, nul, com1 to com9, lpt1 to lpt9)`
)

func TestName(t *testing.T) {
	runRule(t, Name, []ruleCase{
		{"oddjob", ""},
		{"my_service", ""},
		{"svc-2", ""},
		{"2fast", ""},
		{"A", ""},
		{"Svc_Name-v2", ""},
		{"console", ""},
		{"com10", ""},
		{strings.Repeat("a", 100), ""},

		{"", `names must not be empty`},
		{strings.Repeat("a", 101), `names are at most 100 characters`},
		{"café", nameASCII + ` (found "é")`},
		{"caf\xe9", nameASCII + ` (found "\xe9")`},
		{"naïve-" + strings.Repeat("a", 200), nameASCII + ` (found "ï")`},
		{"../x", nameLead + ` (found ".")`},
		{".hidden", nameLead + ` (found ".")`},
		{"-x", nameLead + ` (found "-")`},
		{"_x", nameLead + ` (found "_")`},
		{"/abs", nameLead + ` (found "/")`},
		{" x", nameLead + ` (found " ")`},
		{"a/b", nameChars + ` (found "/")`},
		{"a b", nameChars + ` (found " ")`},
		{`a\b`, nameChars + ` (found "\\")`},
		{"x.y", nameChars + ` (found ".")`},
		{"x..", nameChars + ` (found ".")`},
		{"tab\there", nameChars + ` (found "\t")`},
		{"new\nline", nameChars + ` (found "\n")`},
		{"a{{.x}}", nameChars + ` (found "{")`},
		{"C:", nameChars + ` (found ":")`},
		{"con", nameDevice},
		{"NUL", nameDevice},
		{"Com1", nameDevice},
		{"lpt9", nameDevice},
	})
}

func TestModule(t *testing.T) {
	const (
		chars = `module paths use only ASCII letters, digits and '-', '.', '_', '~'`
		first = `the first element of a module path uses only lowercase letters, digits, '.' and '-'`
	)
	runRule(t, Module, []ruleCase{
		{"github.com/acme/svc", ""},
		{"github.com/acme/svc/v2", ""},
		{"github.com/Acme/My_Svc~x", ""},
		{"example.com", ""},
		{"gopkg.in/yaml.v3", ""},

		{"", `module paths must not be empty`},
		{"not a path", chars + ` (found " ")`},
		{"/abs", `module paths must not begin with '/'`},
		{"github.com/../x", `module path elements must not be '.' or '..'`},
		{"github.com/./x", `module path elements must not be '.' or '..'`},
		{"svc", `module paths begin with a domain name that contains a dot, like github.com`},
		{"-x.com/a", `module paths must not begin with '-'`},
		{"github.com//x", `module paths must not contain '//'`},
		{"github.com/x/", `module paths must not end with '/'`},
		{"github.com/.x", `module path elements must not begin with '.'`},
		{"github.com/x.", `module path elements must not end with '.'`},
		{"github.com/prog~1", `module path elements must not end with '~' and digits`},
		{"github.com/acme/svc\\x", chars + ` (found "\\")`},
		{"github.com/acmé", chars + ` (found "é")`},
		{"github.com/x\xff", `module paths must be valid UTF-8`},
		{"GitHub.com/acme/svc", first + ` (found "G")`},
		{"git_hub.com/acme", first + ` (found "_")`},
		{"aux", `module path elements must not be a device name reserved on windows`},
		{"example.com/aux", `module path elements must not be a device name reserved on windows (found "aux")`},
		{"example.com/x/NUL.txt", `module path elements must not be a device name reserved on windows (found "NUL")`},
		{"github.com/acme/svc/v1", `a module path's major version suffix is /v2 or above, without a leading zero or dots (gopkg.in paths use .v1 and up)`},
		{"github.com/acme/svc/v02", `a module path's major version suffix is /v2 or above, without a leading zero or dots (gopkg.in paths use .v1 and up)`},
		{"gopkg.in/yaml", `a module path's major version suffix is /v2 or above, without a leading zero or dots (gopkg.in paths use .v1 and up)`},
	})
}

// TestModuleRuleFallback covers a reason CheckPath might add in a later
// version: it is still a lowercase rule without the path.
func TestModuleRuleFallback(t *testing.T) {
	got := moduleRule("x", "Some New Reason")
	if want := "module paths: some new reason"; got != want {
		t.Errorf("moduleRule fallback = %q, want %q", got, want)
	}
}

func TestS3Bucket(t *testing.T) {
	const (
		length   = `bucket names are 3 to 63 characters long`
		charset  = `bucket names use only lowercase letters, digits, dots and hyphens`
		ends     = `bucket names begin and end with a letter or digit`
		dots     = `bucket names must not contain two adjacent dots`
		ip       = `bucket names must not be formatted as an IP address`
		prefixes = `bucket names must not begin with xn--, sthree-, amzn-s3-demo-`
		suffixes = `bucket names must not end with -s3alias, --ol-s3, .mrap, --x-s3, --table-s3`
	)
	runRule(t, S3Bucket, []ruleCase{
		{"launchdarkly-artifacts", ""},
		{"abc", ""},
		{"my.bucket.name", ""},
		{"1-2-3", ""},
		{"192.168.5", ""},
		{"192.168.5.4.5", ""},
		{"a.b.c.d", ""},
		{"x-n--abc", ""},
		{"amzn-s3-demo", ""},
		{"bucket-s3aliases", ""},
		{strings.Repeat("a", 63), ""},

		{"", length},
		{"ab", length},
		{strings.Repeat("a", 64), length},
		{"Bad_Bucket", charset},
		{"bad_bucket", charset},
		{"UPPER", charset},
		{"caf\u00e9", charset},
		{"a b", charset},
		{"a/b", charset},
		{"bucket-", ends},
		{"-bucket", ends},
		{".bucket", ends},
		{"bucket.", ends},
		{"my..bucket", dots},
		{"192.168.5.4", ip},
		{"999.0.0.1", ip},
		{"xn--abc", prefixes},
		{"sthree-bucket", prefixes},
		{"amzn-s3-demo-bucket", prefixes},
		{"bucket-s3alias", suffixes},
		{"bucket--ol-s3", suffixes},
		{"bucket.mrap", suffixes},
		{"bucket--x-s3", suffixes},
		{"bucket--table-s3", suffixes},
	})
}

func TestS3Region(t *testing.T) {
	const pattern = `regions are written like us-east-1 or ap-southeast-1: a two-letter area and lowercase words joined by hyphens, ending in a number`
	runRule(t, S3Region, []ruleCase{
		{"us-east-1", ""},
		{"eu-west-2", ""},
		{"ap-southeast-1", ""},
		{"cn-north-1", ""},
		{"us-gov-west-1", ""},
		{"il-central-1", ""},
		{"us-isob-east-1", ""},

		{"", `regions must not be empty`},
		{"US-EAST-1", `regions are written in lowercase, like us-east-1`},
		{"us-east", pattern},
		{"useast1", pattern},
		{"us-east-", pattern},
		{"usa-east-1", pattern},
		{"us_east_1", pattern},
		{" us-east-1", pattern},
		{"us-east-1\n", pattern},
		{"us-east-1a", pattern},
	})
}

func TestPlatformsRule(t *testing.T) {
	runRule(t, Platforms, []ruleCase{
		{"linux,!arm darwin", ""},
		{"linux && !arm || darwin", ""},
		{"", errEmptyPlatforms.Error()},
		{"plan9", noneMatch},
	})
}

var nameSeeds = []string{
	"", "oddjob", "my_service", "svc-2", "../x", "a/b", "a b", "-x", ".hidden", "café",
	`a\b`, "con", "..", ".", "x\x00y", strings.Repeat("a", 101), "\xff",
}

func FuzzName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		err := Name(v)
		if err != nil {
			checkMessage(t, v, err.Error())
			return
		}
		if !filepath.IsLocal(v) {
			t.Errorf("Name accepted %q, which filepath.IsLocal rejects", v)
		}
		if strings.ContainsAny(v, `/\`) || strings.ContainsRune(v, filepath.Separator) {
			t.Errorf("Name accepted %q, which holds a path separator", v)
		}
		if v == "." || v == ".." || len(v) > maxNameLen {
			t.Errorf("Name accepted %q", v)
		}
		for _, r := range v {
			if r >= utf8.RuneSelf {
				t.Errorf("Name accepted non-ASCII %q", v)
			}
		}
	})
}

func FuzzModule(f *testing.F) {
	for _, s := range []string{
		"", "github.com/acme/svc", "github.com/acme/svc/v2", "not a path", "/abs",
		"github.com/../x", "gopkg.in/yaml.v3", "example.com/aux", "a.b/c~1", "x\xff",
		"GitHub.com/a", "github.com/a/v1", "github.com//x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		err := Module(v)
		if (err == nil) != (module.CheckPath(v) == nil) {
			t.Fatalf("Module(%q) = %v, but CheckPath = %v", v, err, module.CheckPath(v))
		}
		if err == nil {
			return
		}
		msg := err.Error()
		checkMessage(t, v, msg)
		if strings.Contains(msg, "malformed") || strings.HasPrefix(msg, "module paths: ") {
			t.Errorf("Module(%q): CheckPath's reason not restated: %s", v, msg)
		}
	})
}

func FuzzS3Bucket(f *testing.F) {
	for _, s := range []string{
		"", "ab", "abc", "launchdarkly-artifacts", "Bad_Bucket", "my..bucket", "192.168.5.4",
		"xn--abc", "bucket-", "bucket.mrap", "a.b.c.d", strings.Repeat("a", 64),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		err := S3Bucket(v)
		if err != nil {
			checkMessage(t, v, err.Error())
			return
		}
		if len(v) < 3 || len(v) > 63 {
			t.Errorf("S3Bucket accepted %q, of length %d", v, len(v))
		}
		if strings.Trim(v, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
			t.Errorf("S3Bucket accepted %q, outside [a-z0-9.-]", v)
		}
		if strings.Contains(v, "..") || looksLikeIPv4(v) {
			t.Errorf("S3Bucket accepted %q", v)
		}
	})
}

func TestGoVersion(t *testing.T) {
	for _, v := range []string{"1.24", "1.26", "1.26.0", "1.26.8", "1.27rc1", "1.27beta2", "1.100"} {
		if err := GoVersion(v); err != nil {
			t.Errorf("GoVersion(%q) = %v, want nil", v, err)
		}
	}
	for v, want := range map[string]string{
		"go1.26":  "without the go prefix",
		"1.23":    "before 1.24",
		"1":       "look like 1.26",
		"1.026":   "look like 1.26",
		"1.26.":   "look like 1.26",
		"2.0":     "look like 1.26",
		"1.26rc0": "look like 1.26",
		"":        "look like 1.26",
	} {
		if err := GoVersion(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("GoVersion(%q) = %v, want an error saying %q", v, err, want)
		}
	}
}

func TestAWSRoleARN(t *testing.T) {
	for _, v := range []string{"", "arn:aws:iam::123456789012:role/ci-upload", "arn:aws-us-gov:iam::123456789012:role/path/to/ci"} {
		if err := AWSRoleARN(v); err != nil {
			t.Errorf("AWSRoleARN(%q) = %v, want nil", v, err)
		}
	}
	for _, v := range []string{"ci-upload", "arn:aws:iam::12345:role/x", "arn:aws:iam::123456789012:user/x", "arn:aws:iam::123456789012:role/"} {
		if err := AWSRoleARN(v); err == nil {
			t.Errorf("AWSRoleARN(%q) = nil, want an error", v)
		}
	}
}

func TestGomicroVersion(t *testing.T) {
	for _, v := range []string{"latest", "v0.4.0", "v1.0.0-rc.1", "v0.0.0-20261207174130-6d1460a1b2c3"} {
		if err := GomicroVersion(v); err != nil {
			t.Errorf("GomicroVersion(%q) = %v, want nil", v, err)
		}
	}
	for _, v := range []string{"", "0.4.0", "v0.4", "v1", "v0.4.0+dirty", "master", "Latest", "v0.4.0 "} {
		if err := GomicroVersion(v); err == nil || !strings.Contains(err.Error(), "look like v0.4.0") {
			t.Errorf("GomicroVersion(%q) = %v, want an error", v, err)
		}
	}
}
