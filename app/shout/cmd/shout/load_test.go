package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/shout/internal/redistest"
	"github.com/doc-search/gitops/app/shout/internal/shout"
	"github.com/doc-search/gitops/app/shout/internal/shoutcloudtest"
)

// TestLoad_LeavesNoGoroutinesOrConnections runs 1,000 requests from 20
// clients over 30 texts through the whole service, then closes it: every
// goroutine it started must be gone, and neither the upstream nor Redis may
// still hold a connection of it.
func TestLoad_LeavesNoGoroutinesOrConnections(t *testing.T) {
	redis := redistest.Start(t)
	up := shoutcloudtest.New()
	defer up.Close()
	up.Set(shoutcloudtest.Behaviour{Delay: 2 * time.Millisecond})
	baseline := goleak.IgnoreCurrent()

	cfg, err := parseConfig([]string{"--upstream", up.URL, "--redis", redis.Addr}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	a, err := newApp(cfg, service.NewLogger(io.Discard, "error"), buildinfo.Info{})
	require.NoError(t, err)
	srv := httptest.NewServer(a.server.Handler())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 20}}

	const workers, perWorker, texts = 20, 50, 30
	var wg sync.WaitGroup
	failures := make(chan string, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				text := fmt.Sprintf("text %d ü", (w*perWorker+i)%texts)
				resp, err := client.Post(srv.URL, "application/json", strings.NewReader(`{"data":`+strconv.Quote(text)+`}`))
				if err != nil {
					failures <- err.Error()
					continue
				}
				var got map[string]string
				err = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if want := strings.ToUpper(shout.Reverse(text)); err != nil || resp.StatusCode != http.StatusOK || got["data"] != want {
					failures <- fmt.Sprintf("%q: status %d, %v, err %v", text, resp.StatusCode, got, err)
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	assert.EqualValues(t, texts, up.Calls(), "one upstream call per distinct text: the rest are cached or shared")

	client.CloseIdleConnections()
	srv.Close()
	a.Close()
	assert.Eventually(t, func() bool { return up.OpenConns() == 0 }, 5*time.Second, 10*time.Millisecond,
		"connections to the upstream closed (open: %d)", up.OpenConns())
	connected := regexp.MustCompile(`connected_clients:(\d+)`)
	assert.Eventually(t, func() bool {
		info, err := redis.Do("INFO", "clients")
		if err != nil {
			return false
		}
		m := connected.FindStringSubmatch(fmt.Sprint(info))
		return m != nil && m[1] == "1" // the INFO connection itself
	}, 5*time.Second, 10*time.Millisecond, "connections to Redis closed")
	goleak.VerifyNone(t, baseline)
}
