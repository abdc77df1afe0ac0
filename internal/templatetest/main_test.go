package templatetest

import (
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// TestMain ends the run with one line per tool whose absence skipped checks.
func TestMain(m *testing.M) { testtool.Main(m) }
