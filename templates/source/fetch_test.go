package source

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gomicro/gomicro/internal/testkit/nettest"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// stallTest lowers the stall bound to 1s through GOMICRO_FETCH_TIMEOUT,
// and the notice to at once, and returns Open's error for src with the
// lines the progress callback heard.
func stallTest(t *testing.T, src string) (errText string, heard []string) {
	t.Helper()
	t.Setenv(FetchTimeoutEnv, "1s")
	for _, k := range []string{"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"} {
		t.Setenv(k, "")
	}
	old := noticeAfter
	noticeAfter = time.Millisecond
	t.Cleanup(func() { noticeAfter = old })

	spec, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ctx := WithProgress(testtool.Context(t), func(line string) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, line)
	})
	_, err = Open(ctx, spec)
	if err == nil {
		t.Fatalf("Open(%s) from a server that never answers succeeded", src)
	}
	if ctx.Err() != nil {
		t.Fatalf("Open(%s) ran until the test's deadline: %v", src, err)
	}
	mu.Lock()
	defer mu.Unlock()
	return err.Error(), slices.Clone(heard)
}

// TestFetchStallGit: a git server that accepts and never answers is given
// up on after GOMICRO_FETCH_TIMEOUT without progress, over http (curl's
// low-speed limit and the watchdog) and over git:// (the watchdog alone),
// and the progress callback hears what is being fetched.
func TestFetchStallGit(t *testing.T) {
	gitTest(t)
	addr := nettest.HangingServer(t)
	for _, url := range []string{"http://" + addr + "/t.git", "git://" + addr + "/t.git"} {
		got, heard := stallTest(t, url)
		wantErr(t, got, "template git "+url+": git clone: no progress for 1s, gave up (GOMICRO_FETCH_TIMEOUT raises the bound)")
		if want := []string{"fetching git " + url + " (gives up after 1s without progress)"}; !slices.Equal(heard, want) {
			t.Errorf("progress heard %q, want %q", heard, want)
		}
	}
}

// TestFetchStallModule: the same for a GOPROXY that never answers.
func TestFetchStallModule(t *testing.T) {
	testtool.Require(t, "go", "https://go.dev/doc/install")
	addr := nettest.HangingServer(t)
	moduleProxy(t)
	t.Setenv("GOPROXY", "http://"+addr)
	t.Setenv("GOMODCACHE", filepath.Join(t.TempDir(), "modcache"))
	src := testModule + "@v1.0.0"
	got, heard := stallTest(t, src)
	wantErr(t, got, "template module "+src+": go mod download: no progress for 1s, gave up (GOMICRO_FETCH_TIMEOUT raises the bound)")
	if want := []string{"fetching module " + src + " (gives up after 1s without progress)"}; !slices.Equal(heard, want) {
		t.Errorf("progress heard %q, want %q", heard, want)
	}
}

// TestFetchTimeoutEnv: a bound that is not a duration is one line naming
// the variable and its value.
func TestFetchTimeoutEnv(t *testing.T) {
	t.Setenv(FetchTimeoutEnv, "soon")
	for _, src := range []string{"https://example.com/t.git", testModule} {
		got := openErr(t, src)
		wantErr(t, got, "GOMICRO_FETCH_TIMEOUT=soon: not a positive Go duration (such as 90s or 5m)")
	}
	// Sources that fetch nothing do not read it.
	spec, err := Parse("embedded:service")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), spec); err != nil {
		t.Errorf("embedded template with a bad %s: %v", FetchTimeoutEnv, err)
	}
}
