package chart

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

// This file is a small kubelet: it runs a container's startup, readiness and
// liveness probes against a real process with the semantics of
// k8s.io/kubernetes/pkg/kubelet/prober (worker.go, prober_manager.go, v1.33),
// with every second of the probe settings scaled down so a test takes seconds.

type probeKind string

const (
	startupProbe   probeKind = "startup"
	readinessProbe probeKind = "readiness"
	livenessProbe  probeKind = "liveness"
)

// probeSpec is one rendered probe, its seconds already scaled.
type probeSpec struct {
	kind         probeKind
	path         string
	port         string // the container port name, e.g. "http"
	initialDelay time.Duration
	period       time.Duration
	timeout      time.Duration
	success      int
	failure      int
}

// probeSpecs reads the container's probes, defaulting fields as the API
// server does and turning each second into one unit of scale.
func probeSpecs(t *testing.T, c corev1.Container, scale time.Duration) []probeSpec {
	t.Helper()
	var specs []probeSpec
	for _, p := range []struct {
		kind  probeKind
		probe *corev1.Probe
	}{{startupProbe, c.StartupProbe}, {readinessProbe, c.ReadinessProbe}, {livenessProbe, c.LivenessProbe}} {
		if p.probe == nil {
			continue
		}
		require.NotNil(t, p.probe.HTTPGet, "%s probe: only httpGet probes are simulated", p.kind)
		require.Equal(t, "", p.probe.HTTPGet.Host, "%s probe: host", p.kind)
		orDefault := func(v, def int32) int { // API server defaults
			if v == 0 {
				return int(def)
			}
			return int(v)
		}
		specs = append(specs, probeSpec{
			kind:         p.kind,
			path:         p.probe.HTTPGet.Path,
			port:         p.probe.HTTPGet.Port.String(),
			initialDelay: time.Duration(p.probe.InitialDelaySeconds) * scale,
			period:       time.Duration(orDefault(p.probe.PeriodSeconds, 10)) * scale,
			timeout:      time.Duration(orDefault(p.probe.TimeoutSeconds, 1)) * scale,
			success:      orDefault(p.probe.SuccessThreshold, 1),
			failure:      orDefault(p.probe.FailureThreshold, 3),
		})
	}
	return specs
}

// probeEvent is one thing the kubelet did: a probe, a state change, a restart.
type probeEvent struct {
	at        time.Duration // since the pod started
	container int           // 1 for the first container, 2 after one restart...
	kind      probeKind     // empty for a restart
	status    int           // HTTP status; 0 when the request failed
	success   bool
	note      string
}

func (e probeEvent) String() string {
	if e.kind == "" {
		return fmt.Sprintf("%8s c%d %s", e.at.Round(time.Millisecond), e.container, e.note)
	}
	return fmt.Sprintf("%8s c%d %-9s %3d success=%v %s", e.at.Round(time.Millisecond), e.container, e.kind, e.status, e.success, e.note)
}

// runningContainer is what the probes need from a started process.
type runningContainer interface {
	// port maps a container port name to the local port it listens on.
	port(name string) (int, bool)
	// stop kills the process as the kubelet does: SIGTERM, then SIGKILL after grace.
	stop(grace time.Duration)
}

// kubeletPod runs one container with restartPolicy Always and its probes.
type kubeletPod struct {
	specs []probeSpec
	start func() (runningContainer, error)
	grace time.Duration // terminationGracePeriodSeconds, scaled

	mu        sync.Mutex
	begin     time.Time
	container int
	started   bool // the startup probe succeeded (or there is none)
	ready     bool
	restarts  int
	events    []probeEvent
	changed   chan struct{} // poked on every event
	restart   chan int      // a container id the kubelet must restart
	triggerRd chan struct{} // runs the readiness probe now (prober_manager.UpdatePodStatus)
}

// podStatus is a copy of the pod's state for a stop condition.
type podStatus struct {
	ready    bool
	restarts int
	events   []probeEvent
}

func (p *kubeletPod) status() podStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return podStatus{ready: p.ready, restarts: p.restarts, events: append([]probeEvent(nil), p.events...)}
}

func (p *kubeletPod) record(e probeEvent) {
	e.at = time.Since(p.begin)
	p.events = append(p.events, e)
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// run starts the container and probes it, restarting it when its startup or
// liveness probe fails, until done says so or ctx ends. It returns the final status.
func (p *kubeletPod) run(ctx context.Context, done func(podStatus) bool) (podStatus, error) {
	p.begin = time.Now()
	p.changed = make(chan struct{}, 1)
	p.restart = make(chan int, 1)
	for {
		c, err := p.start()
		if err != nil {
			return p.status(), fmt.Errorf("starting container %d: %w", p.container+1, err)
		}
		cctx, cancel := context.WithCancel(ctx)
		p.mu.Lock()
		p.container++
		id := p.container
		p.started, p.ready = true, false
		p.triggerRd = make(chan struct{}, 1)
		var wg sync.WaitGroup
		for _, s := range p.specs {
			if s.kind == startupProbe {
				p.started = false
			}
		}
		for _, s := range p.specs {
			w := &probeWorker{pod: p, spec: s, container: id, c: c, startedAt: time.Now()}
			if s.kind == readinessProbe {
				w.trigger = p.triggerRd
			}
			wg.Add(1)
			go func() { defer wg.Done(); w.run(cctx) }()
		}
		p.mu.Unlock()

		restart := false
		for !restart {
			if st := p.status(); done(st) {
				cancel()
				wg.Wait()
				c.stop(p.grace)
				return st, nil
			}
			select {
			case <-ctx.Done():
				cancel()
				wg.Wait()
				c.stop(p.grace)
				return p.status(), ctx.Err()
			case <-p.changed:
			case rid := <-p.restart:
				restart = rid == id
			}
		}
		cancel()
		wg.Wait()
		c.stop(p.grace)
		p.mu.Lock()
		p.restarts++
		p.ready = false
		p.record(probeEvent{container: id, note: "killed and restarted"})
		p.mu.Unlock()
	}
}

// probeWorker is kubelet's prober worker for one probe of one container.
type probeWorker struct {
	pod       *kubeletPod
	spec      probeSpec
	container int
	c         runningContainer
	startedAt time.Time
	trigger   chan struct{}

	onHold     bool
	lastResult bool
	resultRun  int
}

func (w *probeWorker) run(ctx context.Context) {
	ticker := time.NewTicker(w.spec.period)
	defer ticker.Stop()
	for {
		w.doProbe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-w.trigger: // nil for all but readiness: never fires
			ticker.Reset(w.spec.period)
		}
	}
}

func (w *probeWorker) doProbe(ctx context.Context) {
	if w.onHold {
		return
	}
	if time.Since(w.startedAt) < w.spec.initialDelay {
		return
	}
	w.pod.mu.Lock()
	started := w.pod.started
	w.pod.mu.Unlock()
	if started == (w.spec.kind == startupProbe) {
		// Startup stops once started; the others wait for it.
		return
	}

	status, err := w.httpGet(ctx)
	if ctx.Err() != nil {
		return // the container is going away: not a probe result
	}
	result := err == nil && status >= http.StatusOK && status < http.StatusBadRequest
	if w.resultRun > 0 && w.lastResult == result {
		w.resultRun++
	} else {
		w.lastResult, w.resultRun = result, 1
	}
	note := ""
	if err != nil {
		note = err.Error()
	}

	p := w.pod
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record(probeEvent{container: w.container, kind: w.spec.kind, status: status, success: result, note: note})
	if (!result && w.resultRun < w.spec.failure) || (result && w.resultRun < w.spec.success) {
		return // below threshold: the result stays as it was
	}
	switch w.spec.kind {
	case startupProbe:
		if result {
			p.started = true
			p.record(probeEvent{container: w.container, note: "started"})
			select { // the status update runs readiness at once
			case p.triggerRd <- struct{}{}:
			default:
			}
		} else {
			p.requestRestart(w.container, "startup probe failed")
		}
		w.onHold, w.resultRun = true, 0
	case livenessProbe:
		if !result {
			p.requestRestart(w.container, "liveness probe failed")
			w.onHold, w.resultRun = true, 0
		}
	case readinessProbe:
		if p.ready != result {
			p.ready = result
			p.record(probeEvent{container: w.container, note: fmt.Sprintf("ready=%v", result)})
		}
	}
}

// requestRestart is called with p.mu held.
func (p *kubeletPod) requestRestart(container int, why string) {
	p.record(probeEvent{container: container, note: why})
	select {
	case p.restart <- container:
	default:
	}
}

// httpGet probes like kubelet's HTTP prober: a GET with the probe's timeout,
// no keep-alive, redirects not followed to other hosts.
func (w *probeWorker) httpGet(ctx context.Context) (int, error) {
	port, ok := w.c.port(w.spec.port)
	if !ok {
		return 0, fmt.Errorf("container has no port %q", w.spec.port)
	}
	ctx, cancel := context.WithTimeout(ctx, w.spec.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", port, w.spec.path), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", "kube-probe/1.33")
	req.Header.Set("Accept", "*/*")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	return res.StatusCode, nil
}

// probes filters events of one container and kind.
func probes(events []probeEvent, container int, kind probeKind) []probeEvent {
	var out []probeEvent
	for _, e := range events {
		if e.container == container && e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func eventLog(events []probeEvent) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}
