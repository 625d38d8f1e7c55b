package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/shout/internal/api"
	"github.com/doc-search/gitops/app/shout/internal/cache"
	"github.com/doc-search/gitops/app/shout/internal/metrics"
	"github.com/doc-search/gitops/app/shout/internal/redistest"
	"github.com/doc-search/gitops/app/shout/internal/shout"
	"github.com/doc-search/gitops/app/shout/internal/shoutcloudtest"
	"github.com/doc-search/gitops/app/shout/internal/upstream"
)

const maxChars = 20

// stack is the service over real HTTP: the API, the domain, the upstream
// client against the stand-in and, when redisAddr is set, a real Redis.
func stack(t testing.TB, up *shoutcloudtest.Server, redisAddr string, edit func(*upstream.Config)) *httptest.Server {
	t.Helper()
	m := metrics.New(prometheus.NewRegistry())
	cfg := upstream.Config{URL: up.URL, Timeout: time.Second, Retries: 1, Backoff: time.Millisecond,
		BreakerFailures: 100, BreakerOpen: time.Minute}
	if edit != nil {
		edit(&cfg)
	}
	client, err := upstream.New(cfg, m)
	require.NoError(t, err)
	t.Cleanup(client.Close)
	var c shout.Cache = cache.None{}
	if redisAddr != "" {
		r := cache.NewRedis(redisAddr, time.Hour, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
		t.Cleanup(func() { _ = r.Close() })
		c = r
	}
	a, err := api.New(shout.New(client, c, 5*time.Second), maxChars)
	require.NoError(t, err)
	s := service.New(service.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry(), Namespace: "shout"})
	for _, r := range a.Routes() {
		s.Handle(r.Pattern(), r.Name, r.Handler)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status int
	header http.Header
	body   map[string]string
}

func post(t testing.TB, url, contentType, body string) reply {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var got map[string]string
	require.NoError(t, json.Unmarshal(data, &got), "body %q", data)
	return reply{status: resp.StatusCode, header: resp.Header, body: got}
}

func TestShout_ReversesByCharacterAndCapitalizes(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	srv := stack(t, up, redistest.Start(t).Addr, nil)

	for _, tc := range []struct{ in, want string }{
		{"test", "TSET"},
		{"Hello, World!", "!DLROW ,OLLEH"},
		{"añb", "BÑA"},
		{"straße", "EßARTS"},
		{"日本語", "語本日"},
		{"ǆemal", "LAMEǄ"},
		{"a👋🏽", "🏽👋A"},
		{"", ""},
		{strings.Repeat("é", maxChars), strings.Repeat("É", maxChars)},
	} {
		body, err := json.Marshal(map[string]string{"data": tc.in})
		require.NoError(t, err)
		got := post(t, srv.URL, "application/json", string(body))
		assert.Equal(t, http.StatusOK, got.status, "input %q", tc.in)
		assert.Equal(t, map[string]string{"data": tc.want}, got.body, "input %q", tc.in)
	}
}

func TestShout_BadRequestsSayWhatIsWrong(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	srv := stack(t, up, "", nil)

	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"text/plain", "text/plain", `{"data":"x"}`, http.StatusUnsupportedMediaType, `Content-Type must be application/json, got "text/plain"`},
		{"no content type", "", `{"data":"x"}`, http.StatusUnsupportedMediaType, `got ""`},
		{"latin-1", "application/json; charset=latin1", `{"data":"x"}`, http.StatusUnsupportedMediaType, `charset must be utf-8, got "latin1"`},
		{"utf-8 charset is fine but body empty", "application/json; charset=utf-8", ``, http.StatusBadRequest, "body is empty"},
		{"not JSON", "application/json", `data=x`, http.StatusBadRequest, "not valid JSON at byte 1"},
		{"cut short", "application/json", `{"data": "x"`, http.StatusBadRequest, "ends too early"},
		{"array", "application/json", `["x"]`, http.StatusBadRequest, "must be a JSON object {\"data\": \"text\"}, got array"},
		{"null", "application/json", `null`, http.StatusBadRequest, "got null"},
		{"no data", "application/json", `{}`, http.StatusBadRequest, `field "data" is missing`},
		{"number", "application/json", `{"data": 42}`, http.StatusBadRequest, `field "data" must be a string, got number`},
		{"data null", "application/json", `{"data": null}`, http.StatusBadRequest, `must be a string, got null`},
		{"object", "application/json", `{"data": {"a": 1}}`, http.StatusBadRequest, `must be a string, got object`},
		{"unknown field", "application/json", `{"data": "x", "DATA": "y"}`, http.StatusBadRequest, `unknown field "DATA"`},
		{"two values", "application/json", `{"data": "x"} {"data": "y"}`, http.StatusBadRequest, "more than one JSON value"},
		{"too long", "application/json", `{"data": "` + strings.Repeat("ü", maxChars+1) + `"}`, http.StatusBadRequest, `is 21 characters long; at most 20 are allowed`},
		{"huge body", "application/json", `{"data": "` + strings.Repeat("x", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, "body is larger than 1264 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := post(t, srv.URL, tc.contentType, tc.body)
			assert.Equal(t, tc.status, got.status)
			assert.Contains(t, got.body["error"], tc.want)
		})
	}
	assert.Zero(t, up.Calls(), "a bad request never reaches the upstream")
}

func TestShout_UpstreamFailuresMapToGatewayStatuses(t *testing.T) {
	for _, tc := range []struct {
		name      string
		behaviour shoutcloudtest.Behaviour
		status    int
		want      string
	}{
		{"garbage", shoutcloudtest.Behaviour{Garbage: true}, http.StatusBadGateway, "upstream failed: upstream garbage"},
		{"500s", shoutcloudtest.Behaviour{Status: http.StatusInternalServerError}, http.StatusBadGateway, "500 Internal Server Error"},
		{"too slow", shoutcloudtest.Behaviour{Delay: time.Minute}, http.StatusGatewayTimeout, "did not answer in time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := shoutcloudtest.New()
			defer up.Close()
			up.Set(tc.behaviour)
			srv := stack(t, up, "", func(c *upstream.Config) { c.Timeout = 50 * time.Millisecond })
			got := post(t, srv.URL, "application/json", `{"data":"x"}`)
			assert.Equal(t, tc.status, got.status)
			assert.Contains(t, got.body["error"], tc.want)
		})
	}
}

func TestShout_OpenBreakerFailsFastWithRetryAfter(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	up.Set(shoutcloudtest.Behaviour{Status: http.StatusServiceUnavailable})
	srv := stack(t, up, "", func(c *upstream.Config) {
		c.Retries, c.BreakerFailures, c.BreakerOpen = 0, 2, 30*time.Second
	})
	for range 2 {
		assert.Equal(t, http.StatusBadGateway, post(t, srv.URL, "application/json", `{"data":"x"}`).status)
	}
	got := post(t, srv.URL, "application/json", `{"data":"x"}`)
	assert.Equal(t, http.StatusServiceUnavailable, got.status)
	assert.Contains(t, got.body["error"], "circuit breaker is open")
	assert.Contains(t, []string{"29", "30"}, got.header.Get("Retry-After"))
	assert.EqualValues(t, 2, up.Calls())
}

func TestHandler_OtherPathsAndMethodsGetJSONErrors(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	srv := stack(t, up, "", nil)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPost, "/docs", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, "/nope", http.StatusNotFound, ""},
		{http.MethodPost, "/V1/SHOUT", http.StatusNotFound, ""},
		{http.MethodPost, "/docs/", http.StatusNotFound, ""},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var body map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, "%s %s", tc.method, tc.path)
		assert.Equal(t, tc.allow, resp.Header.Get("Allow"), "%s %s", tc.method, tc.path)
		assert.NotEmpty(t, body["error"])
	}
}

func TestDocs_PageIsRenderedFromTheDocument(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	srv := stack(t, up, "", nil)

	resp, err := http.Get(srv.URL + "/docs")
	require.NoError(t, err)
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))

	spec, err := api.Document(maxChars)
	require.NoError(t, err)
	for _, path := range spec.Paths.Keys() {
		for method, op := range spec.Paths.Value(path).Operations() {
			assert.Contains(t, string(page), `id="`+op.OperationID+`"`, "%s %s has a section", method, path)
			for _, code := range op.Responses.Keys() {
				assert.Contains(t, string(page), "<td>"+code+" ", "%s %s documents %s", method, path, code)
			}
		}
	}
	assert.Contains(t, string(page), "at most 20 characters", "the configured limit")
	assert.NotContains(t, string(page), "<script")
	assert.NotContains(t, string(page), "https://", "works offline: nothing from the internet")
}
