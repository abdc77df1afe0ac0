package upgradejob_test

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/proctest"

	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// TestTokens runs the generated script's token handling (sourced: its
// functions only) for each kind of template source and origin, traced with
// bash -x, and asks git itself which credentials and URLs it would use: a
// token reaches the host of the source it is for and no other, an SSH
// source or origin is reached over https, a module source is private and
// has a netrc, and no token shows in the trace.
func TestTokens(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the generated script needs bash")
	}
	testtool.Require(t, "git", "apt-get install -y git")
	testtool.Require(t, "bash", "apt-get install -y bash")
	ctx := testtool.Context(t)
	project := gentest.Generate(t, "service", map[string]string{"github_username": "acme"}, "oddjob")
	script := filepath.Join(project, "scripts", "gomicro-upgrade.sh")
	const (
		ghToken  = "ghp_originTokenValue0123456789"
		tplToken = "ghp_templateTokenValue9876543210"
	)
	// fill prints what git's credential helpers answer for an https host,
	// and nothing (no prompt) where none does.
	const fill = `fill() { printf 'protocol=https\nhost=%s\n\n' "$1" | GIT_TERMINAL_PROMPT=0 git credential fill 2>/dev/null | sed -n 's/^password=/password for '"$1"': /p' || true; }
`
	tests := []struct {
		name   string
		script string
		tokens []string // GH_TOKEN, GOMICRO_TEMPLATE_TOKEN ("" unset)
		want   []string // lines of the output (the trace aside)
		absent []string
	}{
		{
			name:   "https git source, its own token",
			script: `template_auth https://github.com/acme/templates.git//service; fill github.com; fill gitlab.com`,
			tokens: []string{ghToken, tplToken},
			want:   []string{"password for github.com: " + tplToken},
			absent: []string{"password for gitlab.com"},
		},
		{
			name:   "https git source, GH_TOKEN",
			script: `template_auth https://git.example.com/acme/templates; fill git.example.com; fill github.com`,
			tokens: []string{ghToken, ""},
			want:   []string{"password for git.example.com: " + ghToken},
			absent: []string{"password for github.com"},
		},
		{
			name:   "ssh git source: over https",
			script: `template_auth git@github.com:acme/templates.git//service; git ls-remote --get-url git@github.com:acme/templates.git; git ls-remote --get-url git@github.com:acme/other.git; fill github.com`,
			tokens: []string{"", tplToken},
			want:   []string{"https://github.com/acme/templates.git", "git@github.com:acme/other.git", "password for github.com: " + tplToken},
		},
		{
			name:   "ssh git source with a ref: over https",
			script: `template_auth git@github.com:acme/templates.git@v1.4.0; git ls-remote --get-url git@github.com:acme/templates.git; fill github.com`,
			tokens: []string{"", tplToken},
			want:   []string{"https://github.com/acme/templates.git", "password for github.com: " + tplToken},
		},
		{
			name:   "module source with a version",
			script: `template_auth example.com/acme/templates@v1.4.0; echo "GOPRIVATE=$GOPRIVATE"`,
			tokens: []string{"", tplToken},
			want:   []string{"GOPRIVATE=example.com/acme/templates"},
		},
		{
			name:   "ssh:// git source: over https",
			script: `template_auth ssh://git@github.com/acme/templates.git//service; git ls-remote --get-url ssh://git@github.com/acme/templates.git; fill github.com`,
			tokens: []string{"", tplToken},
			want:   []string{"https://github.com/acme/templates.git", "password for github.com: " + tplToken},
		},
		{
			name:   "module source: private, a netrc",
			script: `GOPRIVATE=example.org/x; template_auth example.com/acme/templates//service; echo "GOPRIVATE=$GOPRIVATE"; sed -n 's/^machine /netrc machine /p' "$NETRC"; { set +x; } 2>/dev/null; grep -qx "password $GOMICRO_TEMPLATE_TOKEN" "$NETRC" && echo netrc holds the token; set -x; stat -c 'netrc mode %a' "$NETRC"; fill example.com`,
			tokens: []string{"", tplToken},
			want:   []string{"GOPRIVATE=example.org/x,example.com/acme/templates", "netrc machine example.com", "netrc holds the token", "netrc mode 600", "password for example.com: " + tplToken},
		},
		{
			name:   "no token: nothing",
			script: `template_auth https://github.com/acme/templates.git; echo "count=${GIT_CONFIG_COUNT:-0} netrc=${NETRC:-none}"; fill github.com`,
			tokens: []string{"", ""},
			want:   []string{"count=0 netrc=none"},
			absent: []string{"password for"},
		},
		{
			name:   "local sources: nothing",
			script: `for s in embedded:service file:///srv/t//service /srv/t ./t; do template_auth "$s"; done; echo "count=${GIT_CONFIG_COUNT:-0}"`,
			tokens: []string{ghToken, tplToken},
			want:   []string{"count=0"},
		},
		{
			name:   "https origin, then the template: its token for the fetch",
			script: `git remote add origin https://github.com/acme/oddjob.git; origin_auth; template_auth https://github.com/acme/templates.git; fill github.com`,
			tokens: []string{ghToken, tplToken},
			want:   []string{"password for github.com: " + tplToken},
		},
		{
			name:   "https origin alone",
			script: `git remote add origin https://github.com/acme/oddjob.git; origin_auth; fill github.com`,
			tokens: []string{ghToken, tplToken},
			want:   []string{"password for github.com: " + ghToken},
		},
		{
			name:   "ssh origin: pushed over https",
			script: `git remote add origin git@github.com:acme/oddjob.git; origin_auth; git remote get-url origin; git remote get-url --push origin; fill github.com`,
			tokens: []string{ghToken, ""},
			want:   []string{"git@github.com:acme/oddjob.git", "https://github.com/acme/oddjob.git", "password for github.com: " + ghToken},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if out, err := proctest.Output(ctx, dir, gentest.ProjectEnv(), "git", "init", "-q"); err != nil {
				t.Fatalf("git init: %v\n%s", err, out)
			}
			env := append(gentest.ProjectEnv(), "HOME="+dir)
			for i, name := range []string{"GH_TOKEN", "GOMICRO_TEMPLATE_TOKEN"} {
				if tt.tokens[i] != "" {
					env = append(env, name+"="+tt.tokens[i])
				}
			}
			body := fill + "source " + quote(script) + "\ntmp=$(mktemp -d)\nset -x\n" + tt.script + "\n"
			out, err := proctest.Output(ctx, dir, env, "bash", "-c", body)
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			var lines, trace []string
			for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
				if strings.HasPrefix(l, "+") {
					trace = append(trace, l)
				} else {
					lines = append(lines, l)
				}
			}
			for _, tok := range []string{ghToken, tplToken} {
				if strings.Contains(strings.Join(trace, "\n"), tok) {
					t.Errorf("the bash -x trace shows a token:\n%s", strings.Join(trace, "\n"))
				}
			}
			for _, w := range tt.want {
				if !contains(lines, w) {
					t.Errorf("output lacks %q:\n%s", w, strings.Join(lines, "\n"))
				}
			}
			for _, a := range tt.absent {
				for _, l := range lines {
					if strings.HasPrefix(l, a) {
						t.Errorf("output has %q", l)
					}
				}
			}
		})
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// quote is s single-quoted for bash.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
