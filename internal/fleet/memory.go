package fleet

import (
	"math"
	"os"
	"runtime/debug"
	"sync"

	"github.com/gomicro/gomicro/generator"
)

// An upgrade's peak memory stays within twice the template's size plus
// 50 MiB (docs/upgrade.md). What it holds at once is a few times the
// template (the release, the base tree, the plan), and Go's collector
// lets the heap grow to twice what it holds before it collects: on the
// 5000-file bench that was 60-65 MB of resident memory for a 2.9 MB
// template. A soft limit makes the collector work sooner instead: 47 MB
// there, for about 0.05 s more CPU (0.41-0.46 s of user time against
// 0.34-0.41 s, three runs each on a loaded machine). It is raised, never
// lowered, for each template a command loads, and a GOMEMLIMIT the person
// set stands.

// memoryBase is the limit's part for gomicro itself: the runtime, the
// packages' tables, a project's manifest and plan.
const memoryBase = 32 << 20

var memoryMu sync.Mutex

// fitMemory sets the soft memory limit for an upgrade to tmpl.
func fitMemory(tmpl *generator.Template) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	want := memoryBase + 2*tmpl.Size()
	memoryMu.Lock()
	defer memoryMu.Unlock()
	if current := debug.SetMemoryLimit(-1); current == math.MaxInt64 || current < want {
		debug.SetMemoryLimit(want)
	}
}
