package s3test_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rclone/gofakes3"

	"github.com/gomicro/gomicro/internal/testkit/s3test"
)

// bucket is the one bucket the tests' servers have.
const bucket = "team-artifacts"

// A SigV4 signer written from the AWS documentation, independent of both the
// server and upload.sh, checked against AWS's published example first.

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// goSign returns the signed-headers list and signature for a request whose
// headers (lowercase name -> value) are all signed.
func goSign(secret, amzDate, region, method, uri string, headers map[string]string, payloadHash string) (signed, sig string) {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	var canon strings.Builder
	for _, k := range names {
		canon.WriteString(k + ":" + strings.Join(strings.Fields(headers[k]), " ") + "\n")
	}
	signed = strings.Join(names, ";")
	cr := strings.Join([]string{method, uri, "", canon.String(), signed, payloadHash}, "\n")
	day := amzDate[:8]
	scope := day + "/" + region + "/s3/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + sha256Hex([]byte(cr))
	k := hmacSHA256([]byte("AWS4"+secret), day)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	return signed, hex.EncodeToString(hmacSHA256(k, sts))
}

func TestGoSignerKnownVector(t *testing.T) {
	t.Parallel()
	_, sig := goSign(s3test.ExampleSecret, s3test.ExampleDate, "us-east-1", "GET", "/test.txt", map[string]string{
		"host": s3test.ExampleHost, "range": "bytes=0-9", "x-amz-content-sha256": s3test.EmptySHA256, "x-amz-date": s3test.ExampleDate,
	}, s3test.EmptySHA256)
	if sig != s3test.ExampleGetSignature {
		t.Fatalf("Go signer: GET example signature %s, want %s", sig, s3test.ExampleGetSignature)
	}
}

type goRequest struct {
	akid, secret, region string
	body                 []byte
	claimed              string // x-amz-content-sha256; default: the body's hash
	signedBody           []byte // if set, sent instead of body after signing
	path                 string
	noAuth               bool
	contentType          string // sent and signed when set
	token                string // x-amz-security-token, signed unless unsignedToken
	unsignedToken        bool
}

func send(t *testing.T, srv *s3test.Server, r goRequest) (int, string) {
	t.Helper()
	if r.claimed == "" {
		r.claimed = sha256Hex(r.body)
	}
	if r.path == "" {
		r.path = "/" + bucket + "/dir/object.bin"
	}
	body := r.body
	if r.signedBody != nil {
		body = r.signedBody
	}
	req, err := http.NewRequest(http.MethodPut, srv.URL()+r.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	amzDate := time.Now().UTC().Format("20060102T150405Z")
	req.Header.Set("x-amz-date", amzDate)
	req.Header.Set("x-amz-content-sha256", r.claimed)
	headers := map[string]string{"host": req.URL.Host, "x-amz-content-sha256": r.claimed, "x-amz-date": amzDate}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
		headers["content-type"] = r.contentType
	}
	if r.token != "" {
		req.Header.Set("x-amz-security-token", r.token)
		if !r.unsignedToken {
			headers["x-amz-security-token"] = r.token
		}
	}
	if !r.noAuth {
		signed, sig := goSign(r.secret, amzDate, r.region, http.MethodPut, r.path, headers, r.claimed)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+r.akid+"/"+amzDate[:8]+"/"+r.region+
			"/s3/aws4_request, SignedHeaders="+signed+", Signature="+sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The server accepts a correctly signed request and refuses every way of
// getting it wrong, each with S3's status and error code.
func TestServerVerifies(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, s3test.Options{Region: "eu-west-1", Buckets: []string{bucket}})
	body := make([]byte, 4096)
	_, _ = rand.Read(body)
	good := goRequest{akid: srv.AccessKey(), secret: srv.SecretKey(), region: "eu-west-1", body: body}

	if status, resp := send(t, srv, good); status != http.StatusOK {
		t.Fatalf("correctly signed PUT: %d %s", status, resp)
	}
	got, err := srv.Object(bucket, "dir/object.bin")
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("stored object: %v, equal=%v", err, bytes.Equal(got, body))
	}
	if _, err := srv.Object(bucket, "missing"); !gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey) {
		t.Errorf("Object(missing key): %v, want NoSuchKey", err)
	}

	for _, tc := range []struct {
		name   string
		mutate func(*goRequest)
		status int
		code   string
	}{
		{"wrong secret", func(r *goRequest) { r.secret = "not-the-secret" }, 403, "SignatureDoesNotMatch"},
		{"unknown key", func(r *goRequest) { r.akid = "AKIDSOMEONEELSE" }, 403, "InvalidAccessKeyId"},
		{"wrong region", func(r *goRequest) { r.region = "us-east-1" }, 400, "AuthorizationHeaderMalformed"},
		{"body differs from signed hash", func(r *goRequest) {
			// The first byte flipped: a fixed one would match the random body's one time in 256.
			r.signedBody = append([]byte{^r.body[0]}, r.body[1:]...)
		}, 400, "XAmzContentSHA256Mismatch"},
		{"unsigned payload", func(r *goRequest) { r.claimed = "UNSIGNED-PAYLOAD" }, 400, "InvalidRequest"},
		{"streaming payload", func(r *goRequest) { r.claimed = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" }, 400, "InvalidRequest"},
		{"anonymous", func(r *goRequest) { r.noAuth = true }, 403, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			r.path = "/" + bucket + "/refused/" + strings.ReplaceAll(tc.name, " ", "-")
			tc.mutate(&r)
			status, resp := send(t, srv, r)
			if status != tc.status || !strings.Contains(resp, "<Code>"+tc.code+"</Code>") {
				t.Errorf("got %d %s, want %d %s", status, resp, tc.status, tc.code)
			}
		})
	}
	if keys := srv.Keys(bucket); len(keys) != 1 {
		t.Errorf("refused requests stored objects: %q", keys)
	}
}

// With a session token the access key is temporary: the server accepts a
// request that carries the token and signs it, and refuses one without it,
// with another, or with the token left out of SignedHeaders; a server of
// long-lived keys refuses any token. It stores the Content-Type sent.
func TestServerSessionToken(t *testing.T) {
	t.Parallel()
	const token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+test/token=="
	srv := s3test.Start(t, s3test.Options{SessionToken: token, Buckets: []string{bucket}})
	if srv.SessionToken() != token {
		t.Fatalf("SessionToken() = %q, want %q", srv.SessionToken(), token)
	}
	good := goRequest{akid: srv.AccessKey(), secret: srv.SecretKey(), region: srv.Region(), body: []byte("payload"),
		token: token, contentType: "application/gzip"}
	if status, resp := send(t, srv, good); status != http.StatusOK {
		t.Fatalf("PUT with a signed token: %d %s", status, resp)
	}
	if got := srv.ContentType(bucket, "dir/object.bin"); got != "application/gzip" {
		t.Errorf("ContentType = %q, want application/gzip", got)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || !reqs[0].Token || reqs[0].ContentType != "application/gzip" ||
		reqs[0].SignedHeaders != "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token" {
		t.Errorf("requests %+v: want one, with its token and Content-Type, signing both", reqs)
	}

	long := s3test.Start(t, s3test.Options{Buckets: []string{bucket}})
	for _, tc := range []struct {
		name   string
		srv    *s3test.Server
		mutate func(*goRequest)
		code   string
	}{
		{"no token", srv, func(r *goRequest) { r.token = "" }, "InvalidToken"},
		{"another token", srv, func(r *goRequest) { r.token = "IQoJb3JpZ2luX2VjEJr-someone-else" }, "InvalidToken"},
		{"token not signed", srv, func(r *goRequest) { r.unsignedToken = true }, "AccessDenied"},
		{"token for a long-lived key", long, func(*goRequest) {}, "InvalidToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			r.path = "/" + bucket + "/refused/" + strings.ReplaceAll(tc.name, " ", "-")
			tc.mutate(&r)
			status, resp := send(t, tc.srv, r)
			if status != http.StatusForbidden || !strings.Contains(resp, "<Code>"+tc.code+"</Code>") {
				t.Errorf("got %d %s, want 403 %s", status, resp, tc.code)
			}
		})
	}
	if keys := srv.Keys(bucket); len(keys) != 1 {
		t.Errorf("refused requests stored objects: %q", keys)
	}
	if keys := long.Keys(bucket); len(keys) != 0 {
		t.Errorf("refused requests stored objects: %q", keys)
	}
	if status, resp := send(t, long, goRequest{akid: long.AccessKey(), secret: long.SecretKey(), region: long.Region(), body: nil}); status != http.StatusOK {
		t.Errorf("long-lived key without a token: %d %s", status, resp)
	} else if got := long.ContentType(bucket, "dir/object.bin"); got != "" {
		t.Errorf("ContentType of an object sent without one = %q, want \"\"", got)
	}
}

// Options.Unavailable: the first requests get 503 SlowDown, then the server
// answers as usual.
func TestServerUnavailable(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, s3test.Options{Unavailable: 2, Buckets: []string{bucket}})
	r := goRequest{akid: srv.AccessKey(), secret: srv.SecretKey(), region: srv.Region(), body: []byte("x")}
	for i, want := range []int{503, 503, 200} {
		status, resp := send(t, srv, r)
		if status != want || (want == 503 && !strings.Contains(resp, "<Code>SlowDown</Code>")) {
			t.Errorf("request %d: %d %s, want %d", i, status, resp, want)
		}
	}
}
