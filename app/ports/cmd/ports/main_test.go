package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listening waits for the "listening" log line and returns its addresses.
func listening(t *testing.T, logs *syncBuffer) (api, metrics string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), `"msg":"listening"`) }, 10*time.Second, 10*time.Millisecond)
	for l := range strings.Lines(logs.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		if m["msg"] == "listening" {
			return "http://" + m["addr"].(string), "http://" + m["metrics_addr"].(string)
		}
	}
	panic("unreachable")
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestRun_LoadsReloadsOnSIGHUPAndDrains(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "ports.json")
	replace := func(body string) { // as a volume update does: a new file renamed over the old
		tmp := filepath.Join(dir, "next.json")
		require.NoError(t, os.WriteFile(tmp, []byte(body), 0o644))
		require.NoError(t, os.Rename(tmp, data))
	}
	replace(`{"NLRTM": {"name": "Rotterdam"}}`)

	var logs syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run([]string{"--data", data, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
			"--watch-interval", "0", "--drain-delay", "300ms"}, func(string) string { return "" }, &logs, io.Discard)
	}()
	api, metrics := listening(t, &logs)
	require.Eventually(t, func() bool { return status(t, api+"/ready") == 200 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, 200, status(t, api+"/ports/NLRTM"))

	// Requests go on through every reload; none may fail.
	var served, failed atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := http.Get(api + "/ports/NLRTM")
			if err != nil || resp.StatusCode != 200 {
				failed.Add(1)
			} else {
				served.Add(1)
			}
			if resp != nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()

	replace(`{"NLRTM": {"name": "Rotterdam"}, "BEANR": {"name": "Antwerpen"}}`)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 404, status(t, api+"/ports/BEANR"), "with --watch-interval 0 only SIGHUP reloads")
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return status(t, api+"/ports/BEANR") == 200 }, 10*time.Second, 10*time.Millisecond)

	// A broken file fails the reload; the data loaded before stays served.
	replace(`{"NLRTM": {"name": "Rotterdam"}, "GBLON": {"name": `)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "load failed: still serving the previous data") }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, 200, status(t, api+"/ports/BEANR"))
	assert.Equal(t, 200, status(t, api+"/ready"))
	close(stop)
	<-done
	assert.Zero(t, failed.Load(), "requests failed during reloads")
	assert.Positive(t, served.Load())

	resp, err := http.Get(metrics + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ports_loads_total{result="ok"} 2`, `ports_loads_total{result="error"} 1`, "ports_ports 2", `ports_http_requests_total{code="200",handler="get",method="GET"}`} {
		assert.Contains(t, string(body), want)
	}

	// SIGTERM: readiness off while requests are still served, then exit 0.
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	require.Eventually(t, func() bool { return status(t, api+"/ready") == 503 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, 200, status(t, api+"/ports/NLRTM"))
	select {
	case c := <-code:
		assert.Equal(t, 0, c, logs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("ports did not stop after SIGTERM")
	}
}

func TestRun_BadSettingsNameTheFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no data", nil, nil, "--data (PORTS_DATA) is required"},
		{"bad variable", []string{"--data", "x"}, map[string]string{"PORTS_WATCH_INTERVAL": "soon"}, `environment variable PORTS_WATCH_INTERVAL="soon"`},
		{"negative interval", []string{"--data", "x", "--watch-interval", "-1s"}, nil, "--watch-interval must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(tt.args, func(k string) string { return tt.env[k] }, io.Discard, &stderr)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr.String(), tt.want)
		})
	}
}

func TestRun_FirstLoadFailureExits(t *testing.T) {
	data := filepath.Join(t.TempDir(), "ports.json")
	require.NoError(t, os.WriteFile(data, []byte(`[]`), 0o644))
	var logs syncBuffer
	code := run([]string{"--data", data, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, func(string) string { return "" }, &logs, io.Discard)
	assert.Equal(t, 1, code)
	assert.Contains(t, logs.String(), "want one JSON object of port records keyed by UN/LOCODE")
}
