package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestTuneGC: GOGC is raised while the heap is small and back to the
// default once the live heap passes smallHeap; a GOGC in the environment
// is left alone.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	t.Setenv("GOGC", "150")
	tuneGC()
	if got := gogc(); got != 150 {
		t.Fatalf("GOGC=150 in the environment: tuneGC set %d", got)
	}

	os.Unsetenv("GOGC") // t.Setenv puts it back
	tuneGCBelow(8 << 20)
	if got := gogc(); got != smallHeapGCPercent {
		t.Fatalf("a small heap: GOGC %d, want %d", got, smallHeapGCPercent)
	}
	live := make([][]byte, 0, 16)
	for range cap(live) {
		live = append(live, make([]byte, 1<<20))
	}
	for start := time.Now(); gogc() != 100; time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("16 MiB live, over 8 MiB: GOGC still %d", gogc())
		}
		runtime.GC()
	}
	runtime.KeepAlive(live)
}
