//go:build e2e

package stack

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestNode_RunsAPodAndCleansUp: the node alone (no Argo CD) comes up,
// runs a Pod of an imported image to Ready, and leaves no network
// namespace or cgroup behind once stopped.
func TestNode_RunsAPodAndCleansUp(t *testing.T) {
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	dir := t.TempDir()
	pause := filepath.Join(dir, "pause")
	cmd := exec.Command("go", "build", "-trimpath", "-o", pause, "./test/e2e/images/pause")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	const image = "registry.invalid/e2e/sleeper:1"
	require.NoError(t, WriteImage(Image{Refs: []string{PauseImage}, Binary: pause, Path: "/pause", User: "65535:65535"}, filepath.Join(dir, "pause.tar")))
	require.NoError(t, WriteImage(Image{Refs: []string{image}, Binary: pause, Path: "/usr/local/bin/sleeper", User: "65532:65532"}, filepath.Join(dir, "sleeper.tar")))

	ctx := context.Background()
	netns, err := NewNetns(ctx)
	require.NoError(t, err)
	s := &Stack{cfg: Config{
		BinDir: filepath.Join(root, ".cache", "e2e", "bin"), WorkDir: filepath.Join(dir, "work"), LogDir: filepath.Join(dir, "logs"),
		Node: true, Images: []string{filepath.Join(dir, "pause.tar"), filepath.Join(dir, "sleeper.tar")}, Logf: t.Logf,
	}, netns: netns}
	require.NoError(t, os.MkdirAll(s.cfg.WorkDir, 0o755))
	require.NoError(t, os.MkdirAll(s.cfg.LogDir, 0o755))
	stopped := false
	defer func() {
		if t.Failed() {
			t.Log(s.LogTails(30))
			t.Log(s.DescribeUnreadyPods(ctx))
		}
		if !stopped {
			s.Stop()
		}
	}()
	begin := time.Now()
	for _, start := range []func(context.Context) error{s.startEtcd, s.startAPIServer, s.startControllerManager, s.startNodeIfAsked} {
		require.NoError(t, start(ctx))
	}
	t.Logf("control plane and node Ready in %s", time.Since(begin).Round(time.Millisecond))

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "sleeper", Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "sleeper", Image: image, ImagePullPolicy: corev1.PullNever}}},
	}
	// The default ServiceAccount comes a moment after the namespace.
	require.Eventually(t, func() bool {
		_, err := s.Kube.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
		return err == nil
	}, 30*time.Second, 200*time.Millisecond)
	begin = time.Now()
	require.Eventually(t, func() bool {
		p, err := s.Kube.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && podReady(p)
	}, 90*time.Second, 200*time.Millisecond, "Pod not Ready")
	t.Logf("Pod Ready %s after its creation", time.Since(begin).Round(time.Millisecond))
	rss, err := s.NodeRSS()
	require.NoError(t, err)
	t.Logf("node RSS with one Pod: %d MiB", rss>>20)

	cgroup := s.node.cgroupRoot
	s.Stop()
	stopped = true
	_, err = os.Stat(filepath.Join("/var/run/netns", netns.Name))
	require.ErrorIs(t, err, os.ErrNotExist, "network namespace left behind")
	require.NoError(t, forEachCgroupHierarchy(func(h string) error {
		_, err := os.Stat(h + cgroup)
		if err == nil {
			t.Errorf("cgroup %s%s left behind", h, cgroup)
		}
		return nil
	}))
}
