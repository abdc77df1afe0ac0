// Package testtool finds the outside programs that tests run (shellcheck, git,
// goreleaser, ...). Locally a missing tool skips the test with a line saying how
// to install it; CI sets GOMICRO_REQUIRE_TOOLS=1 so that the same skip fails.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of the program name, or skips (fails in CI) the test.
func Require(t testing.TB, name, howToInstall string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("GOMICRO_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s not found on PATH and GOMICRO_REQUIRE_TOOLS is set; install it: %s", name, howToInstall)
	}
	t.Skipf("%s not found on PATH; install it to run this test: %s", name, howToInstall)
	return ""
}
