package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/awstest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRun_InitIsRefusedAgainstAWS(t *testing.T) {
	var stderr bytes.Buffer
	env := map[string]string{"USERS_TABLE": "users", "USERS_BUCKET": "avatars", "AWS_REGION": "eu-west-1"}
	code := run(context.Background(), []string{"init"}, func(k string) string { return env[k] }, io.Discard, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "users init: refusing to create stores on AWS itself")
}

func TestRun_MissingSettingsFailAtStart(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), nil, func(string) string { return "" }, io.Discard, &stderr)
	assert.Equal(t, 2, code)
	for _, v := range []string{"USERS_TABLE is required", "USERS_BUCKET is required", "AWS_REGION is required"} {
		assert.Contains(t, stderr.String(), v)
	}
}

// instance is one users service run by the test on free ports.
type instance struct {
	api, metrics string
	logs         *syncBuffer
}

// start runs `users init` when asked, then serves with env until the
// test ends, and waits for /readyz to answer.
func start(t *testing.T, env map[string]string, init bool) instance {
	t.Helper()
	in := instance{api: freeAddr(t), metrics: freeAddr(t), logs: &syncBuffer{}}
	env["USERS_ADDR"], env["USERS_METRICS_ADDR"], env["USERS_DRAIN_DELAY"] = in.api, in.metrics, "10ms"
	getenv := func(k string) string { return env[k] }
	if init {
		var out bytes.Buffer
		require.Equal(t, 0, run(context.Background(), []string{"init"}, getenv, &out, &out), out.String())
		assert.Contains(t, out.String(), `"msg":"stores ready"`)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, getenv, in.logs, in.logs) }()
	t.Cleanup(func() {
		stop()
		assert.Equal(t, 0, <-done, in.logs.String())
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + in.api + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	}, 10*time.Second, 20*time.Millisecond, in.logs.String())
	return in
}

func pngImage(t *testing.T, w, h int, seed byte) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	img.Pix[0] = seed
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

type part struct {
	name, filename string
	data           []byte
}

// formBody is a request body and its Content-Type.
type formBody struct {
	contentType string
	body        []byte
}

func form(t *testing.T, parts ...part) formBody {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename != "" {
			w, err = mw.CreateFormFile(p.name, p.filename)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		require.NoError(t, err)
		_, err = w.Write(p.data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return formBody{mw.FormDataContentType(), b.Bytes()}
}

func userForm(t *testing.T, name, email string, avatar []byte) formBody {
	return form(t, part{name: "name", data: []byte(name)}, part{name: "email", data: []byte(email)},
		part{name: "avatar", filename: "avatar.png", data: avatar})
}

// post sends a form and returns the status and the decoded JSON body.
func (in instance) post(t *testing.T, f formBody) (int, map[string]string) {
	t.Helper()
	resp, err := http.Post("http://"+in.api+"/user", f.contentType, bytes.NewReader(f.body))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var out map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func (in instance) list(t *testing.T, query string) (int, []map[string]string, http.Header) {
	t.Helper()
	resp, err := http.Get("http://" + in.api + "/users" + query)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, resp.Header
	}
	var out []map[string]string
	require.NoError(t, json.Unmarshal(body, &out), string(body))
	return resp.StatusCode, out, resp.Header
}

func (in instance) metricsText(t *testing.T) string {
	t.Helper()
	resp, err := http.Get("http://" + in.metrics + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// objects lists the bucket's keys straight from the S3-compatible store.
func objects(t *testing.T, st awstest.Stores, bucket string) []string {
	t.Helper()
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(st.S3), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("S3RVER", "S3RVER", ""),
	})
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	sort.Strings(keys)
	return keys
}

func baseEnv(st awstest.Stores, table string) map[string]string {
	env := st.Env()
	env["USERS_TABLE"], env["USERS_BUCKET"] = table, "avatars"
	env["USERS_MAX_AVATAR_BYTES"], env["USERS_MAX_AVATAR_DIMENSION"] = "4096", "64"
	env["USERS_AWS_TIMEOUT"], env["USERS_AWS_ATTEMPT_TIMEOUT"] = "2s", "1s"
	return env
}

// TestContract runs the service against real DynamoDB- and S3-compatible
// servers through the SDK, only the endpoints overridden.
func TestContract(t *testing.T) {
	st := awstest.Start(t)
	env := baseEnv(st, "users")
	env["USERS_PAGE_SIZE"] = "2"
	in := start(t, env, true)

	resp, err := http.Get("http://" + in.api + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, in.logs.String())

	code, users, _ := in.list(t, "")
	require.Equal(t, http.StatusOK, code)
	assert.Empty(t, users, "a new table lists as []")

	avatar := pngImage(t, 16, 16, 1)
	t.Run("create", func(t *testing.T) {
		code, u := in.post(t, userForm(t, "Test User", "Test-User@example.com", avatar))
		require.Equal(t, http.StatusCreated, code, u)
		assert.Equal(t, "Test User", u["name"])
		assert.Equal(t, "test-user@example.com", u["email"])
		assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(st.S3)+`/avatars/avatars/[0-9a-f]{64}\.png$`), u["avatar_url"])

		// The object is there, with the sniffed type and the exact bytes.
		resp, err := http.Get(u["avatar_url"])
		require.NoError(t, err)
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
		assert.Equal(t, avatar, got)

		code, users, _ := in.list(t, "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, []map[string]string{u}, users)
	})

	t.Run("duplicate email is 409 and keeps the stored avatar", func(t *testing.T) {
		before := objects(t, st, "avatars")
		require.Len(t, before, 1)
		// The same image again shares the stored user's object: it stays.
		code, body := in.post(t, userForm(t, "Someone Else", "test-user@example.com", avatar))
		assert.Equal(t, http.StatusConflict, code)
		assert.Contains(t, body["error"], "test-user@example.com")
		// Another image: its upload is removed, the stored one stays.
		code, _ = in.post(t, userForm(t, "Someone Else", "test-user@example.com", pngImage(t, 16, 16, 2)))
		assert.Equal(t, http.StatusConflict, code)
		assert.Equal(t, before, objects(t, st, "avatars"), "no orphan, and the stored user's avatar kept")
		_, users, _ := in.list(t, "")
		require.Len(t, users, 1)
		assert.Equal(t, "Test User", users[0]["name"], "the stored user is unchanged")
	})

	t.Run("errors", func(t *testing.T) {
		ok := pngImage(t, 4, 4, 3)
		for _, tc := range []struct {
			name string
			form formBody
			want int
			msg  string
		}{
			{"not multipart", formBody{"application/json", []byte(`{"name":"x"}`)}, 400, "multipart/form-data"},
			{"broken multipart", formBody{"multipart/form-data; boundary=zzz", []byte("--zzz\r\nnonsense")}, 400, "reading the form"},
			{"missing avatar", form(t, part{name: "name", data: []byte("A")}, part{name: "email", data: []byte("a@example.com")}), 400, `"avatar" is required`},
			{"avatar not a file", form(t, part{name: "name", data: []byte("A")}, part{name: "email", data: []byte("a@example.com")}, part{name: "avatar", data: ok}), 400, "must be a file"},
			{"unknown field", form(t, part{name: "age", data: []byte("3")}), 400, `unknown field "age"`},
			{"bad email", userForm(t, "A", "not-an-address", ok), 400, "not an address"},
			{"empty name", userForm(t, " ", "a@example.com", ok), 400, "name is required"},
			{"too large", userForm(t, "A", "a@example.com", bytes.Repeat([]byte{0x89}, 4097)), 413, "larger than 4096 bytes"},
			{"far too large", userForm(t, "A", "a@example.com", bytes.Repeat([]byte{0x89}, 200<<10)), 413, "larger than"},
			{"not an image", userForm(t, "A", "a@example.com", []byte("#!/bin/sh\necho hi\n")), 415, "text/plain"},
			{"too many pixels", userForm(t, "A", "a@example.com", pngImage(t, 65, 1, 0)), 415, "65x1"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, body := in.post(t, tc.form)
				assert.Equal(t, tc.want, code, body)
				assert.Contains(t, body["error"], tc.msg)
			})
		}
		for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x", "?next=%25%25notbase64"} {
			resp, err := http.Get("http://" + in.api + "/users" + q)
			require.NoError(t, err)
			var body map[string]string
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
			assert.NotEmpty(t, body["error"], q)
		}
		assert.Len(t, objects(t, st, "avatars"), 1, "no rejected form reached S3")
	})

	t.Run("pagination over more than one DynamoDB page", func(t *testing.T) {
		want := []string{"test-user@example.com"}
		for i := range 4 {
			email := fmt.Sprintf("user%d@example.com", i)
			code, body := in.post(t, userForm(t, fmt.Sprintf("User %d", i), email, pngImage(t, 4, 4, byte(i))))
			require.Equal(t, http.StatusCreated, code, body)
			want = append(want, email)
		}
		sort.Strings(want)

		var got []string
		query, pages := "?limit=2", 0
		for query != "" {
			code, users, h := in.list(t, query)
			require.Equal(t, http.StatusOK, code)
			require.LessOrEqual(t, len(users), 2)
			for _, u := range users {
				got = append(got, u["email"])
			}
			pages++
			query = ""
			if m := regexp.MustCompile(`^</users(\?[^>]+)>; rel="next"$`).FindStringSubmatch(h.Get("Link")); m != nil {
				query = m[1]
			}
			require.Less(t, pages, 10, "the cursor must end")
		}
		sort.Strings(got)
		assert.Equal(t, want, got, "every user once over the pages")
		assert.GreaterOrEqual(t, pages, 3)

		// Without a limit, every user, streamed over DynamoDB pages of 2.
		scans := scanCount(t, in)
		_, users, _ := in.list(t, "")
		var streamed []string
		for _, u := range users {
			streamed = append(streamed, u["email"])
		}
		sort.Strings(streamed)
		assert.Equal(t, want, streamed)
		assert.GreaterOrEqual(t, scanCount(t, in)-scans, 3, "five users in pages of two are three Scans")
	})
}

var scanLine = regexp.MustCompile(`(?m)^users_aws_request_duration_seconds_count\{operation="Scan",service="DynamoDB"\} (\d+)$`)

func scanCount(t *testing.T, in instance) int {
	t.Helper()
	m := scanLine.FindStringSubmatch(in.metricsText(t))
	require.NotNil(t, m, "Scan latency is measured")
	var n int
	_, err := fmt.Sscan(m[1], &n)
	require.NoError(t, err)
	return n
}

// TestContract_FailedWriteLeavesNoOrphan points a service at a table that
// does not exist: the upload succeeds, the DynamoDB write fails for real,
// the answer is 503 and the uploaded object is gone again.
func TestContract_FailedWriteLeavesNoOrphan(t *testing.T) {
	st := awstest.Start(t)
	start(t, baseEnv(st, "users"), true) // creates the bucket (and a table the other instance does not use)
	env := baseEnv(st, "missing")
	env["USERS_AWS_MAX_ATTEMPTS"] = "1"
	in := start(t, env, false)

	resp, err := http.Get("http://" + in.api + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "not ready without its table")

	code, body := in.post(t, userForm(t, "Test User", "test-user@example.com", pngImage(t, 8, 8, 9)))
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "storage unavailable, try again shortly", body["error"])
	assert.Empty(t, objects(t, st, "avatars"), "the uploaded avatar was removed")

	code, _, h := in.list(t, "")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "5", h.Get("Retry-After"))

	m := in.metricsText(t)
	assert.Contains(t, m, `users_aws_request_errors_total{code="ResourceNotFoundException",operation="PutItem",service="DynamoDB"} 1`)
	assert.Contains(t, m, `users_aws_request_duration_seconds_count{operation="PutObject",service="S3"} 1`)
	assert.Contains(t, m, `users_aws_request_duration_seconds_count{operation="DeleteObject",service="S3"} 1`)
	assert.Regexp(t, `users_store_failures_total [1-9]`, m)
	assert.True(t, strings.Contains(in.logs.String(), "ResourceNotFoundException"), "the log names the cause")
}

// TestContract_UnreachableStoresAre503 points the service at closed ports:
// the SDK's bounded retries end in a 503, and nothing hangs.
func TestContract_UnreachableStoresAre503(t *testing.T) {
	awstest.SetCredentials(t)
	dead := "http://" + freeAddr(t)
	env := map[string]string{
		"AWS_ENDPOINT_URL": dead, "AWS_REGION": "us-east-1", "USERS_TABLE": "users", "USERS_BUCKET": "avatars",
		"USERS_AWS_TIMEOUT": "1s", "USERS_AWS_ATTEMPT_TIMEOUT": "200ms",
	}
	in := start(t, env, false)
	code, body := in.post(t, userForm(t, "Test User", "test-user@example.com", pngImage(t, 8, 8, 1)))
	assert.Equal(t, http.StatusServiceUnavailable, code, body)
	code, _, _ = in.list(t, "?limit=5")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, in.metricsText(t), `users_aws_request_errors_total{code="network",operation="PutObject",service="S3"} 1`)
}
