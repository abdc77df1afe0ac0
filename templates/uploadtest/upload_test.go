package uploadtest_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gomicro/gomicro/internal/testkit/configcheck"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
	"github.com/gomicro/gomicro/internal/testkit/s3test"
	"github.com/gomicro/gomicro/internal/testkit/testtool"
)

const (
	service = "oddjob"
	bucket  = "team-artifacts"
	version = "abc123"
)

// Every test here runs in parallel with the others: each has its own
// server, project and temporary directories.

// requireTools finds what upload.sh needs.
func requireTools(t *testing.T) {
	t.Helper()
	testtool.Require(t, "bash", "apt-get install -y bash")
	testtool.Require(t, "curl", "apt-get install -y curl")
	testtool.Require(t, "openssl", "apt-get install -y openssl")
	testtool.Require(t, "od", "apt-get install -y coreutils")
}

// generate writes the default service, named service, uploading to bucket.
func generate(t *testing.T) string {
	return gentest.Generate(t, "service", map[string]string{"name": service, "github_username": "team", "s3_bucket": bucket}, service)
}

// uploadScript is the script under test in the project dir.
func uploadScript(dir string) string { return filepath.Join(dir, "scripts", "upload.sh") }

// project finds what upload.sh needs and generates the service to run it in.
func project(t *testing.T) string {
	t.Helper()
	requireTools(t)
	return generate(t)
}

// makeArchives writes fake archives of random bytes (one over 1 MiB, one
// empty, one .zip) into dir/sub, plus a file that is not an archive, and
// returns the archives' contents by file name.
func makeArchives(t *testing.T, dir, sub string) map[string][]byte {
	t.Helper()
	return makeArchivesOf(t, dir, sub, version)
}

// makeArchivesOf is makeArchives for the version ver.
func makeArchivesOf(t *testing.T, dir, sub, ver string) map[string][]byte {
	t.Helper()
	out := filepath.Join(dir, sub)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{
		// The big one sorts first, so a refused upload is refused on it.
		service + "_" + ver + "_darwin_amd64.tar.gz": 1<<20 + 12345,
		service + "_" + ver + "_linux_amd64.tar.gz":  70000,
		service + "_" + ver + "_linux_386.tar.gz":    0,
		service + "_" + ver + "_windows_amd64.zip":   3000,
	}
	archives := map[string][]byte{}
	for name, size := range sizes {
		data := make([]byte, size)
		_, _ = rand.Read(data)
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		archives[name] = data
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("not an archive\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return archives
}

// writeChecksums writes dir/sub/SERVICE_VER_checksums.txt as GoReleaser
// does (sha256, "<hex>  <file>" lines) for files, and returns its name and
// contents.
func writeChecksums(t *testing.T, dir, sub, ver string, files map[string][]byte) (string, []byte) {
	t.Helper()
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256(files[name]), name)
	}
	name := service + "_" + ver + "_checksums.txt"
	if err := os.WriteFile(filepath.Join(dir, sub, name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return name, []byte(b.String())
}

type result struct {
	stdout, stderr string
	err            error
}

func (r result) String() string {
	return fmt.Sprintf("err: %v\n--- stdout:\n%s--- stderr:\n%s", r.err, r.stdout, r.stderr)
}

// upload runs dir/scripts/upload.sh as CI would, with only PATH, HOME and env
// in its environment.
func upload(t *testing.T, dir string, env ...string) result {
	t.Helper()
	return runScript(t, dir, []string{uploadScript(dir)}, env...)
}

func runScript(t *testing.T, dir string, args []string, env ...string) result {
	t.Helper()
	ctx := testtool.Context(t)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = t.TempDir() // the script must find its repository on its own
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v still running at the test's deadline\n%s", args, result{stdout.String(), stderr.String(), err})
	}
	return result{stdout.String(), stderr.String(), err}
}

func serverEnv(srv *s3test.Server) []string {
	return []string{
		"S3_KEY=" + srv.AccessKey(),
		"S3_SECRET=" + srv.SecretKey(),
		"S3_ENDPOINT=" + srv.URL(),
		"VERSION=" + version,
	}
}

// awsEnv is serverEnv with the AWS names: session credentials when the
// server has a token, the region and the S3 endpoint.
func awsEnv(srv *s3test.Server) []string {
	env := []string{
		"AWS_ACCESS_KEY_ID=" + srv.AccessKey(),
		"AWS_SECRET_ACCESS_KEY=" + srv.SecretKey(),
		"AWS_REGION=" + srv.Region(),
		"AWS_ENDPOINT_URL_S3=" + srv.URL(),
		"VERSION=" + version,
	}
	if tok := srv.SessionToken(); tok != "" {
		env = append(env, "AWS_SESSION_TOKEN="+tok)
	}
	return env
}

// testToken is a session token shaped like STS's (base64, with / + =).
var testToken = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJGMEQCIB+" + rand.Text() + "=="

// checkStored checks that each of files (name -> content) is in the bucket
// under service/version/, byte for byte, with its Content-Type, and returns
// their keys.
func checkStored(t *testing.T, srv *s3test.Server, files map[string][]byte) []string {
	t.Helper()
	var keys []string
	for name, data := range files {
		key := service + "/" + version + "/" + name
		keys = append(keys, key)
		got, err := srv.Object(bucket, key)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s: stored %d bytes differ from the %d bytes uploaded", key, len(got), len(data))
		}
		if ct := srv.ContentType(bucket, key); ct != configcheck.UploadContentType(name) {
			t.Errorf("%s: Content-Type %q, want %q", key, ct, configcheck.UploadContentType(name))
		}
	}
	return keys
}

// The happy path: every archive of VERSION, and the checksums file last,
// lands under NAME/VERSION/ with its Content-Type, and no other version's and reads back byte-identical;
// path-style addressing with the port in the signed host; the secret never
// reaches stdout, stderr or any command line.
func TestUploadAll(t *testing.T) {
	t.Parallel()
	dir := project(t)
	archives := makeArchives(t, dir, "dist")
	sumsName, sums := writeChecksums(t, dir, "dist", version, archives)
	// An earlier build's archives and checksums (another version) stay.
	writeChecksums(t, dir, "dist", "zzz999", archives)
	archiveOf(t, filepath.Join(dir, "dist"), "zzz999")
	archiveOf(t, filepath.Join(dir, "dist"), version+"-dirty")
	archives[sumsName] = sums
	srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}}) // region: the answer's default, us-east-1

	// Shims record every curl and openssl command line.
	argvLog := filepath.Join(t.TempDir(), "argv.log")
	shims := t.TempDir()
	for _, tool := range []string{"curl", "openssl", "od"} {
		real, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		shim := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"%s $*\" >>'%s'\nexec '%s' \"$@\"\n", tool, argvLog, real)
		testtool.WriteExecutable(t, filepath.Join(shims, tool), []byte(shim))
	}
	env := append(serverEnv(srv), "PATH="+shims+string(os.PathListSeparator)+os.Getenv("PATH"))
	res := upload(t, dir, env...)
	if res.err != nil {
		t.Fatalf("upload.sh failed\n%s", res)
	}

	want := checkStored(t, srv, archives)
	for _, key := range want {
		if line := "uploaded s3://" + bucket + "/" + key + "\n"; !strings.Contains(res.stdout, line) {
			t.Errorf("stdout lacks %q\n%s", line, res)
		}
	}
	sort.Strings(want)
	if got := srv.Keys(bucket); !slices.Equal(got, want) {
		t.Errorf("bucket holds %q, want %q", got, want)
	}

	host := strings.TrimPrefix(srv.URL(), "http://")
	reqs := srv.Requests()
	if len(reqs) != len(archives) {
		t.Errorf("%d requests, want %d: %+v", len(reqs), len(archives), reqs)
	}
	for _, r := range reqs {
		if r.Method != http.MethodPut || r.Host != host || !strings.HasPrefix(r.Path, "/"+bucket+"/"+service+"/"+version+"/") ||
			r.SignedHeaders != "content-type;host;x-amz-content-sha256;x-amz-date" || r.Token ||
			!strings.Contains(r.Credential, "/us-east-1/s3/aws4_request") || r.Status != http.StatusOK {
			t.Errorf("request %+v: want a path-style PUT to host %s signing content-type;host;x-amz-content-sha256;x-amz-date in us-east-1, no token, answered 200", r, host)
		}
	}
	if len(reqs) > 0 && !strings.HasSuffix(reqs[len(reqs)-1].Path, "/"+sumsName) {
		t.Errorf("the last upload is %s, want the checksums file %s", reqs[len(reqs)-1].Path, sumsName)
	}

	argv, err := os.ReadFile(argvLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(argv), "curl ") || !strings.Contains(string(argv), "openssl ") {
		t.Fatalf("shims recorded no curl or openssl run:\n%s", argv)
	}
	assertNoSecret(t, srv.SecretKey(), res.stdout, res.stderr, string(argv))
}

// assertNoSecret fails if secret, or "AWS4"+secret in hex as openssl's
// hexkey: would take it, appears in any of outputs.
func assertNoSecret(t *testing.T, secret string, outputs ...string) {
	t.Helper()
	forms := []string{secret, hex.EncodeToString([]byte("AWS4" + secret)), hex.EncodeToString([]byte(secret))}
	for _, out := range outputs {
		for _, f := range forms {
			if strings.Contains(strings.ToLower(out), strings.ToLower(f)) {
				t.Errorf("the secret (as %q) appears in output:\n%s", f, out)
			}
		}
	}
}

// Without VERSION the version is the first 6 characters of HEAD; the bucket
// and the artifacts directory can be overridden (the CircleCI variant still
// honours CIRCLE_ARTIFACTS, which pipelines of earlier releases set).
func TestUploadVersionFromGit(t *testing.T) {
	t.Parallel()
	dir := project(t)
	git := testtool.Require(t, "git", "apt-get install -y git")
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "-A"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first"},
	} {
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	cmd := exec.Command(git, "rev-parse", "HEAD")
	cmd.Dir = dir
	head, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	rev := string(head[:6])
	// Outside the work tree, which stays clean: else the version is REV-dirty.
	out := t.TempDir()
	archives := makeArchivesOf(t, out, "", rev)
	makeArchives(t, out, "") // VERSION's, not HEAD's: they stay
	writeChecksums(t, out, "", version, archives)

	srv := s3test.Start(t, s3test.Options{Region: "eu-central-1", Buckets: []string{"other-bucket"}})
	res := upload(t, dir,
		"S3_KEY="+srv.AccessKey(), "S3_SECRET="+srv.SecretKey(), "S3_ENDPOINT="+srv.URL()+"/",
		"S3_REGION=eu-central-1", "S3_BUCKET=other-bucket", "CIRCLE_ARTIFACTS="+out)
	if res.err != nil {
		t.Fatalf("upload.sh failed\n%s", res)
	}
	var want []string
	for name := range archives {
		want = append(want, service+"/"+rev+"/"+name)
	}
	sort.Strings(want)
	if got := srv.Keys("other-bucket"); !slices.Equal(got, want) {
		t.Errorf("bucket holds %q, want %q\n%s", got, want, res)
	}
}

// oneArchive writes one small archive of version into a new directory,
// for ARTIFACTS_DIR, and returns the directory and the archive's name.
func oneArchive(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	return dir, archiveOf(t, dir, version)
}

// archiveOf writes one small archive of version ver into dir and returns
// its name.
func archiveOf(t *testing.T, dir, ver string) string {
	t.Helper()
	name := service + "_" + ver + "_linux_amd64.tar.gz"
	if err := os.WriteFile(filepath.Join(dir, name), []byte("not really gzip\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// Session credentials with the AWS names, as OIDC or an assumed role give
// them: the token goes in every request, signed, and everything lands.
func TestUploadSessionToken(t *testing.T) {
	t.Parallel()
	dir := project(t)
	files := makeArchives(t, dir, "dist")
	sumsName, sums := writeChecksums(t, dir, "dist", version, files)
	files[sumsName] = sums
	srv := s3test.Start(t, s3test.Options{Region: "eu-west-1", SessionToken: testToken, Buckets: []string{bucket}})
	res := upload(t, dir, awsEnv(srv)...)
	if res.err != nil {
		t.Fatalf("upload.sh failed\n%s", res)
	}
	want := checkStored(t, srv, files)
	sort.Strings(want)
	if got := srv.Keys(bucket); !slices.Equal(got, want) {
		t.Errorf("bucket holds %q, want %q", got, want)
	}
	for _, r := range srv.Requests() {
		if !r.Token || r.SignedHeaders != "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token" {
			t.Errorf("request %+v: want the token sent and signed", r)
		}
	}
	assertNoSecret(t, srv.SecretKey(), res.stdout, res.stderr)
	assertNoSecret(t, testToken, res.stdout, res.stderr)
}

// Temporary credentials without their token are refused, and the script
// says so.
func TestUploadTokenMissing(t *testing.T) {
	t.Parallel()
	dir := project(t)
	makeArchives(t, dir, "dist")
	srv := s3test.Start(t, s3test.Options{SessionToken: testToken, Buckets: []string{bucket}})
	var env []string
	for _, kv := range awsEnv(srv) {
		if !strings.HasPrefix(kv, "AWS_SESSION_TOKEN=") {
			env = append(env, kv)
		}
	}
	failing(t, dir, srv.SecretKey(), http.StatusForbidden, "InvalidToken", env...)
	if keys := srv.Keys(bucket); len(keys) != 0 {
		t.Errorf("stored %q without the session token", keys)
	}
}

// S3_KEY and S3_SECRET win over the AWS names, token included: the server
// knows only the S3_* key, and refuses any token.
func TestUploadCredentialPrecedence(t *testing.T) {
	t.Parallel()
	dir := project(t)
	artifacts, name := oneArchive(t)
	srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
	res := upload(t, dir, append(serverEnv(srv), "ARTIFACTS_DIR="+artifacts,
		"AWS_ACCESS_KEY_ID=AKIDSOMEONEELSE", "AWS_SECRET_ACCESS_KEY=not-the-secret", "AWS_SESSION_TOKEN="+testToken)...)
	if res.err != nil {
		t.Fatalf("upload.sh failed\n%s", res)
	}
	if keys := srv.Keys(bucket); !slices.Equal(keys, []string{service + "/" + version + "/" + name}) {
		t.Errorf("bucket holds %q", keys)
	}
}

// The region: S3_REGION, else AWS_REGION, else AWS_DEFAULT_REGION (else the
// answer: TestUploadWrongRegion). The server accepts only eu-west-1.
func TestUploadRegionPrecedence(t *testing.T) {
	t.Parallel()
	dir := project(t)
	artifacts := t.TempDir()
	srv := s3test.Start(t, s3test.Options{Region: "eu-west-1", Buckets: []string{bucket}})
	for i, env := range [][]string{
		{"S3_REGION=eu-west-1", "AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=ap-south-1"},
		{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=ap-south-1"},
		{"AWS_DEFAULT_REGION=eu-west-1"},
	} {
		ver := fmt.Sprintf("v%d", i)
		name := archiveOf(t, artifacts, ver)
		res := upload(t, dir, append(serverEnv(srv), append(env, "VERSION="+ver, "ARTIFACTS_DIR="+artifacts)...)...)
		if res.err != nil {
			t.Errorf("%v: upload.sh failed\n%s", env, res)
			continue
		}
		if _, err := srv.Object(bucket, service+"/"+ver+"/"+name); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
}

// The endpoint: S3_ENDPOINT, else AWS_ENDPOINT_URL_S3, else
// AWS_ENDPOINT_URL. The decoy server knows another key: a request there
// would be refused, and it must get none.
func TestUploadEndpointPrecedence(t *testing.T) {
	t.Parallel()
	dir := project(t)
	artifacts := t.TempDir()
	srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
	decoy := s3test.Start(t, s3test.Options{AccessKey: "AKIDDECOY", Buckets: []string{bucket}})
	for i, env := range [][]string{
		{"S3_ENDPOINT=" + srv.URL(), "AWS_ENDPOINT_URL_S3=" + decoy.URL(), "AWS_ENDPOINT_URL=" + decoy.URL()},
		{"AWS_ENDPOINT_URL_S3=" + srv.URL(), "AWS_ENDPOINT_URL=" + decoy.URL()},
		{"AWS_ENDPOINT_URL=" + srv.URL()},
	} {
		ver := fmt.Sprintf("v%d", i)
		name := archiveOf(t, artifacts, ver)
		res := upload(t, dir, append([]string{"S3_KEY=" + srv.AccessKey(), "S3_SECRET=" + srv.SecretKey(),
			"VERSION=" + ver, "ARTIFACTS_DIR=" + artifacts}, env...)...)
		if res.err != nil {
			t.Errorf("%v: upload.sh failed\n%s", env, res)
			continue
		}
		if _, err := srv.Object(bucket, service+"/"+ver+"/"+name); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
	if reqs := decoy.Requests(); len(reqs) != 0 {
		t.Errorf("the decoy endpoint got requests: %+v", reqs)
	}
}

// --if-configured: no credentials at all is a notice and success, before
// anything else is looked at (here there is no dist at all); with
// credentials it uploads. Any other argument is a usage error.
func TestUploadIfConfigured(t *testing.T) {
	t.Parallel()
	dir := project(t)
	script := uploadScript(dir)
	srv := s3test.Start(t, s3test.Options{SessionToken: testToken, Buckets: []string{bucket}})

	const notice = "upload skipped: no S3 credentials (set S3_KEY and S3_SECRET, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)\n"
	res := runScript(t, dir, []string{script, "--if-configured"}, "AWS_REGION=eu-west-1", "S3_ENDPOINT="+srv.URL(), "S3_KEY=", "AWS_SESSION_TOKEN=")
	if res.err != nil || res.stdout != notice || res.stderr != "" {
		t.Errorf("want exit 0 and only the notice %q on stdout\n%s", notice, res)
	}

	artifacts, name := oneArchive(t)
	res = runScript(t, dir, []string{script, "--if-configured"}, append(awsEnv(srv), "ARTIFACTS_DIR="+artifacts)...)
	if res.err != nil || !strings.Contains(res.stdout, "uploaded s3://"+bucket+"/"+service+"/"+version+"/"+name+"\n") {
		t.Errorf("with credentials: want the upload\n%s", res)
	}

	for _, args := range [][]string{{"--if-configure"}, {"--if-configured", "extra"}, {"-x"}} {
		res := runScript(t, dir, append([]string{script}, args...))
		var exit *exec.ExitError
		if !errors.As(res.err, &exit) || exit.ExitCode() != 2 || !strings.Contains(res.stderr, "usage: scripts/upload.sh [--if-configured]") {
			t.Errorf("%q: want exit status 2 and the usage\n%s", args, res)
		}
	}
	if reqs := srv.Requests(); len(reqs) != 1 {
		t.Errorf("want the one upload, got %+v", reqs)
	}
}

// bash -x traces the script but never prints the secret or the session
// token, whichever names they come in, on success or on a credentials error;
// tracing comes back on after each stretch that holds them.
func TestUploadTraceHidesSecrets(t *testing.T) {
	t.Parallel()
	dir := project(t)
	script := uploadScript(dir)
	artifacts, name := oneArchive(t)
	srv := s3test.Start(t, s3test.Options{SessionToken: testToken, Buckets: []string{bucket}})
	plain := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
	uploaded := "printf 'uploaded s3://%s/%s\\n' " + bucket + " " + service + "/" + version + "/" + name
	for _, tc := range []struct {
		name string
		env  []string
		ok   bool
	}{
		{"AWS session", awsEnv(srv), true},
		{"S3 keys", serverEnv(plain), true},
		{"AWS secret and token, no key", []string{"AWS_SECRET_ACCESS_KEY=" + srv.SecretKey(), "AWS_SESSION_TOKEN=" + testToken}, false},
		{"S3 secret, no key", []string{"S3_SECRET=" + srv.SecretKey()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runScript(t, dir, []string{"bash", "-x", script}, append(tc.env, "ARTIFACTS_DIR="+artifacts)...)
			if (res.err == nil) != tc.ok {
				t.Fatalf("want success %v\n%s", tc.ok, res)
			}
			if !strings.Contains(res.stderr, "+ trace_off\n") {
				t.Errorf("no trace on stderr\n%s", res)
			}
			if tc.ok && !strings.Contains(res.stderr, uploaded) {
				t.Errorf("tracing did not come back on after the request: no %q\n%s", uploaded, res)
			}
			assertNoSecret(t, srv.SecretKey(), res.stdout, res.stderr)
			assertNoSecret(t, testToken, res.stdout, res.stderr)
		})
	}
}

// 503 SlowDown, then success: curl tries again (after a second, in
// parallel with the other tests) and the upload goes through, quietly.
func TestUploadRetries(t *testing.T) {
	t.Parallel()
	dir := project(t)
	artifacts, name := oneArchive(t)
	// One 503, so one retry: curl waits a second before it (and doubles the
	// wait for each further one), time this test spends asleep.
	srv := s3test.Start(t, s3test.Options{Unavailable: 1, Buckets: []string{bucket}})
	res := upload(t, dir, append(serverEnv(srv), "ARTIFACTS_DIR="+artifacts)...)
	key := service + "/" + version + "/" + name
	if res.err != nil || res.stdout != "uploaded s3://"+bucket+"/"+key+"\n" {
		t.Fatalf("want the upload to go through after a 503\n%s", res)
	}
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{503, 200}) {
		t.Errorf("statuses %v, want [503 200]", statuses)
	}

	// S3_RETRIES bounds them: with none, the first 503 is the answer.
	srv = s3test.Start(t, s3test.Options{Unavailable: 1, Buckets: []string{bucket}})
	res = upload(t, dir, append(serverEnv(srv), "ARTIFACTS_DIR="+artifacts, "S3_RETRIES=0")...)
	if res.err == nil || !strings.Contains(res.stderr, ": HTTP 503") || len(srv.Requests()) != 1 {
		t.Errorf("S3_RETRIES=0 against a 503: want a failure after 1 request, got %d\n%s", len(srv.Requests()), res)
	}
	res = upload(t, dir, append(serverEnv(srv), "ARTIFACTS_DIR="+artifacts, "S3_RETRIES=many")...)
	if res.err == nil || res.stderr != "upload.sh: S3_RETRIES=many is not a number of retries\n" {
		t.Errorf("S3_RETRIES=many: want one line naming it\n%s", res)
	}
}

// failing runs upload.sh expecting failure, and checks the common promises:
// non-zero exit, the HTTP status and S3's error code on stderr, no secret.
func failing(t *testing.T, dir, secret string, wantStatus int, wantCode string, env ...string) result {
	t.Helper()
	res := upload(t, dir, env...)
	t.Logf("upload.sh output:\n%s", res)
	var exit *exec.ExitError
	if !errors.As(res.err, &exit) {
		t.Fatalf("upload.sh: want a non-zero exit, got %v\n%s", res.err, res)
	}
	status := fmt.Sprintf(": HTTP %d\n", wantStatus)
	if !strings.Contains(res.stderr, "upload.sh: PUT http://") || !strings.Contains(res.stderr, status) {
		t.Errorf("stderr lacks %q\n%s", "upload.sh: PUT <url>"+status, res)
	}
	if !strings.Contains(res.stderr, "<Code>"+wantCode+"</Code>") {
		t.Errorf("stderr lacks S3's error body with code %s\n%s", wantCode, res)
	}
	assertNoSecret(t, secret, res.stdout, res.stderr)
	return res
}

func TestUploadWrongSecret(t *testing.T) {
	t.Parallel()
	dir := project(t)
	makeArchives(t, dir, "dist")
	srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
	wrong := "Wr0ng/" + rand.Text()
	env := append(serverEnv(srv), "S3_SECRET="+wrong) // the later value wins
	failing(t, dir, wrong, http.StatusForbidden, "SignatureDoesNotMatch", env...)
	if keys := srv.Keys(bucket); len(keys) != 0 {
		t.Errorf("stored %q with a wrong secret", keys)
	}
}

func TestUploadWrongRegion(t *testing.T) {
	t.Parallel()
	dir := project(t)
	makeArchives(t, dir, "dist")
	srv := s3test.Start(t, s3test.Options{Region: "eu-west-1", Buckets: []string{bucket}})
	// S3_REGION unset: the script signs for the answer's default, us-east-1.
	res := failing(t, dir, srv.SecretKey(), http.StatusBadRequest, "AuthorizationHeaderMalformed", serverEnv(srv)...)
	if !strings.Contains(res.stderr, "us-east-1") {
		t.Errorf("stderr does not name the wrong region\n%s", res)
	}
	if keys := srv.Keys(bucket); len(keys) != 0 {
		t.Errorf("stored %q signed for the wrong region", keys)
	}
}

func TestUploadMissingBucket(t *testing.T) {
	t.Parallel()
	dir := project(t)
	makeArchives(t, dir, "dist")
	srv := s3test.Start(t, s3test.Options{Buckets: []string{"some-other-bucket"}})
	failing(t, dir, srv.SecretKey(), http.StatusNotFound, "NoSuchBucket", serverEnv(srv)...)
}

func TestUploadMissingCredentials(t *testing.T) {
	t.Parallel()
	dir := project(t)
	makeArchives(t, dir, "dist")
	srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
	for _, tc := range []struct {
		name    string
		env     []string
		missing []string // one stderr line each
	}{
		{"no key", []string{"S3_SECRET=" + srv.SecretKey()}, []string{"S3_KEY"}},
		{"no secret", []string{"S3_KEY=" + srv.AccessKey()}, []string{"S3_SECRET"}},
		{"empty secret", []string{"S3_KEY=" + srv.AccessKey(), "S3_SECRET="}, []string{"S3_SECRET"}},
		{"no AWS key", []string{"AWS_SECRET_ACCESS_KEY=" + srv.SecretKey()}, []string{"AWS_ACCESS_KEY_ID"}},
		{"no AWS secret", []string{"AWS_ACCESS_KEY_ID=" + srv.AccessKey(), "AWS_SESSION_TOKEN=t"}, []string{"AWS_SECRET_ACCESS_KEY"}},
		{"token alone", []string{"AWS_SESSION_TOKEN=t"}, []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}},
		// Half of S3_* is an error even beside whole AWS_* credentials.
		{"S3 half, AWS whole", []string{"S3_KEY=" + srv.AccessKey(), "AWS_ACCESS_KEY_ID=" + srv.AccessKey(),
			"AWS_SECRET_ACCESS_KEY=" + srv.SecretKey()}, []string{"S3_SECRET"}},
	} {
		for _, flag := range []string{"", "--if-configured"} {
			t.Run(strings.TrimSpace(tc.name+" "+flag), func(t *testing.T) {
				env := append([]string{"S3_ENDPOINT=" + srv.URL(), "VERSION=" + version}, tc.env...)
				args := []string{uploadScript(dir)}
				if flag != "" {
					args = append(args, flag)
				}
				res := runScript(t, dir, args, env...)
				var exit *exec.ExitError
				if !errors.As(res.err, &exit) || exit.ExitCode() != 1 {
					t.Fatalf("want exit status 1\n%s", res)
				}
				lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
				if len(lines) != len(tc.missing) {
					t.Errorf("want one stderr line per missing variable %v\n%s", tc.missing, res)
				}
				for _, name := range tc.missing {
					if !strings.Contains(res.stderr, name+" is not set") {
						t.Errorf("stderr does not say %s is not set\n%s", name, res)
					}
				}
				assertNoSecret(t, srv.SecretKey(), res.stdout, res.stderr)
			})
		}
	}
	t.Run("neither", func(t *testing.T) {
		res := upload(t, dir, "S3_ENDPOINT="+srv.URL(), "VERSION="+version)
		const want = "upload.sh: no S3 credentials: set S3_KEY and S3_SECRET, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"
		if res.err == nil || res.stderr != want {
			t.Errorf("want a failure with stderr %q\n%s", want, res)
		}
	})
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("requests were made without credentials: %+v", reqs)
	}
}

func TestUploadNoArchives(t *testing.T) {
	t.Parallel()
	dir := project(t)
	if err := os.MkdirAll(filepath.Join(dir, "dist"), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
	archiveOf(t, filepath.Join(dir, "dist"), "zzz999") // an earlier build's: not this version's
	res := upload(t, dir, serverEnv(srv)...)
	if res.err == nil || !strings.Contains(res.stderr, "no archives of version "+version+" ("+service+"_"+version+"_*.tar.gz, *.zip) in ./dist") {
		t.Errorf("want a failure naming the empty artifacts directory\n%s", res)
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("requests were made without archives: %+v", reqs)
	}
}

// No server listening: a clear line, non-zero exit, nothing about the secret.
// curl tries 3 more times (about 7 s): in parallel with the other tests.
func TestUploadNoServer(t *testing.T) {
	t.Parallel()
	dir := project(t)
	makeArchives(t, dir, "dist")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	secret := rand.Text()
	// No retries: with the default three, curl waits 1+2+4 seconds first.
	res := upload(t, dir, "S3_KEY=AKIDX", "S3_SECRET="+secret, "S3_ENDPOINT="+endpoint, "VERSION="+version, "S3_RETRIES=0")
	if res.err == nil || !strings.Contains(res.stderr, "upload.sh: PUT "+endpoint+"/"+bucket+"/") ||
		!strings.Contains(res.stderr, ": no HTTP response (curl exit status 7)") {
		t.Errorf("want a non-zero exit and a line saying no HTTP response came\n%s", res)
	}
	assertNoSecret(t, secret, res.stdout, res.stderr)
}

// source runs a bash snippet after sourcing the generated upload.sh (which
// then defines its functions and runs nothing), with args as $1...
func source(t *testing.T, dir, snippet string, args ...string) string {
	t.Helper()
	script := "source " + shellQuote(uploadScript(dir)) + "\n" + snippet
	res := runScript(t, dir, append([]string{"bash", "-c", script, "bash"}, args...))
	if res.err != nil {
		t.Fatalf("bash failed\n%s\n%s", script, res)
	}
	return res.stdout
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fields parses "key value" lines.
func fields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, " ")
		m[k] = v
	}
	return m
}

func checkFields(t *testing.T, out string, want map[string]string) {
	t.Helper()
	got := fields(out)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
}

// The script's own signing functions reproduce AWS's GET and PUT examples,
// so a signing bug cannot hide behind a lenient server.
func TestSigV4KnownVectors(t *testing.T) {
	t.Parallel()
	dir := project(t)
	out := source(t, dir, `
secret=$1
# GET /test.txt with Range: bytes=0-9; headers unsorted, mixed case, loose spaces.
cr=$(sigv4_canonical_request GET /test.txt "" `+s3test.EmptySHA256+` \
	"X-Amz-Date:`+s3test.ExampleDate+`" "Host:`+s3test.ExampleHost+`" "x-amz-content-sha256:`+s3test.EmptySHA256+`" "Range:  bytes=0-9 ")
sts=$(sigv4_string_to_sign `+s3test.ExampleDate+` `+s3test.ExampleScope+` "$cr")
printf 'get-canonical-sha256 %s\n' "$(printf '%s' "$cr" | sha256_hex)"
printf 'get-signed %s\n' "$(sigv4_signed_headers "X-Amz-Date:1" "Host:2" "x-amz-content-sha256:3" "Range:4")"
printf 'get-signature %s\n' "$(sigv4_signature "$secret" 20130524 us-east-1 s3 "$sts")"
# PUT /test$file.text with x-amz-storage-class and Date signed.
ph=$(printf '%s' '`+s3test.ExamplePutBody+`' | sha256_hex)
printf 'put-payload %s\n' "$ph"
cr=$(sigv4_canonical_request PUT "/$(uri_encode 'test$file.text')" "" "$ph" \
	"date:Fri, 24 May 2013 00:00:00 GMT" "host:`+s3test.ExampleHost+`" "x-amz-content-sha256:$ph" \
	"x-amz-date:`+s3test.ExampleDate+`" "x-amz-storage-class:REDUCED_REDUNDANCY")
printf 'put-uri %s\n' "$(uri_encode 'test$file.text')"
sts=$(sigv4_string_to_sign `+s3test.ExampleDate+` `+s3test.ExampleScope+` "$cr")
printf 'put-signature %s\n' "$(sigv4_signature "$secret" 20130524 us-east-1 s3 "$sts")"
`, s3test.ExampleSecret)
	checkFields(t, out, map[string]string{
		"get-canonical-sha256": s3test.ExampleGetCanonicalSHA256,
		"get-signed":           "host;range;x-amz-content-sha256;x-amz-date",
		"get-signature":        s3test.ExampleGetSignature,
		"put-payload":          s3test.ExamplePutSHA256,
		"put-uri":              "test%24file.text",
		"put-signature":        s3test.ExamplePutSignature,
	})
	if t.Failed() {
		t.Log(out)
	}
}

// The script's HMAC (which keeps the key off openssl's command line) agrees
// with openssl's own HMAC and with Go's, for short keys and keys longer than
// the 64-byte block.
func TestHMACMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	dir := project(t)
	for _, n := range []int{1, 32, 44, 64, 65, 100} {
		key := make([]byte, n)
		_, _ = rand.Read(key)
		msg := "line one\nline two with 'quotes' and $dollars \\ and %s"
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(msg))
		want := hex.EncodeToString(mac.Sum(nil))
		out := source(t, dir, `
printf 'script %s\n' "$(hmac_sha256 "$1" "$2")"
o=$(printf '%s' "$2" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1")
printf 'openssl %s\n' "${o##* }"
`, hex.EncodeToString(key), msg)
		checkFields(t, out, map[string]string{"script": want, "openssl": want})
	}
}

// Without an endpoint: virtual-hosted style on s3.REGION.amazonaws.com, or
// path-style there for a bucket with dots (a virtual host's TLS certificate
// would not match it); with one: path-style, the port in the host, any path
// prefix kept.
func TestTargets(t *testing.T) {
	t.Parallel()
	dir := project(t)
	for _, tc := range []struct {
		bucket, endpoint, region, url, host, uri string
	}{
		{"team-artifacts", "", "us-east-1", "https://team-artifacts.s3.us-east-1.amazonaws.com/oddjob/abc123/a%20b.tar.gz",
			"team-artifacts.s3.us-east-1.amazonaws.com", "/oddjob/abc123/a%20b.tar.gz"},
		{"team-artifacts", "", "eu-central-1", "https://team-artifacts.s3.eu-central-1.amazonaws.com/oddjob/abc123/a%20b.tar.gz",
			"team-artifacts.s3.eu-central-1.amazonaws.com", "/oddjob/abc123/a%20b.tar.gz"},
		{"artifacts.example.com", "", "eu-west-1", "https://s3.eu-west-1.amazonaws.com/artifacts.example.com/oddjob/abc123/a%20b.tar.gz",
			"s3.eu-west-1.amazonaws.com", "/artifacts.example.com/oddjob/abc123/a%20b.tar.gz"},
		{"team-artifacts", "http://127.0.0.1:9000", "us-east-1", "http://127.0.0.1:9000/team-artifacts/oddjob/abc123/a%20b.tar.gz",
			"127.0.0.1:9000", "/team-artifacts/oddjob/abc123/a%20b.tar.gz"},
		{"artifacts.example.com", "http://127.0.0.1:9000", "us-east-1", "http://127.0.0.1:9000/artifacts.example.com/oddjob/abc123/a%20b.tar.gz",
			"127.0.0.1:9000", "/artifacts.example.com/oddjob/abc123/a%20b.tar.gz"},
		{"team-artifacts", "https://minio.example.com/", "us-east-1", "https://minio.example.com/team-artifacts/oddjob/abc123/a%20b.tar.gz",
			"minio.example.com", "/team-artifacts/oddjob/abc123/a%20b.tar.gz"},
		{"team-artifacts", "https://gw.example.com:8443/s3", "us-east-1", "https://gw.example.com:8443/s3/team-artifacts/oddjob/abc123/a%20b.tar.gz",
			"gw.example.com:8443", "/s3/team-artifacts/oddjob/abc123/a%20b.tar.gz"},
	} {
		out := source(t, dir, `
s3_target "$1" "oddjob/abc123/a b.tar.gz" "$2" "$3"
printf 'url %s\nhost %s\nuri %s\n' "$target_url" "$target_host" "$target_uri"
`, tc.bucket, tc.region, tc.endpoint)
		checkFields(t, out, map[string]string{"url": tc.url, "host": tc.host, "uri": tc.uri})
	}
	// A bad endpoint is named by the variable it came from.
	for _, name := range []string{"S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		res := upload(t, dir, "S3_KEY=k", "S3_SECRET=s", name+"=127.0.0.1:9000", "VERSION=v")
		if res.err == nil || !strings.Contains(res.stderr, name+" must start with http:// or https://") {
			t.Errorf("%s without a scheme: want a clear error naming it\n%s", name, res)
		}
	}
}

func TestShellcheck(t *testing.T) {
	t.Parallel()
	shellcheck := testtool.Require(t, "shellcheck", "apt-get install -y shellcheck")
	dir := generate(t)
	script := uploadScript(dir)
	info, err := os.Stat(script)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable: %v", script, info.Mode())
	}
	if out, err := exec.Command(shellcheck, script).CombinedOutput(); err != nil {
		t.Errorf("shellcheck %s: %v\n%s", script, err, out)
	}
}

// A version tag uploads the version's files under the tag as well as under
// the version: UPLOAD_TAG, else the CI's own tag variable (CIRCLE_TAG, or
// GITHUB_REF_NAME for GITHUB_REF_TYPE=tag in the GitHub variant). Another
// tag, or none, uploads under the version alone.
func TestUploadTag(t *testing.T) {
	t.Parallel()
	requireTools(t)
	circleci := generate(t)
	github := gentest.Generate(t, "service", map[string]string{"name": service, "github_username": "team", "s3_bucket": bucket, "ci": "github"}, service)
	artifacts, name := oneArchive(t)
	for _, tc := range []struct {
		what string
		dir  string
		env  []string
		tag  string // "" for none
	}{
		{"UPLOAD_TAG", circleci, []string{"UPLOAD_TAG=v1.2.3"}, "v1.2.3"},
		{"CIRCLE_TAG", circleci, []string{"CIRCLE_TAG=v2.0.0-rc.1"}, "v2.0.0-rc.1"},
		{"UPLOAD_TAG wins", circleci, []string{"UPLOAD_TAG=v1.0.1", "CIRCLE_TAG=v9.9.9"}, "v1.0.1"},
		{"not a version tag", circleci, []string{"CIRCLE_TAG=nightly"}, ""},
		{"no tag", circleci, nil, ""},
		{"GitHub tag", github, []string{"GITHUB_REF_TYPE=tag", "GITHUB_REF_NAME=v3.1.0"}, "v3.1.0"},
		{"GitHub branch", github, []string{"GITHUB_REF_TYPE=branch", "GITHUB_REF_NAME=v3.1.0"}, ""},
		{"GitHub ignores CIRCLE_TAG", github, []string{"CIRCLE_TAG=v4.0.0"}, ""},
	} {
		t.Run(tc.what, func(t *testing.T) {
			srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
			res := upload(t, tc.dir, append(serverEnv(srv), append(tc.env, "ARTIFACTS_DIR="+artifacts)...)...)
			if res.err != nil {
				t.Fatalf("upload.sh failed\n%s", res)
			}
			want := []string{service + "/" + version + "/" + name}
			if tc.tag != "" {
				want = append(want, service+"/"+tc.tag+"/"+name)
			}
			slices.Sort(want)
			if got := srv.Keys(bucket); !slices.Equal(got, want) {
				t.Errorf("bucket holds %q, want %q\n%s", got, want, res)
			}
		})
	}
}

// ARTIFACTS_DIR names the archives' directory in both variants, and wins
// over CIRCLE_ARTIFACTS, which only the CircleCI variant still reads.
func TestUploadArtifactsDir(t *testing.T) {
	t.Parallel()
	requireTools(t)
	circleci := generate(t)
	github := gentest.Generate(t, "service", map[string]string{"name": service, "github_username": "team", "s3_bucket": bucket, "ci": "github"}, service)
	artifacts, name := oneArchive(t)
	decoy := t.TempDir()
	archiveOf(t, decoy, version)
	if err := os.WriteFile(filepath.Join(decoy, name), []byte("the decoy's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what string
		dir  string
		env  []string
	}{
		{"circleci: ARTIFACTS_DIR wins", circleci, []string{"ARTIFACTS_DIR=" + artifacts, "CIRCLE_ARTIFACTS=" + decoy}},
		{"github: ARTIFACTS_DIR", github, []string{"ARTIFACTS_DIR=" + artifacts}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
			res := upload(t, tc.dir, append(serverEnv(srv), tc.env...)...)
			if res.err != nil {
				t.Fatalf("upload.sh failed\n%s", res)
			}
			if got, err := srv.Object(bucket, service+"/"+version+"/"+name); err != nil || string(got) != "not really gzip\n" {
				t.Errorf("stored %q (%v), want the archive in ARTIFACTS_DIR\n%s", got, err, res)
			}
		})
	}
	// The GitHub variant never reads CIRCLE_ARTIFACTS: ./dist, here empty.
	srv := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
	res := upload(t, github, append(serverEnv(srv), "CIRCLE_ARTIFACTS="+artifacts)...)
	if res.err == nil || !strings.Contains(res.stderr, " in ./dist ") || len(srv.Requests()) != 0 {
		t.Errorf("github variant with CIRCLE_ARTIFACTS set: want a failure naming ./dist, no request\n%s", res)
	}
}
