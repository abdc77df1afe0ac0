package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"golang.org/x/term"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/fleet"
	"github.com/gomicro/gomicro/internal/machine"
	"github.com/gomicro/gomicro/internal/userconfig"
	"github.com/gomicro/gomicro/templates/source"
)

const (
	defaultTemplate = "service"
	embeddedPrefix  = source.EmbeddedPrefix
)

// loadTemplate loads the --template value (the embedded service template
// when empty) as fleet.Opener.Load does.
func loadTemplate(src string) (*generator.Template, error) {
	return loadTemplateContext(context.Background(), src)
}

func loadTemplateContext(ctx context.Context, src string) (*generator.Template, error) {
	if src == "" {
		src = embeddedPrefix + defaultTemplate
	}
	return opener().Load(ctx, src)
}

// opener opens templates for this machine's user: their git identity and
// Go version, their configured defaults, and a word on a slow fetch.
func opener() fleet.Opener {
	return fleet.Opener{Machine: machine.Local{}, UserDefaults: userDefaults, Environ: os.LookupEnv, Progress: fetchNotice()}
}

// fetchNotice has a fetch that takes more than a couple of seconds say
// what it fetches, on stderr when that is a terminal (nil otherwise), so
// that a slow or stalled server is not a silent wait (the source layer
// gives up on a stall after GOMICRO_FETCH_TIMEOUT).
func fetchNotice() func(line string) {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	return func(line string) {
		fmt.Fprintf(os.Stderr, "gomicro: %s\n", line)
	}
}

// readUserConfig reads the user's config file once per process.
var readUserConfig = sync.OnceValues(func() (userconfig.Settings, error) {
	return userconfig.Read(userconfig.File())
})

// userDefaults reads the user's default answers; no file means none.
func userDefaults() (map[string]string, error) {
	s, err := readUserConfig()
	return s.Defaults, err
}
