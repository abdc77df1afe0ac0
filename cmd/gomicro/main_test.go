package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run this test binary as the gomicro command, and
// so does GOMICRO_TEST_AS_MAIN=1 for tests that start it themselves.
func TestMain(m *testing.M) {
	if os.Getenv("GOMICRO_TEST_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], systemIO()))
	}
	testscript.Main(m, map[string]func(){
		"gomicro": func() { os.Exit(run(os.Args[1:], systemIO())) },
	})
}

// TestScripts runs the stories in testdata/script: what a user types and
// what they see, one txtar archive each.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			// A predictable git for the stories that commit; no user config.
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			env.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
			return nil
		},
	})
}
