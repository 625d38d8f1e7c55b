package chart

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// probeScale is what one second of the rendered settings lasts here.
const probeScale = 100 * time.Millisecond

// slowStartPod renders the chart, then sets up the rendered container's
// probes and process for the simulated kubelet.
func slowStartPod(t *testing.T, sets ...string) (*kubeletPod, func() []*docSearchProcess) {
	t.Helper()
	bin := needDocSearch(t)
	d := deployment(t, mustRender(t, renderOptions{}, sets...))
	c := appContainer(t, d)
	require.NotNil(t, d.Spec.Template.Spec.TerminationGracePeriodSeconds)
	var started []*docSearchProcess
	pod := &kubeletPod{
		specs: probeSpecs(t, c, probeScale),
		grace: time.Duration(*d.Spec.Template.Spec.TerminationGracePeriodSeconds) * probeScale,
	}
	pod.start = func() (runningContainer, error) {
		p, err := startDocSearch(bin, c, probeScale)
		if err == nil {
			started = append(started, p)
		}
		return p, err
	}
	t.Cleanup(func() {
		for _, p := range started {
			p.stop(0)
		}
		t.Logf("kubelet events (1 s = %s):\n%s", probeScale, eventLog(pod.status().events))
		if t.Failed() {
			for i, p := range started {
				t.Logf("container %d log:\n%s", i+1, p.output())
			}
		}
	})
	return pod, func() []*docSearchProcess { return started }
}

func startupSpec(t *testing.T, pod *kubeletPod) probeSpec {
	t.Helper()
	for _, s := range pod.specs {
		if s.kind == startupProbe {
			return s
		}
	}
	t.Fatal("no startup probe rendered")
	return probeSpec{}
}

func TestSlowStart_DefaultBudgetBecomesReadyWithoutRestart(t *testing.T) {
	// A 20 s index build (2 s here): far inside the default budget.
	pod, _ := slowStartPod(t, "startup.delay=20s")
	startup := startupSpec(t, pod)
	budget := startup.period * time.Duration(startup.failure)

	ctx, cancel := context.WithTimeout(context.Background(), budget+10*time.Second)
	defer cancel()
	st, err := pod.run(ctx, func(s podStatus) bool { return s.ready || s.restarts > 0 })
	require.NoError(t, err, "neither ready nor restarted within the startup budget")

	assert.True(t, st.ready)
	assert.Zero(t, st.restarts)
	starts := probes(st.events, 1, startupProbe)
	require.NotEmpty(t, starts)
	assert.False(t, starts[0].success, "the index takes time: /readyz must fail at first")
	assert.True(t, starts[len(starts)-1].success)
	assert.Less(t, len(starts), startup.failure, "started inside the budget")

	// Startup gates the others: no readiness or liveness probe before it succeeded.
	startedAt := starts[len(starts)-1].at
	for _, kind := range []probeKind{readinessProbe, livenessProbe} {
		for _, e := range probes(st.events, 1, kind) {
			assert.GreaterOrEqual(t, e.at, startedAt, "%s probe before the container started", kind)
		}
	}
	ready := probes(st.events, 1, readinessProbe)
	require.NotEmpty(t, ready)
	assert.True(t, ready[len(ready)-1].success)
}

func TestSlowStart_BudgetShorterThanTheDelayRestartsTheContainer(t *testing.T) {
	// The index takes over 60 s (6 s here) but the budget is 10 s: the kubelet
	// gives up and restarts the container, before it was ever ready.
	pod, _ := slowStartPod(t, "startup.delay=60s", "startup.maxSeconds=10")
	startup := startupSpec(t, pod)
	require.Equal(t, 2, startup.failure)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := pod.run(ctx, func(s podStatus) bool { return s.ready || s.restarts > 0 })
	require.NoError(t, err)

	assert.Equal(t, 1, st.restarts)
	assert.False(t, st.ready)
	starts := probes(st.events, 1, startupProbe)
	require.Len(t, starts, startup.failure, "exactly failureThreshold startup probes, then the restart")
	for _, e := range starts {
		assert.False(t, e.success)
		assert.Equal(t, http.StatusServiceUnavailable, e.status, "the process answers, its index is not built yet")
	}
	assert.Empty(t, probes(st.events, 1, readinessProbe), "never probed for readiness: never started")
	assert.Empty(t, probes(st.events, 1, livenessProbe), "never probed for liveness: never started")
}

// A process that stops answering (frozen with SIGSTOP) is taken out of the
// Service by its readiness probe well before its liveness probe restarts it.
func TestLiveness_FrozenProcessLeavesServiceThenRestarts(t *testing.T) {
	pod, processes := slowStartPod(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	frozen := false
	st, err := pod.run(ctx, func(s podStatus) bool {
		if s.ready && !frozen {
			require.NoError(t, processes()[0].cmd.Process.Signal(syscall.SIGSTOP))
			frozen = true
		}
		return s.restarts > 0
	})
	require.NoError(t, err)
	require.True(t, frozen, "never became ready")
	assert.Equal(t, 1, st.restarts)

	unready, livenessFailed := -1, -1
	for i, e := range st.events {
		switch {
		case e.container == 1 && e.kind == "" && e.note == "ready=false" && unready < 0:
			unready = i
		case e.container == 1 && e.kind == "" && e.note == "liveness probe failed":
			livenessFailed = i
		}
	}
	require.GreaterOrEqual(t, unready, 0, "readiness never turned false")
	require.GreaterOrEqual(t, livenessFailed, 0, "liveness never failed")
	assert.Less(t, unready, livenessFailed, "out of the Service before the restart")
	live := probes(st.events, 1, livenessProbe)
	require.GreaterOrEqual(t, len(live), 3)
	for _, e := range live[len(live)-3:] {
		assert.False(t, e.success, "the last failureThreshold liveness probes failed")
		assert.Zero(t, e.status, "timed out: no HTTP answer from a frozen process")
	}
}

// After SIGTERM the pod keeps serving while /readyz says 503 for the drain
// delay, then exits, all inside terminationGracePeriodSeconds: the kubelet
// never needs its SIGKILL.
func TestShutdown_DrainsThenExitsWithinGracePeriod(t *testing.T) {
	bin := needDocSearch(t)
	const scale = 500 * time.Millisecond // roomier than the probes: this one times an exit
	d := deployment(t, mustRender(t, renderOptions{}))
	c := appContainer(t, d)
	grace := time.Duration(*d.Spec.Template.Spec.TerminationGracePeriodSeconds) * scale
	drainEnv, ok := envValue(c, "DOCSEARCH_DRAIN_DELAY")
	require.True(t, ok)
	drain, err := time.ParseDuration(drainEnv)
	require.NoError(t, err)
	drain = scaled(drain, scale)

	p, err := startDocSearch(bin, c, scale)
	require.NoError(t, err)
	t.Cleanup(func() {
		p.stop(0)
		if t.Failed() {
			t.Logf("doc-search log:\n%s", p.output())
		}
	})
	port, ok := p.port("http")
	require.True(t, ok)
	get := func(path string) int {
		res, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + path)
		if err != nil {
			return 0
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}
	require.Eventually(t, func() bool { return get("/readyz") == http.StatusOK }, 10*time.Second, 20*time.Millisecond)

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	sigterm := time.Now()
	assert.Eventually(t, func() bool { return get("/readyz") == http.StatusServiceUnavailable }, drain, 10*time.Millisecond,
		"readiness off during the drain")
	assert.Equal(t, http.StatusOK, get("/search?q=hello+world"), "still serving during the drain")

	select {
	case err := <-p.exit:
		p.exit <- err
		took := time.Since(sigterm)
		assert.NoError(t, err, "clean exit")
		assert.GreaterOrEqual(t, took, drain, "exited before the drain delay was over")
		assert.Less(t, took, grace, "the kubelet would have sent SIGKILL")
	case <-time.After(grace):
		t.Fatalf("still running after terminationGracePeriodSeconds (%s here): the kubelet would SIGKILL it", grace)
	}
}
