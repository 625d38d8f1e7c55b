//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	"github.com/argoproj/gitops-engine/pkg/health"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/doc-search/gitops/test/e2e/stack"
)

// Proofs collects one line per point of what the end-to-end test proves on
// a real node, printed together when the tests end (TestMain).
var proofs = struct {
	sync.Mutex
	lines map[string]string
}{lines: map[string]string{}}

// proved records the figure measured for a point ("2", "6" ...).
func proved(t *testing.T, point, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Logf("point %s: %s", point, line)
	proofs.Lock()
	defer proofs.Unlock()
	proofs.lines[point] = line
}

func TestMain(m *testing.M) {
	code := m.Run()
	proofs.Lock()
	points := make([]string, 0, len(proofs.lines))
	for p := range proofs.lines {
		points = append(points, p)
	}
	sort.Strings(points)
	if len(points) > 0 {
		fmt.Println("end-to-end proofs on a real node:")
	}
	for _, p := range points {
		fmt.Printf("  point %s: %s\n", p, proofs.lines[p])
	}
	if len(points) > 0 {
		fmt.Println("  points 5 and 7: not proven here: the stack runs no Prometheus (kube-prometheus-stack is left out of the served clone)")
	}
	proofs.Unlock()
	os.Exit(code)
}

// healthy holds when Argo CD reports the Application Healthy: with a node,
// a Deployment is Healthy only once its Pods are Ready.
func healthy(a *v1alpha1.Application) bool {
	return a.Status.Health.Status == health.HealthStatusHealthy
}

// waitRolledOut waits until the Deployment runs only Pods of its current
// template, all Ready, with image; it returns how long that took.
func (e *env) waitRolledOut(ns, name, image string, timeout time.Duration) time.Duration {
	e.t.Helper()
	begin := time.Now()
	var last string
	for time.Since(begin) < timeout {
		require.NoError(e.t, e.stack.Healthy())
		d, err := e.stack.Kube.AppsV1().Deployments(ns).Get(e.ctx, name, metav1.GetOptions{})
		require.NoError(e.t, err)
		last = rolloutState(d)
		if last == "" && d.Spec.Template.Spec.Containers[0].Image == image {
			pods := e.pods(ns, d)
			ready := 0
			for _, p := range pods {
				if podReady(&p) && p.DeletionTimestamp == nil && p.Spec.Containers[0].Image == image {
					ready++
				}
			}
			if ready == len(pods) && int32(ready) == *d.Spec.Replicas {
				return time.Since(begin)
			}
			last = fmt.Sprintf("%d of %d Pods Ready with %s", ready, len(pods), image)
		}
		time.Sleep(250 * time.Millisecond)
	}
	e.t.Fatalf("Deployment %s/%s not rolled out to %s within %s: %s", ns, name, image, timeout, last)
	return 0
}

// rolloutState is empty once the controller has rolled the Deployment out
// completely, else what is still missing.
func rolloutState(d *appsv1.Deployment) string {
	st := d.Status
	want := *d.Spec.Replicas
	switch {
	case st.ObservedGeneration < d.Generation:
		return "generation not observed yet"
	case st.UpdatedReplicas != want, st.ReadyReplicas != want, st.AvailableReplicas != want, st.Replicas != want:
		return fmt.Sprintf("replicas %d updated %d ready %d available %d of %d", st.Replicas, st.UpdatedReplicas, st.ReadyReplicas, st.AvailableReplicas, want)
	}
	return ""
}

// pods lists the Pods a Deployment selects.
func (e *env) pods(ns string, d *appsv1.Deployment) []corev1.Pod {
	e.t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	require.NoError(e.t, err)
	list, err := e.stack.Kube.CoreV1().Pods(ns).List(e.ctx, metav1.ListOptions{LabelSelector: sel.String()})
	require.NoError(e.t, err)
	return list.Items
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// client is an HTTP client whose connections start in the stack's network
// namespace, outside the node's Pod network: it reaches the cluster only
// through the node address, as a user's machine reaches a NodePort.
func (e *env) client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DialContext: e.stack.DialContext, MaxIdleConnsPerHost: 16},
		Timeout:   5 * time.Second,
	}
}

// nodeURL is http://<node address>:<node port of the Service's http port>.
func (e *env) nodeURL(ns, service string) string {
	e.t.Helper()
	svc, err := e.stack.Kube.CoreV1().Services(ns).Get(e.ctx, service, metav1.GetOptions{})
	require.NoError(e.t, err)
	for _, p := range svc.Spec.Ports {
		if p.Name == "http" && p.NodePort != 0 {
			return fmt.Sprintf("http://%s:%d", stack.NodeIP, p.NodePort)
		}
	}
	e.t.Fatalf("Service %s/%s has no node port on its http port (type %s)", ns, service, svc.Spec.Type)
	return ""
}

// search asks doc-search for q and returns the documents it answered.
func search(c *http.Client, base, q string) ([]string, error) {
	resp, err := c.Get(base + "/search?q=" + strings.ReplaceAll(q, " ", "+"))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /search?q=%s: %s: %s", q, resp.Status, body)
	}
	var answer struct{ Results []string }
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, fmt.Errorf("GET /search?q=%s: %w: %s", q, err, body)
	}
	return answer.Results, nil
}

// load sends searches without pause from a few clients until stopped,
// counting every request and every failure (a transport error or any
// status but 200).
type load struct {
	sent, failed atomic.Int64
	stop         chan struct{}
	done         sync.WaitGroup
	mu           sync.Mutex
	errors       []string // the first few failures
}

func (e *env) startLoad(base string, clients int) *load {
	l := &load{stop: make(chan struct{})}
	c := e.client()
	for i := 0; i < clients; i++ {
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				l.sent.Add(1)
				if _, err := search(c, base, "thank you"); err != nil {
					l.failed.Add(1)
					l.mu.Lock()
					if len(l.errors) < 5 {
						l.errors = append(l.errors, err.Error())
					}
					l.mu.Unlock()
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	return l
}

// finish stops the load and returns requests sent and failed.
func (l *load) finish() (sent, failed int64, errs []string) {
	close(l.stop)
	l.done.Wait()
	return l.sent.Load(), l.failed.Load(), l.errors
}

// containerProcess is what the kernel says of a container's first
// process: the security context as it is really applied.
type containerProcess struct {
	uid, gid     string
	noNewPrivs   string
	seccomp      string // 2: filter mode
	capEff       string // effective capabilities, hex
	rootReadOnly bool
	hasShell     bool
}

func (e *env) inspectContainer(pod *corev1.Pod) containerProcess {
	e.t.Helper()
	require.NotEmpty(e.t, pod.Status.ContainerStatuses, "Pod %s has no container status", pod.Name)
	pid, err := e.stack.ContainerPID(e.ctx, pod.Status.ContainerStatuses[0].ContainerID)
	require.NoError(e.t, err)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(e.t, err)
	fields := map[string]string{}
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.Fields(v + " -")[0]
		}
	}
	p := containerProcess{uid: fields["Uid"], gid: fields["Gid"], noNewPrivs: fields["NoNewPrivs"], seccomp: fields["Seccomp"], capEff: fields["CapEff"]}
	mountinfo, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	require.NoError(e.t, err)
	for _, line := range strings.Split(string(mountinfo), "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && f[4] == "/" {
			p.rootReadOnly = strings.HasPrefix(f[5], "ro")
		}
	}
	for _, sh := range []string{"bin/sh", "bin/bash", "usr/bin/sh", "busybox"} {
		if _, err := os.Lstat(filepath.Join(fmt.Sprintf("/proc/%d/root", pid), sh)); err == nil {
			p.hasShell = true
		}
	}
	return p
}

// assertRestricted checks that the chart's restricted security context is
// what the kernel applies to the doc-search container.
func (e *env) assertRestricted(pod *corev1.Pod) {
	e.t.Helper()
	p := e.inspectContainer(pod)
	assert.Equal(e.t, "65532", p.uid, "container uid")
	assert.Equal(e.t, "65532", p.gid, "container gid")
	assert.Equal(e.t, "1", p.noNewPrivs, "allowPrivilegeEscalation: false")
	assert.Equal(e.t, "2", p.seccomp, "seccompProfile RuntimeDefault")
	assert.Equal(e.t, "0000000000000000", p.capEff, "capabilities drop ALL")
	assert.True(e.t, p.rootReadOnly, "readOnlyRootFilesystem")
	assert.False(e.t, p.hasShell, "the image has a shell")
}

// restarts is the doc-search container's restart count summed over the
// Deployment's Pods.
func restarts(pods []corev1.Pod) int32 {
	var n int32
	for _, p := range pods {
		for _, c := range p.Status.ContainerStatuses {
			n += c.RestartCount
		}
	}
	return n
}

// podEvents lists the reasons and messages of the events of a Pod.
func (e *env) podEvents(pod *corev1.Pod) []string {
	e.t.Helper()
	list, err := e.stack.Kube.CoreV1().Events(pod.Namespace).List(e.ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.name=" + pod.Name,
	})
	require.NoError(e.t, err)
	var out []string
	for _, ev := range list.Items {
		out = append(out, ev.Reason+": "+ev.Message)
	}
	return out
}

// newestPods are the Pods of the Deployment's newest ReplicaSet.
func (e *env) newestPods(ns string, d *appsv1.Deployment) []corev1.Pod {
	e.t.Helper()
	rsList, err := e.stack.Kube.AppsV1().ReplicaSets(ns).List(e.ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(d.Spec.Selector.MatchLabels).String(),
	})
	require.NoError(e.t, err)
	var newest *appsv1.ReplicaSet
	best := -1
	for i := range rsList.Items {
		rs := &rsList.Items[i]
		rev, _ := strconv.Atoi(rs.Annotations["deployment.kubernetes.io/revision"])
		if rev > best {
			best, newest = rev, rs
		}
	}
	require.NotNil(e.t, newest, "Deployment %s/%s has no ReplicaSet", ns, d.Name)
	var out []corev1.Pod
	for _, p := range e.pods(ns, d) {
		if p.Labels["pod-template-hash"] == newest.Labels["pod-template-hash"] {
			out = append(out, p)
		}
	}
	return out
}

// waitFor polls cond every 250ms; on timeout it fails saying what.
func (e *env) waitFor(what string, timeout time.Duration, cond func() (bool, string)) time.Duration {
	e.t.Helper()
	begin := time.Now()
	var last string
	for time.Since(begin) < timeout {
		require.NoError(e.t, e.stack.Healthy())
		var ok bool
		if ok, last = cond(); ok {
			return time.Since(begin)
		}
		time.Sleep(250 * time.Millisecond)
	}
	e.t.Fatalf("%s not reached within %s: %s", what, timeout, last)
	return 0
}
