package main

import (
	"context"
	"os"
	"time"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/fleet"
)

// projectFs is the file system new and upgrade write a project through:
// the confined root. Tests that stop gomicro mid-write wrap it (TestMain).
var projectFs = func(_ context.Context, root afero.Fs) afero.Fs { return root }

// renderLimits are the generator's limits, with the time bound from
// GOMICRO_RENDER_TIMEOUT when set (for a template that is slow on purpose).
func renderLimits() (generator.Limits, error) {
	limits := generator.DefaultLimits
	if v := os.Getenv("GOMICRO_RENDER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return limits, usagef("GOMICRO_RENDER_TIMEOUT %q: expected a positive duration such as 30s", v)
		}
		limits.Timeout = d
	}
	return limits, nil
}

// renderError adds what a person can do about a limit.
func renderError(err error) error { return fleet.RenderError(err) }
