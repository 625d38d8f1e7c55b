package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the real binary, as Kubernetes does: signals, ports, exit codes.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "doc-search-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "doc-search")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building doc-search: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type process struct {
	cmd         *exec.Cmd
	api, metric string // base URLs
	logs        *logLines
	exited      chan error
}

type logLines struct {
	mu    sync.Mutex
	lines []string
	addrs chan [2]string
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func (l *logLines) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		l.mu.Lock()
		l.lines = append(l.lines, line)
		l.mu.Unlock()
		var e struct {
			Msg         string `json:"msg"`
			Addr        string `json:"addr"`
			MetricsAddr string `json:"metrics_addr"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "listening" {
			l.addrs <- [2]string{e.Addr, e.MetricsAddr}
		}
	}
}

// start runs doc-search on loopback ports of its choosing and waits until it listens.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{"DOCSEARCH_LOG_LEVEL=info"} // the log says which ports were taken
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCSEARCH_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, logs: &logLines{addrs: make(chan [2]string, 1)}, exited: make(chan error, 1)}
	go func() {
		p.logs.read(stdout)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	select {
	case a := <-p.logs.addrs:
		p.api, p.metric = "http://"+a[0], "http://"+a[1]
	case <-time.After(10 * time.Second):
		t.Fatalf("doc-search did not listen; logs:\n%s", p.logs)
	}
	return p
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func (p *process) waitReady(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		code, _ := get(t, p.api+"/readyz")
		return code == http.StatusOK
	}, 20*time.Second, 20*time.Millisecond, "never ready; logs:\n%s", p.logs)
}

func TestProcess_NotReadyUntilIndexBuiltAfterStartupDelay(t *testing.T) {
	p := start(t, "--startup-delay", "3s")
	code, _ := get(t, p.api+"/healthz")
	assert.Equal(t, http.StatusOK, code, "alive at once")
	code, _ = get(t, p.api+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, code, "not ready during the start-up delay")
	p.waitReady(t)

	code, body := get(t, p.api+"/?q=hello+world")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"results":["1"]}`, body)
	code, body = get(t, p.metric+"/metrics")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "docsearch_index_documents 12")
	assert.Contains(t, body, `docsearch_build_info{build="dev",commit="dev",version="dev"} 1`)
	assert.Contains(t, body, "process_resident_memory_bytes")
	assert.Contains(t, body, "go_goroutines")
}

func TestProcess_QuerySubcommand(t *testing.T) {
	p := start(t)
	p.waitReady(t)
	out, err := exec.Command(binary, "query", "--server", p.api, "--q", "thank you python", "--min-results", "2").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.JSONEq(t, `{"results":["1","2"]}`, string(out))
	err = exec.Command(binary, "query", "--server", p.api, "--q", "hello goodbye").Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
}

// Under concurrent load, SIGTERM: readiness turns off at once, the server
// keeps serving through the drain delay, then exits 0; no request that
// started before the signal fails.
func TestProcess_GracefulShutdownUnderLoad(t *testing.T) {
	const drain = 1500 * time.Millisecond
	p := start(t, "--drain-delay", drain.String(), "--shutdown-timeout", "5s")
	p.waitReady(t)

	type outcome struct {
		started time.Time
		err     error
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	for w := range 16 {
		wg.Go(func() {
			// Half the clients reuse connections, half open one per request.
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: w%2 == 1}}
			defer client.CloseIdleConnections()
			for {
				select {
				case <-stop:
					return
				default:
				}
				started := time.Now()
				resp, err := client.Get(p.api + "/search?q=thank+you")
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				mu.Lock()
				outcomes = append(outcomes, outcome{started, err})
				mu.Unlock()
				if err != nil {
					time.Sleep(5 * time.Millisecond)
				}
			}
		})
	}

	time.Sleep(700 * time.Millisecond)
	signalled := time.Now()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))

	require.Eventually(t, func() bool {
		resp, err := http.Get(p.api + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	}, drain/2, 10*time.Millisecond, "/readyz must turn 503 at once after SIGTERM")

	var exitErr error
	select {
	case exitErr = <-p.exited:
		p.exited <- exitErr // for the cleanup
	case <-time.After(drain + 10*time.Second):
		t.Fatal("doc-search did not exit after SIGTERM")
	}
	exitedAt := time.Now()
	close(stop)
	wg.Wait()
	require.NoError(t, exitErr, "exit status; logs:\n%s", p.logs)
	assert.GreaterOrEqual(t, exitedAt.Sub(signalled), drain, "served through the drain delay")

	var before, during, failed int
	for _, o := range outcomes {
		switch {
		case o.started.Before(signalled):
			before++
			assert.NoError(t, o.err, "a request started %s before SIGTERM failed", signalled.Sub(o.started))
		case o.started.Before(signalled.Add(drain / 2)):
			during++
			assert.NoError(t, o.err, "a request started %s into the drain delay failed", o.started.Sub(signalled))
		case o.err != nil:
			failed++
		}
	}
	t.Logf("requests before SIGTERM: %d, in the first half of the drain: %d, refused after the listener closed: %d", before, during, failed)
	assert.Positive(t, before)
	assert.Positive(t, during)
	assert.Contains(t, p.logs.String(), `"msg":"stopped"`)

	// The log is buffered: the clean exit must still have flushed the
	// access-log line of every request served.
	succeeded, logged := 0, 0
	for _, o := range outcomes {
		if o.err == nil {
			succeeded++
		}
	}
	for _, line := range strings.Split(p.logs.String(), "\n") {
		var e struct {
			Msg     string `json:"msg"`
			Handler string `json:"handler"`
			Status  int    `json:"status"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "request" && e.Handler == "search" && e.Status == http.StatusOK {
			logged++
		}
	}
	assert.GreaterOrEqual(t, logged, succeeded, "access-log lines of successful searches")
}
