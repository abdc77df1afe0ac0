// Package registrytest runs a real OCI registry for tests: Debian's
// docker-registry (the CNCF Distribution registry) on 127.0.0.1, plain HTTP,
// storing in a temporary directory, for as long as the test runs. Clients
// that follow go-containerregistry's rules (ko, crane, GoReleaser) talk plain
// HTTP to a 127.0.0.1 registry on their own.
//
// PushBase pushes a small base image there, as a multi-platform index whose
// only layer is an /etc/passwd naming the non-root user 65532, so that a
// test builds on it instead of pulling a base image from the internet.
package registrytest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// Binary is the registry's program, as Debian's docker-registry installs it.
const (
	Binary  = "docker-registry"
	Install = "apt-get install -y docker-registry"
)

// Registry is a running registry.
type Registry struct {
	// Host is its address, 127.0.0.1:PORT: a repository is Host + "/name".
	Host string
	log  *syncBuffer
}

// Start starts a registry for t and stops it, and removes its storage, when
// t ends. It skips t (fails it under GOMICRO_REQUIRE_TOOLS) when
// docker-registry is not installed. It waits for the registry to answer
// until the test's deadline, never for a fixed time.
func Start(t testing.TB) *Registry {
	t.Helper()
	bin := testtool.Require(t, Binary, Install)
	dir := t.TempDir()
	// A free port, found by listening on it: the registry then listens on
	// it. Another process may take it in between; then the registry exits
	// at once and another port is tried.
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		r, err := start(t, bin, dir, port)
		if err == nil {
			return r
		}
		lastErr = err
	}
	t.Fatalf("docker-registry did not start: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func start(t testing.TB, bin, dir string, port int) (*Registry, error) {
	t.Helper()
	host := "127.0.0.1:" + strconv.Itoa(port)
	storage := filepath.Join(dir, "storage-"+strconv.Itoa(port))
	config := filepath.Join(dir, "config-"+strconv.Itoa(port)+".yml")
	conf := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, storage, host)
	if err := os.WriteFile(config, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	cmd := exec.Command(bin, "serve", config)
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s serve: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	client := &http.Client{Timeout: time.Second} // one poll, not the wait
	for {
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited: %s", host, log)
		default:
		}
		if resp, err := client.Get("http://" + host + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if !testtool.Before(t, time.Now()) {
			stop()
			t.Fatalf("docker-registry on %s did not answer by the test's deadline:\n%s", host, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("docker-registry on %s:\n%s", host, log)
		}
	})
	t.Logf("docker-registry serving on %s", host)
	return &Registry{Host: host, log: log}, nil
}

// PasswdUID is the user PushBase's images run as, named nonroot in their
// /etc/passwd (as in distroless and Chainguard images).
const PasswdUID = 65532

// PushBase pushes to repo (Host + "/name:tag") a base image for platforms:
// an index of one image per platform, each holding only /etc/passwd with
// root and nonroot (uid PasswdUID), its config's User PasswdUID.
func PushBase(ctx context.Context, repo string, platforms []v1.Platform) error {
	ref, err := name.ParseReference(repo)
	if err != nil {
		return err
	}
	layer, err := passwdLayer()
	if err != nil {
		return err
	}
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
		if err != nil {
			return err
		}
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		cf, err := img.ConfigFile()
		if err != nil {
			return err
		}
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
		cf.Config.User = strconv.Itoa(PasswdUID)
		cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			return err
		}
		p := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	return remote.WriteIndex(ref, idx, remote.WithContext(ctx))
}

// passwdLayer is a layer holding /etc/passwd and /etc/group.
func passwdLayer() (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct{ name, body string }{
		{"etc/passwd", fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", PasswdUID, PasswdUID)},
		{"etc/group", fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", PasswdUID)},
	}
	if err := tw.WriteHeader(&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.body))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// syncBuffer is the registry's output, written by its process and read by
// the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
