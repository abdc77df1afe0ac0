package rules

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

const noneMatch = `platforms match none of Go's first-class ports (darwin/amd64, darwin/arm64, linux/386, linux/amd64, linux/arm, linux/arm64, windows/386, windows/amd64)`

func TestParsePlatforms(t *testing.T) {
	const (
		all     = "darwin/amd64 darwin/arm64 linux/386 linux/amd64 linux/arm linux/arm64 windows/386 windows/amd64"
		def     = "darwin/amd64 darwin/arm64 linux/386 linux/amd64 linux/arm64"
		linux   = "linux/386 linux/amd64 linux/arm linux/arm64"
		windows = "windows/386 windows/amd64"
		unix    = "darwin/amd64 darwin/arm64 " + linux
	)
	for _, tc := range []struct {
		expr string
		want string // platforms, space-separated
	}{
		// goxc notation.
		{"linux,!arm darwin", def},
		{"darwin linux,!arm", def},
		{"  linux,!arm \t darwin\n", def},
		{"linux", linux},
		{"windows", windows},
		{"!windows", unix},
		{"linux,arm64", "linux/arm64"},
		{"linux,arm64 linux,amd64", "linux/amd64 linux/arm64"},
		{"amd64", "darwin/amd64 linux/amd64 windows/amd64"},
		{"!arm,!arm64", "darwin/amd64 linux/386 linux/amd64 windows/386 windows/amd64"},
		{"linux windows darwin", all},
		{"linux linux", linux},
		{"unix", unix},
		{"!unix", windows},
		{"linux plan9", linux},
		{"!plan9", all},
		{"386", "linux/386 windows/386"},
		// Go notation.
		{"linux && !arm || darwin", def},
		{"darwin || linux && !arm", def},
		{"(linux && !arm) || darwin", def},
		{"linux && (!arm || darwin)", "linux/386 linux/amd64 linux/arm64"},
		{"!(linux || darwin)", windows},
		{"linux&&arm64", "linux/arm64"},
		{"(windows)", windows},
		{"unix && !darwin", linux},
		{"windows || plan9", windows},
		{"linux &&\n!arm", "linux/386 linux/amd64 linux/arm64"},
	} {
		got, err := ParsePlatforms(tc.expr)
		if err != nil {
			t.Errorf("ParsePlatforms(%q): %v", tc.expr, err)
			continue
		}
		var names []string
		for _, p := range got {
			names = append(names, p.String())
		}
		if s := strings.Join(names, " "); s != tc.want {
			t.Errorf("ParsePlatforms(%q)\n got: %s\nwant: %s", tc.expr, s, tc.want)
		}
	}
}

func TestParsePlatformsErrors(t *testing.T) {
	const (
		goPrefix = `platforms in Go notation are GOOS and GOARCH names joined by &&, || and ! with parentheses: `
		unknown  = `platform terms are GOOS or GOARCH names`
	)
	for _, tc := range []struct{ expr, want string }{
		{"", `platforms name at least one GOOS or GOARCH, like linux,!arm darwin`},
		{" \t\n", `platforms name at least one GOOS or GOARCH, like linux,!arm darwin`},
		{"linux,,", `platform terms must not be empty (look for a stray comma)`},
		{",linux", `platform terms must not be empty (look for a stray comma)`},
		{"linux, darwin", `platform terms must not be empty (look for a stray comma)`},
		{"!", `a '!' in platforms must be followed by a GOOS or GOARCH name`},
		{"linux,!", `a '!' in platforms must be followed by a GOOS or GOARCH name`},
		{"!!linux", `platform terms are negated with a single '!'`},
		{"linux/amd64", `platform terms are single GOOS or GOARCH names (write GOOS/GOARCH as GOOS,GOARCH)`},
		{"linx", unknown + ` (did you mean "linux"?)`},
		{"linx,!arm darwin", unknown + ` (found "linx"; did you mean "linux"?)`},
		{"linux,!arm darwn", unknown + ` (found "darwn"; did you mean "darwin"?)`},
		{"Linux", unknown + ` (did you mean "linux"?)`},
		{"linux amd", unknown + ` (found "amd"; did you mean "amd64"?)`},
		{"cgo", unknown},
		{"linux,cgo", unknown + ` (found "cgo")`},
		{"linux !x", unknown + ` (found "x")`},
		{"linux && go1.21", unknown + ` (found "go1.21")`},
		{"linux && !arn || darwin", unknown + ` (found "arn"; did you mean "arm"?)`},
		{"plan9", noneMatch},
		{"linux,darwin", noneMatch},
		{"linux && darwin", noneMatch},
		{"!linux,!darwin,!windows", noneMatch},
		{"arm64,386", noneMatch},
		{"linux,!arm || darwin", `platforms use either goxc notation (linux,!arm darwin) or Go notation (linux && !arm || darwin), not both`},
		{"linux && !arm darwin", goPrefix + `unexpected "darwin"`},
		{"linux & darwin", goPrefix + `unexpected "&", write &&`},
		{"linux | darwin", goPrefix + `unexpected "|", write ||`},
		{"(linux", goPrefix + `missing close paren`},
		{"linux)", goPrefix + `unexpected ")"`},
		{"linux &&", goPrefix + `unexpected end of expression`},
		{"!!linux && arm", goPrefix + `double negation not allowed`},
		{"linux && arm/v7", goPrefix + `unexpected "/"`},
		{"linux && \x01", goPrefix + `unexpected "\x01"`},
	} {
		got, err := ParsePlatforms(tc.expr)
		if err == nil {
			t.Errorf("ParsePlatforms(%q) = %v, want error %s", tc.expr, got, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("ParsePlatforms(%q) error\n got: %s\nwant: %s", tc.expr, err, tc.want)
		}
		checkMessage(t, tc.expr, err.Error())
		if len(tc.expr) >= 3 && strings.Contains(err.Error(), strconv.Quote(tc.expr)) {
			t.Errorf("ParsePlatforms(%q): message repeats the value: %s", tc.expr, err)
		}
		if got != nil {
			t.Errorf("ParsePlatforms(%q) = %v with an error", tc.expr, got)
		}
		if Platforms(tc.expr) == nil {
			t.Errorf("Platforms(%q) accepted what ParsePlatforms rejects", tc.expr)
		}
	}
}

func TestPlatformString(t *testing.T) {
	if got := (Platform{"linux", "amd64"}).String(); got != "linux/amd64" {
		t.Errorf("String() = %q", got)
	}
}

// TestFirstClassSorted guards the order ParsePlatforms promises and that
// every first-class port is made of known names.
func TestFirstClassSorted(t *testing.T) {
	if !slices.IsSortedFunc(firstClass, comparePlatforms) {
		t.Errorf("firstClass is not sorted: %v", firstClass)
	}
	for _, p := range firstClass {
		if !slices.Contains(knownOS, p.OS) || !slices.Contains(knownArch, p.Arch) {
			t.Errorf("first-class port %v is not made of known names", p)
		}
	}
}

func FuzzParsePlatforms(f *testing.F) {
	for _, s := range []string{
		"", "linux,!arm darwin", "linux && !arm || darwin", "(linux && !arm) || darwin",
		"windows", "linux,arm64", "!windows", "linux,,", "linx", "plan9", "linux,darwin",
		"!(linux || darwin)", "linux,!arm || darwin", "unix", "!!linux", "linux/amd64",
		"((((linux))))", "a&b", "linux && \x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		ps, err := ParsePlatforms(expr)
		if err != nil {
			checkMessage(t, expr, err.Error())
			if ps != nil {
				t.Errorf("ParsePlatforms(%q) = %v with error %v", expr, ps, err)
			}
			return
		}
		if len(ps) == 0 {
			t.Errorf("ParsePlatforms(%q) = no platforms and no error", expr)
		}
		for i, p := range ps {
			if !slices.Contains(firstClass, p) {
				t.Errorf("ParsePlatforms(%q) gave %v, not a first-class port", expr, p)
			}
			if i > 0 && comparePlatforms(ps[i-1], p) >= 0 {
				t.Errorf("ParsePlatforms(%q) = %v: not sorted and unique", expr, ps)
			}
		}
	})
}
