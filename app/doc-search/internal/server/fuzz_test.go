package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/index"
	"github.com/doc-search/gitops/app/doc-search/internal/metrics"
	"github.com/doc-search/gitops/app/doc-search/internal/query"
	"github.com/doc-search/gitops/app/doc-search/internal/sample"
	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

// FuzzHandler sends arbitrary HTTP requests, as net/http's server reads
// them off the wire, to the API over the sample corpus. Every answer must
// be the JSON the API promises, with a valid request ID, and a search must
// return exactly the documents that hold every word of q, found here by
// reading each document's words into a set. Seeds:
// testdata/fuzz/FuzzHandler.
func FuzzHandler(f *testing.F) {
	lim := query.Limits{MaxWords: 8, MaxBytes: 256}
	srv := New(slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics.New(testInfo), lim, testInfo)
	docs, err := corpus.List(sample.FS)
	require.NoError(f, err)
	idx, err := index.Build(context.Background(), sample.FS, docs, index.Options{})
	require.NoError(f, err)
	srv.SetIndex(idx)
	h := srv.Handler()
	words := make([]map[string]bool, len(docs)) // each document's words
	for i, d := range docs {
		data, err := sample.FS.ReadFile(d.Name)
		require.NoError(f, err)
		words[i] = map[string]bool{}
		corpus.Parse(data, tokenize.New(func(w []byte) { words[i][string(w)] = true }))
	}
	version, err := json.Marshal(testInfo)
	require.NoError(f, err)

	for _, s := range []string{
		"GET /?q=hello+world HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /search?q=caf%C3%A9&q=ignored HTTP/1.1\r\nHost: x\r\nX-Request-ID: abc-1\r\n\r\n",
		"HEAD /search?q= HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /?q=a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nq=b",
		"GET /readyz HTTP/1.0\r\n\r\n",
		"GET /version?q=x HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /%2e%2e/etc HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return // net/http answers 400 itself before any handler runs
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		body := rec.Body.Bytes()

		assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
		assert.Equal(t, strconv.Itoa(len(body)), res.Header.Get("Content-Length"))
		id := res.Header.Get("X-Request-Id")
		assert.True(t, validRequestID(id), "request ID %q", id)
		if given := req.Header.Get("X-Request-ID"); validRequestID(given) {
			assert.Equal(t, given, id)
		}
		require.True(t, json.Valid(body), "body %q", body)

		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
			assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
			return
		}
		switch req.URL.Path {
		case "/", "/search":
		case "/healthz", "/readyz":
			assert.Equal(t, http.StatusOK, res.StatusCode)
			return
		case "/version":
			assert.Equal(t, http.StatusOK, res.StatusCode)
			assert.JSONEq(t, string(version), string(body))
			return
		default:
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
			return
		}
		// A badly encoded query string and a repeated q are refused, never
		// read as something else.
		params, perr := url.ParseQuery(req.URL.RawQuery)
		if perr != nil || len(params["q"]) > 1 {
			assert.Equal(t, http.StatusBadRequest, res.StatusCode, "body %s", body)
			return
		}
		q, err := query.Parse(params.Get("q"), params.Has("q"), lim)
		if err != nil {
			assert.Equal(t, http.StatusBadRequest, res.StatusCode)
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Equal(t, err.Error(), e.Error)
			return
		}
		require.Equal(t, http.StatusOK, res.StatusCode, "body %s", body)
		want := []string{}
		for i, d := range docs {
			all := true
			for _, w := range q {
				all = all && words[i][w]
			}
			if all {
				want = append(want, d.ID)
			}
		}
		var got struct{ Results []string }
		require.NoError(t, json.Unmarshal(body, &got))
		assert.Equal(t, want, got.Results, "q=%q (words %q)", params.Get("q"), q)
	})
}
