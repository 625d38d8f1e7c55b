package searchclient

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/index"
	"github.com/doc-search/gitops/app/doc-search/internal/metrics"
	"github.com/doc-search/gitops/app/doc-search/internal/query"
	"github.com/doc-search/gitops/app/doc-search/internal/sample"
	"github.com/doc-search/gitops/app/doc-search/internal/server"
	"github.com/doc-search/gitops/app/internal/buildinfo"
)

func TestRun_ExitCodeSaysWhetherEnoughResultsCame(t *testing.T) {
	info := buildinfo.Current()
	srv := server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New(info), query.Limits{MaxWords: 8, MaxBytes: 100}, info)
	docs, err := corpus.List(sample.FS)
	require.NoError(t, err)
	idx, err := index.Build(context.Background(), sample.FS, docs, index.Options{})
	require.NoError(t, err)
	srv.SetIndex(idx)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderrOK string
	}{
		{"one result", []string{"--server", hs.URL, "--q", "hello world"}, 0, `{"results":["1"]}` + "\n", ""},
		{"enough results", []string{"--server", hs.URL + "/", "--q", "thank you python", "--min-results", "2"}, 0, `{"results":["1","2"]}` + "\n", ""},
		{"too few results", []string{"--server", hs.URL, "--q", "hello", "--min-results", "2"}, 1, `{"results":["1"]}` + "\n", "1 results, wanted at least 2"},
		{"no result", []string{"--server", hs.URL, "--q", "nothing"}, 1, `{"results":[]}` + "\n", "0 results"},
		{"zero wanted", []string{"--server", hs.URL, "--q", "nothing", "--min-results", "0"}, 0, `{"results":[]}` + "\n", ""},
		{"bad request", []string{"--server", hs.URL, "--q", ""}, 1, "", "400 Bad Request"},
		{"server down", []string{"--server", "http://127.0.0.1:1", "--q", "x"}, 1, "", "GET http://127.0.0.1:1/search"},
		{"bad url", []string{"--server", "localhost", "--q", "x"}, 2, "", "not an absolute URL"},
		{"bad flag", []string{"--nope"}, 2, "", "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), tt.args, &stdout, &stderr)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr.String())
			if tt.stdout != "" {
				assert.Equal(t, tt.stdout, stdout.String())
			}
			assert.Contains(t, stderr.String(), tt.stderrOK)
		})
	}
}
