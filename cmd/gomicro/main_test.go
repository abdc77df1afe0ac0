package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/gittest"
	"github.com/gomicro/gomicro/internal/testkit/nettest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/afero"
)

// TestMain lets testscript run this test binary as the gomicro command, and
// so does GOMICRO_TEST_AS_MAIN=1 for tests that start it themselves.
// GOMICRO_TEST_HOLD=N makes that gomicro stop after creating N files in the
// project, say so on stderr and wait for a signal, so that a test can
// interrupt it in the middle of a write (TestInterrupt*).
func TestMain(m *testing.M) {
	if os.Getenv("GOMICRO_TEST_AS_MAIN") == "1" {
		if n, err := strconv.Atoi(os.Getenv("GOMICRO_TEST_HOLD")); err == nil {
			projectFs = func(ctx context.Context, root afero.Fs) afero.Fs {
				return &holdingFs{Fs: root, ctx: ctx, left: n}
			}
		}
		os.Exit(run(os.Args[1:], systemIO()))
	}
	// Hermetic answers: the user config in testdata (owner acme), no git
	// config of this machine's (its github.user would show in defaults).
	// Set once, in the test process: a gomicro that a script runs (this
	// binary again, in $WORK) keeps what its script set.
	if os.Getenv(hermeticMarker) == "" {
		userConfig, err := filepath.Abs("testdata/user-config.yaml")
		if err != nil {
			panic(err)
		}
		for k, v := range hermeticEnv(userConfig) {
			os.Setenv(k, v)
		}
	}
	testscript.Main(testtool.Reporting(m), map[string]func(){
		"gomicro": func() { os.Exit(run(os.Args[1:], systemIO())) },
	})
}

// hermeticMarker says the hermetic environment is set.
const hermeticMarker = "GOMICRO_TEST_HERMETIC"

// hermeticEnv is the environment every gomicro the tests run sees, whatever
// this machine's git and gomicro configs say.
func hermeticEnv(userConfig string) map[string]string {
	env := map[string]string{
		hermeticMarker: "1",
		// Not XDG_CONFIG_HOME, which the go commands the tests run read
		// their env file from and write telemetry to.
		"GOMICRO_CONFIG": userConfig,
	}
	for _, kv := range gittest.NoConfig {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// holdingFs pauses the write after its nth new file until ctx is done.
type holdingFs struct {
	afero.Fs
	ctx  context.Context
	left int
}

func (h *holdingFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	f, err := h.Fs.OpenFile(name, flag, perm)
	if flag&os.O_CREATE != 0 {
		if h.left--; h.left == 0 {
			fmt.Fprintln(os.Stderr, "gomicro-test: holding")
			<-h.ctx.Done()
		}
	}
	return f, err
}

// TestScripts runs the stories in testdata/script: what a user types and
// what they see, one txtar archive each.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			// A predictable git for the stories that commit, and the user
			// config in testdata (TestMain).
			for k := range hermeticEnv("") {
				env.Setenv(k, os.Getenv(k))
			}
			// $HANGADDR: a 127.0.0.1 server that accepts and never
			// answers, a stalled git server or GOPROXY.
			addr, stop, err := nettest.Hanging()
			if err != nil {
				return err
			}
			env.Defer(stop)
			env.Setenv("HANGADDR", addr)
			return nil
		},
	})
}
