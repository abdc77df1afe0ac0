// Package upgradejob tests the upgrade job the service template generates
// (scripts/gomicro-upgrade.sh) for real: gomicro fetched by the script's own
// go run line from a file:// GOPROXY serving the module built from this
// working tree, a template in a local git repository that gains newer tags,
// a bare repository as origin, and a gh on PATH that records its calls
// (GitHub itself is out of reach). Its tests live here, beside the
// template, and not in package templates: compiling gomicro from a module
// zip takes a while, and package templates' test binary is the cold run's
// longest already.
package upgradejob_test

import (
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// TestMain ends the run with one line per tool whose absence skipped checks.
func TestMain(m *testing.M) { testtool.Main(m) }
