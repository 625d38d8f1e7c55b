package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What a user meets when something is wrong: the corpus, a request, a flag.

func TestProcess_StartupFailsOnBadCorpusBeforeListening(t *testing.T) {
	dup := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dup, "7.a.xml"), []byte("a"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dup, "7.b.xml"), []byte("b"), 0o644))
	missing := filepath.Join(t.TempDir(), "nope")
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	empty := t.TempDir()
	tests := []struct {
		name string
		dir  string
		want string
	}{
		{"duplicate IDs", dup, `--data ` + dup + `: duplicate document ID \"7\": 7.a.xml and 7.b.xml`},
		{"empty corpus", empty, "--data " + empty + ": corpus holds no document"},
		{"missing directory", missing, "--data " + missing + ": listing corpus: corpus directory " + missing + ": no such file or directory"},
		{"a file", file, "--data " + file + ": listing corpus: corpus directory " + file + ": not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(binary, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--data", tt.dir).CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "output:\n%s", out)
			assert.Equal(t, 1, exit.ExitCode())
			assert.Contains(t, string(out), tt.want)
			assert.NotContains(t, string(out), `"msg":"listening"`, "fails before it listens")
		})
	}
}

// Documents are regular files inside --data: a link out of it and a named
// pipe are skipped with a warning each, and counted; a link inside is read.
func TestProcess_SkipsWhatIsNotARegularFileInsideTheCorpus(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "passwd")
	require.NoError(t, os.WriteFile(outside, []byte("root secret"), 0o644))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1.ok.txt"), []byte("kept words"), 0o644))
	require.NoError(t, os.Symlink("1.ok.txt", filepath.Join(dir, "2.inner.txt")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "3.passwd.txt")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "4.pipe.txt"), 0o644))

	p := start(t, "--data", dir)
	p.waitReady(t)
	code, body := get(t, p.api+"/?q=secret")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"results":[]}`, body, "nothing outside the corpus is indexed")
	_, body = get(t, p.api+"/?q=kept")
	assert.JSONEq(t, `{"results":["1","2"]}`, body, "a link inside the corpus is a document")

	logs := p.logs.String()
	assert.Regexp(t, `"level":"WARN","msg":"skipping document","file":"3.passwd.txt","error":"[^"]*path escapes from parent"`, logs)
	assert.Regexp(t, `"level":"WARN","msg":"skipping document","file":"4.pipe.txt","error":"open 4.pipe.txt: not a regular file \(named pipe\)"`, logs)
	assert.Regexp(t, `"msg":"ready","documents":2,"skipped":2,`, logs)
	_, body = get(t, p.metric+"/metrics")
	assert.Contains(t, body, "docsearch_documents_skipped_total 2")
}

// Every error a client can cause is answered in JSON with a status that
// says what was wrong.
func TestProcess_BadRequestsAreAnsweredInJSON(t *testing.T) {
	p := start(t)
	p.waitReady(t)
	tests := []struct {
		name   string
		target string
		header map[string]string
		code   int
		want   string
	}{
		{"bad percent-encoding", "/?q=%zz", nil, http.StatusBadRequest, `query string is badly encoded: invalid URL escape "%zz"`},
		{"q twice", "/?q=a&q=b", nil, http.StatusBadRequest, "query parameter q given 2 times"},
		{"missing q", "/?x=1", nil, http.StatusBadRequest, "missing query parameter q"},
		{"long URI", "/?q=" + strings.Repeat("a", 9000), nil, http.StatusRequestURITooLong, "request URI is 9004 bytes, the limit is 8192"},
		{"long header", "/?q=a", map[string]string{"X-Padding": strings.Repeat("p", 20000)}, http.StatusRequestHeaderFieldsTooLarge, "request header fields are"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, p.api+tt.target, nil)
			require.NoError(t, err)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.code, resp.StatusCode, string(body))
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(body, &e), string(body))
			assert.Contains(t, e.Error, tt.want)
		})
	}
}

// A query's bytes read as the corpus's do: UTF-8, and a byte that is not
// valid UTF-8 as Windows-1252/Latin-1, so a Latin-1 query finds the word.
func TestProcess_QueryBytesReadAsTheCorpusRule(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1.utf8.txt"), []byte("un café noir"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "2.latin1.txt"), []byte("le caf\xe9 cr\xe8me"), 0o644))
	p := start(t, "--data", dir)
	p.waitReady(t)
	for _, q := range []string{"caf%C3%A9", "caf%E9", "CAF%C3%89"} {
		code, body := get(t, p.api+"/?q="+q)
		assert.Equal(t, http.StatusOK, code, q)
		assert.JSONEq(t, `{"results":["1","2"]}`, body, q)
	}
}

func TestProcess_DebugLogSaysWhatASearchFound(t *testing.T) {
	p := start(t, "--log-level", "debug")
	p.waitReady(t)
	get(t, p.api+"/?q=thank+you")
	require.Eventually(t, func() bool { return strings.Contains(p.logs.String(), `"msg":"search"`) }, 5*time.Second, 10*time.Millisecond)
	assert.Regexp(t, `"level":"DEBUG","msg":"search","request_id":"[^"]+","words":\["thank","you"\],"results":2`, p.logs.String())
	assert.Contains(t, p.logs.String(), `"level":"DEBUG","msg":"corpus listed"`)
}

func TestProcess_TextLogFormat(t *testing.T) {
	out, err := exec.Command(binary, "--log-format", "text", "--data", filepath.Join(t.TempDir(), "nope")).Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Regexp(t, `^time=\S+ level=ERROR msg="doc-search stopped" error="--data \S+: listing corpus: corpus directory \S+: no such file or directory"\n$`, string(out))
}

func TestProcess_BadFlagExitsWithUsageError(t *testing.T) {
	for _, args := range [][]string{{"--drain-delay", "soon"}, {"query", "--timeout", "soon"}, {"--log-format", "xml"}} {
		var stdout, stderr strings.Builder
		cmd := exec.Command(binary, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, args)
		assert.Equal(t, 2, exit.ExitCode(), args)
		assert.Contains(t, stderr.String(), args[len(args)-2][2:], args)
		assert.Empty(t, stdout.String(), args)
	}
}

// --help and --version go to stdout and exit 0, for the server and the
// query subcommand alike.
func TestProcess_HelpAndVersionOnStdout(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "DOCSEARCH_STARTUP_DELAY"},
		{[]string{"-h"}, "DOCSEARCH_LOG_FORMAT"},
		{[]string{"query", "--help"}, "-min-results"},
		{[]string{"--version"}, "doc-search dev (build dev, commit dev)\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr strings.Builder
			cmd := exec.Command(binary, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "exit 0; stderr: %s", stderr.String())
			assert.Contains(t, stdout.String(), tt.want)
			assert.Empty(t, stderr.String())
		})
	}
}
