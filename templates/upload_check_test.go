package templates_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/s3test"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

// uploadSkipped is what scripts/upload.sh --if-configured prints, and all
// it does, without credentials.
const uploadSkipped = "upload skipped: no S3 credentials (set S3_KEY and S3_SECRET, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)\n"

// checkUpload uploads the build's output with the project's own
// scripts/upload.sh, as its CI does on a push with AWS session credentials
// (an OIDC role, say), to an in-process S3 server that requires the session
// token, signed, and accepts only the region given in AWS_REGION. What must
// land at s3://BUCKET/BIN/SHA6/FILE (BUCKET the project's s3_bucket answer),
// byte-identical and with its Content-Type, is every BIN_SHA6_*.tar.gz and
// BIN_SHA6_*.zip in dir/dist and BIN_SHA6_checksums.txt when the build wrote
// one, which must then list every archive with its sha256; nothing else:
// not the archives and checksums of an earlier build (another version),
// which are put beside them first, as two local builds leave them. Then, without
// credentials, scripts/upload.sh --if-configured must exit 0 printing only
// its notice, and send nothing.
//
// dir is a git repository at the commit whose short SHA is sha6 (the
// script's version); env is the project's environment: any S3_* and AWS_*
// variables in it are dropped.
func checkUpload(ctx context.Context, t *testing.T, dir string, env []string, binName, sha6 string) {
	testtool.Require(t, "curl", "apt-get install -y curl")
	testtool.Require(t, "openssl", "apt-get install -y openssl")

	dist := filepath.Join(dir, "dist")
	var want []string
	for _, pattern := range []string{"*.tar.gz", "*.zip"} {
		m, err := filepath.Glob(filepath.Join(dist, binName+"_"+sha6+"_"+pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			want = append(want, filepath.Base(p))
		}
	}
	if len(want) == 0 {
		t.Fatalf("the build left no archives of %s in %s (see the build subtest)", sha6, dist)
	}
	archives := slices.Clone(want)
	sums := binName + "_" + sha6 + "_checksums.txt"
	earlier := []string{configcheck.ChecksumsName(binName, "e4r1e2")}
	if _, err := os.Stat(filepath.Join(dist, sums)); err == nil {
		want = append(want, sums)
	}
	slices.Sort(want)
	// An earlier build's archives and checksums, left in dist.
	for _, name := range archives {
		earlier = append(earlier, strings.Replace(name, "_"+sha6+"_", "_e4r1e2_", 1))
	}
	for _, name := range earlier {
		if err := os.WriteFile(filepath.Join(dist, name), []byte("an earlier build's\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, name := range earlier {
			os.Remove(filepath.Join(dist, name))
		}
	}()

	data, err := os.ReadFile(filepath.Join(dir, generator.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := generator.ReadManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	bucket, _ := manifest.Answers["s3_bucket"].(string)
	if bucket == "" {
		t.Fatalf("%s has no s3_bucket answer", generator.ManifestFile)
	}

	const region = "eu-west-1" // not the answer's: AWS_REGION must win
	srv := s3test.Start(t, s3test.Options{
		Region:       region,
		SessionToken: "IQoJb3JpZ2luX2VjE//" + rand.Text() + "==",
		Buckets:      []string{bucket},
	})
	// env (gentest.ProjectEnv) holds no S3_* or AWS_* of this machine's.
	base := append(slices.Clip(env), "AWS_REGION="+region, "AWS_ENDPOINT_URL_S3="+srv.URL())
	creds := append(slices.Clip(base),
		"AWS_ACCESS_KEY_ID="+srv.AccessKey(),
		"AWS_SECRET_ACCESS_KEY="+srv.SecretKey(),
		"AWS_SESSION_TOKEN="+srv.SessionToken())

	out := run(ctx, t, dir, creds, "bash", "scripts/upload.sh")
	prefix := binName + "/" + sha6 + "/"
	var keys []string
	for _, name := range want {
		key := prefix + name
		keys = append(keys, key)
		if !strings.Contains(out, "uploaded s3://"+bucket+"/"+key+"\n") {
			t.Errorf("scripts/upload.sh did not report s3://%s/%s; stdout:\n%s", bucket, key, out)
		}
		local, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		stored, err := srv.Object(bucket, key)
		if err != nil {
			t.Errorf("s3://%s/%s: %v", bucket, key, err)
			continue
		}
		if !bytes.Equal(stored, local) {
			t.Errorf("s3://%s/%s: %d bytes stored differ from the %d in dist", bucket, key, len(stored), len(local))
		}
		if got, wantType := srv.ContentType(bucket, key), configcheck.UploadContentType(name); got != wantType {
			t.Errorf("s3://%s/%s: Content-Type %q, want %q", bucket, key, got, wantType)
		}
	}
	if got := srv.Keys(bucket); !slices.Equal(got, keys) {
		t.Errorf("the bucket holds\n%s\nwant exactly\n%s", strings.Join(got, "\n"), strings.Join(keys, "\n"))
	}
	for _, r := range srv.Requests() {
		if !r.Token || !slices.Contains(strings.Split(r.SignedHeaders, ";"), "x-amz-security-token") || r.Status != 200 {
			t.Errorf("request %+v: want the session token sent and signed, answered 200", r)
		}
	}
	if slices.Contains(want, sums) {
		checkChecksums(t, dist, sums, archives)
	}

	// No credentials: a notice and success, and no request.
	before := len(srv.Requests())
	if out := run(ctx, t, dir, base, "bash", "scripts/upload.sh", "--if-configured"); out != uploadSkipped {
		t.Errorf("scripts/upload.sh --if-configured without credentials printed %q, want %q", out, uploadSkipped)
	}
	if n := len(srv.Requests()); n != before {
		t.Errorf("scripts/upload.sh --if-configured without credentials sent %d requests", n-before)
	}
}

// checkChecksums checks dist/sums in GoReleaser's format, "<sha256>  <file>"
// a line, lists exactly the archives, each with its digest.
func checkChecksums(t *testing.T, dist, sums string, archives []string) {
	listed := configcheck.VerifyChecksums(t, dist, sums)
	if want := slices.Sorted(slices.Values(archives)); !slices.Equal(listed, want) {
		t.Errorf("%s lists\n%s\nwant the archives\n%s", sums, strings.Join(listed, "\n"), strings.Join(want, "\n"))
	}
}

// TestCheckUpload tries checkUpload on one generated project with fake
// archives (no build: it takes a second), with and without a checksums file.
func TestCheckUpload(t *testing.T) {
	testtool.Require(t, "git", "apt-get install -y git")
	testtool.Require(t, "bash", "apt-get install -y bash")
	for _, withSums := range []bool{false, true} {
		t.Run(fmt.Sprintf("checksums=%v", withSums), func(t *testing.T) {
			ctx := testtool.Context(t)
			const bin = "hauler"
			dir := gentest.Generate(t, "service", map[string]string{
				"name": bin, "github_username": "acme", "s3_bucket": "acme.builds",
			}, bin)
			// Credentials of the machine's own must not reach the script:
			// ProjectEnv leaves them out.
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIDREAL")
			t.Setenv("S3_SECRET", "real")
			env := gentest.ProjectEnv()
			git := []string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}
			run(ctx, t, dir, env, "git", "init", "-q")
			run(ctx, t, dir, env, "git", "add", "-A") // a clean tree: else the version is SHA6-dirty
			run(ctx, t, dir, env, "git", append(git, "commit", "-q", "-m", "first")...)
			sha6 := strings.TrimSpace(run(ctx, t, dir, env, "git", "rev-parse", "HEAD"))[:6]

			dist := filepath.Join(dir, "dist")
			if err := os.MkdirAll(filepath.Join(dist, "hauler_linux_amd64_v1"), 0o755); err != nil {
				t.Fatal(err)
			}
			var sums strings.Builder
			for _, name := range []string{
				bin + "_" + sha6 + "_linux_amd64.tar.gz",
				bin + "_" + sha6 + "_windows_amd64.zip",
				"metadata.json", // GoReleaser's: stays
			} {
				content := []byte(rand.Text())
				if err := os.WriteFile(filepath.Join(dist, name), content, 0o644); err != nil {
					t.Fatal(err)
				}
				if name != "metadata.json" {
					digest := sha256.Sum256(content)
					fmt.Fprintf(&sums, "%x  %s\n", digest, name)
				}
			}
			if withSums {
				if err := os.WriteFile(filepath.Join(dist, bin+"_"+sha6+"_checksums.txt"), []byte(sums.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			checkUpload(ctx, t, dir, env, bin, sha6)
		})
	}
}
