// Package s3test runs an in-process S3 server for tests: gofakes3 with its
// in-memory backend and AWS Signature Version 4 authentication, on 127.0.0.1.
//
// gofakes3 verifies the signature but trusts two things a real S3 checks; this
// package checks them before gofakes3 sees the request:
//   - the region in the Authorization header's credential scope must be the
//     server's region (gofakes3 derives the signing key from whatever region
//     the client names, so a client configured for the wrong region passes);
//   - the body's SHA-256 must equal the signed x-amz-content-sha256 header
//     (gofakes3 signs with the header's value and never hashes the body).
//     A missing header, UNSIGNED-PAYLOAD and the streaming (chunked) forms are
//     refused too: the clients under test always sign the payload.
//
// It also checks that the credential scope's date is the date of x-amz-date,
// and, for temporary credentials (Options.SessionToken), that the request
// carries the session token in x-amz-security-token and signs it, as STS
// credentials from OIDC or an assumed role need; a request that carries a
// token the server did not issue is refused too.
// The signature is verified before the body is read, so a client that sends
// Expect: 100-continue gets its 403 before it uploads anything.
package s3test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"
	"github.com/rclone/gofakes3/signature"
)

// Defaults used for the zero fields of Options.
const (
	DefaultAccessKey = "AKIDGOMICROTEST"
	DefaultSecretKey = "gomicro+test/secret/0123456789abcdefABCDEF"
	DefaultRegion    = "us-east-1"
	// DefaultMaxBody is the largest request body the server accepts.
	DefaultMaxBody = 64 << 20
)

// Options configures Start. Zero fields take the Default* values.
type Options struct {
	AccessKey string
	SecretKey string
	// SessionToken, when set, makes AccessKey a temporary credential: every
	// signed request must carry it in x-amz-security-token and list that
	// header in SignedHeaders. When empty, a request carrying a token is
	// refused (403 InvalidToken).
	SessionToken string
	Region       string
	// Buckets are created before Start returns.
	Buckets []string
	// MaxBody limits the size of a request body; larger bodies get 400
	// EntityTooLarge.
	MaxBody int64
	// Unavailable is how many requests, the first ones, are answered 503
	// SlowDown before any check, as S3 does under load; a client that
	// retries gets through.
	Unavailable int
}

// Request is what the server saw of one request.
type Request struct {
	Method        string
	Path          string // URL path as received (escaped form)
	Host          string // Host header, with the port
	SignedHeaders string // from the Authorization header; empty if none
	Credential    string // access key/date/region/service/aws4_request
	ContentType   string // Content-Type header; empty if none
	Token         bool   // whether x-amz-security-token was sent
	Status        int
}

// Server is a running S3 server; it stops when the test ends.
type Server struct {
	t       testing.TB
	opts    Options
	backend *s3mem.Backend
	srv     *httptest.Server

	mu       sync.Mutex
	requests []Request
	refused  int // 503s answered so far, for Options.Unavailable
}

// Start starts a server on 127.0.0.1 and stops it at the end of the test.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.AccessKey == "" {
		opts.AccessKey = DefaultAccessKey
	}
	if opts.SecretKey == "" {
		opts.SecretKey = DefaultSecretKey
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.MaxBody == 0 {
		opts.MaxBody = DefaultMaxBody
	}
	s := &Server{t: t, opts: opts, backend: s3mem.New()}
	fake := gofakes3.New(s.backend,
		gofakes3.WithV4Auth(map[string]string{opts.AccessKey: opts.SecretKey}),
		// No WithAutoBucket, not even WithAutoBucket(false): in v0.0.12 that
		// option ignores its argument and turns auto-creation on.
	)
	s.srv = httptest.NewServer(s.wrap(fake.Server()))
	t.Cleanup(s.srv.Close)
	for _, b := range opts.Buckets {
		s.CreateBucket(b)
	}
	return s
}

// URL is the server's base URL, http://127.0.0.1:PORT, for path-style
// addressing (S3_ENDPOINT).
func (s *Server) URL() string { return s.srv.URL }

// Region is the only region the server accepts in a credential scope.
func (s *Server) Region() string { return s.opts.Region }

// AccessKey is the access key ID the server accepts.
func (s *Server) AccessKey() string { return s.opts.AccessKey }

// SecretKey is the secret that goes with AccessKey.
func (s *Server) SecretKey() string { return s.opts.SecretKey }

// SessionToken is the token that must go with AccessKey; empty for a
// long-lived key.
func (s *Server) SessionToken() string { return s.opts.SessionToken }

// CreateBucket creates a bucket directly in the backend; failure ends the test.
func (s *Server) CreateBucket(name string) {
	s.t.Helper()
	if err := s.backend.CreateBucket(context.Background(), name); err != nil {
		s.t.Fatalf("s3test: create bucket %q: %v", name, err)
	}
}

// Object returns the stored contents of bucket/key. A missing bucket or key
// is an error for which gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket)
// (or ErrNoSuchKey) holds.
func (s *Server) Object(bucket, key string) ([]byte, error) {
	obj, err := s.backend.GetObject(context.Background(), bucket, key, nil)
	if err != nil {
		return nil, err
	}
	defer obj.Contents.Close()
	return io.ReadAll(obj.Contents)
}

// ContentType returns the Content-Type stored with bucket/key ("" when the
// upload sent none); a missing object ends the test.
func (s *Server) ContentType(bucket, key string) string {
	s.t.Helper()
	obj, err := s.backend.HeadObject(context.Background(), bucket, key)
	if err != nil {
		s.t.Fatalf("s3test: head %s/%s: %v", bucket, key, err)
	}
	return obj.Metadata["Content-Type"]
}

// Keys lists every key in bucket, sorted; a missing bucket ends the test.
func (s *Server) Keys(bucket string) []string {
	s.t.Helper()
	list, err := s.backend.ListBucket(context.Background(), bucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		s.t.Fatalf("s3test: list bucket %q: %v", bucket, err)
	}
	keys := make([]string, 0, len(list.Contents))
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	sort.Strings(keys)
	return keys
}

// Requests returns every request the server has answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// xmlText escapes only what must be escaped in element text, so messages
// keep their quotes readable ('us-east-1', not &#39;us-east-1&#39;).
var xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func writeError(w http.ResponseWriter, status int, code, message string) {
	body := "<Error><Code>" + xmlText.Replace(code) + "</Code><Message>" + xmlText.Replace(message) + "</Message></Error>"
	w.Header().Set("Content-Type", "application/xml")
	// The body may not have been read; don't let the client keep sending it.
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header+body)
}

var (
	credentialRE = regexp.MustCompile(`Credential=([^,\s]+)`)
	signedRE     = regexp.MustCompile(`SignedHeaders=([^,\s]+)`)
	sha256RE     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		auth := r.Header.Get("Authorization")
		entry := Request{
			Method: r.Method, Path: r.URL.EscapedPath(), Host: r.Host,
			ContentType: r.Header.Get("Content-Type"), Token: r.Header.Get("X-Amz-Security-Token") != "",
		}
		if m := signedRE.FindStringSubmatch(auth); m != nil {
			entry.SignedHeaders = m[1]
		}
		if m := credentialRE.FindStringSubmatch(auth); m != nil {
			entry.Credential = m[1]
		}
		s.mu.Lock()
		unavailable := s.refused < s.opts.Unavailable
		if unavailable {
			s.refused++
		}
		s.mu.Unlock()
		if unavailable {
			writeError(rec, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
		} else {
			s.serve(rec, r, next, entry.Credential, entry.SignedHeaders)
		}
		entry.Status = rec.status
		if entry.Status == 0 { // nothing written: net/http sends 200
			entry.Status = http.StatusOK
		}
		s.mu.Lock()
		s.requests = append(s.requests, entry)
		s.mu.Unlock()
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, next http.Handler, credential, signedHeaders string) {
	if r.Header.Get("Authorization") == "" {
		// Anonymous or presigned: gofakes3 refuses the first and verifies
		// the second; presigned requests are always UNSIGNED-PAYLOAD.
		if r.URL.Query().Get("X-Amz-Signature") != "" {
			writeError(w, http.StatusBadRequest, "InvalidRequest", "this test server accepts only requests signed in the Authorization header with a signed payload")
			return
		}
		next.ServeHTTP(w, r)
		return
	}
	// Credential=AKID/20130524/us-east-1/s3/aws4_request
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		writeError(w, http.StatusBadRequest, "AuthorizationHeaderMalformed",
			"The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
		return
	}
	if region := parts[2]; region != s.opts.Region {
		writeError(w, http.StatusBadRequest, "AuthorizationHeaderMalformed",
			fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", region, s.opts.Region))
		return
	}
	if date := r.Header.Get("X-Amz-Date"); len(date) < 8 || date[:8] != parts[1] {
		writeError(w, http.StatusBadRequest, "AuthorizationHeaderMalformed",
			"The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.")
		return
	}
	if !s.checkToken(w, r, parts[0], signedHeaders) {
		return
	}
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case claimed == "":
		writeError(w, http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
		return
	case claimed == "UNSIGNED-PAYLOAD" || strings.HasPrefix(claimed, "STREAMING-"):
		writeError(w, http.StatusBadRequest, "InvalidRequest", "this test server requires a signed payload; x-amz-content-sha256 is "+claimed)
		return
	case !sha256RE.MatchString(claimed):
		writeError(w, http.StatusBadRequest, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a valid sha256 value.")
		return
	}
	// Verify the signature before touching the body (gofakes3 verifies it
	// again; that is cheap).
	if code := signature.V4SignVerifyWithLookup(r, s.lookup); code != signature.ErrNone {
		apiErr := signature.GetAPIError(code)
		writeError(w, apiErr.HTTPStatusCode, apiErr.Code, apiErr.Description)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header: "+err.Error())
		return
	}
	if int64(len(body)) > s.opts.MaxBody {
		writeError(w, http.StatusBadRequest, "EntityTooLarge", fmt.Sprintf("Your proposed upload exceeds the maximum allowed size of this test server (%d bytes)", s.opts.MaxBody))
		return
	}
	sum := sha256.Sum256(body)
	if got := hex.EncodeToString(sum[:]); got != claimed {
		writeError(w, http.StatusBadRequest, "XAmzContentSHA256Mismatch",
			fmt.Sprintf("The provided 'x-amz-content-sha256' header does not match what was computed. Client: %s, server: %s", claimed, got))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	next.ServeHTTP(w, r)
}

// checkToken answers the request with S3's error and returns false unless
// its session token is the one that goes with accessKey, and signed.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request, accessKey, signedHeaders string) bool {
	tokens := r.Header.Values("X-Amz-Security-Token")
	want := s.opts.SessionToken
	if want == "" || accessKey != s.opts.AccessKey {
		if len(tokens) != 0 {
			writeError(w, http.StatusForbidden, "InvalidToken", "The provided token is malformed or otherwise invalid.")
			return false
		}
		return true // an unknown key is gofakes3's to refuse
	}
	switch {
	case len(tokens) == 0:
		writeError(w, http.StatusForbidden, "InvalidToken",
			"The access key "+accessKey+" is temporary: the request must carry its session token in x-amz-security-token.")
		return false
	case len(tokens) != 1 || tokens[0] != want:
		writeError(w, http.StatusForbidden, "InvalidToken", "The provided token is malformed or otherwise invalid.")
		return false
	case !slices.Contains(strings.Split(signedHeaders, ";"), "x-amz-security-token"):
		writeError(w, http.StatusForbidden, "AccessDenied",
			"x-amz-security-token is not in SignedHeaders; the session token must be signed.")
		return false
	}
	return true
}

func (s *Server) lookup(accessKey string) (string, bool) {
	if accessKey != s.opts.AccessKey {
		return "", false
	}
	return s.opts.SecretKey, true
}
