// Package uploadtest tests the upload script the service template generates
// (scripts/upload.sh) against the in-process S3 server of
// internal/testkit/s3test. Its tests live here, beside the template, and not
// in package templates: that package's test binary is the cold run's
// longest, and parallel tests added to it would start only after it.
package uploadtest_test

import (
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// TestMain ends the run with one line per tool whose absence skipped checks.
func TestMain(m *testing.M) { testtool.Main(m) }
