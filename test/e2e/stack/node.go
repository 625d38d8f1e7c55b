package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubectl/pkg/describe"
)

// NodeName is the one node's name; the kubelet's credentials are the Node
// authorizer's system:node:<NodeName>.
const NodeName = "e2e-node"

// hostSysctls are the host-wide settings the kubelet changes at start (it
// "protects kernel defaults" by setting them); the node puts back what it
// found.
var hostSysctls = []string{"vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops"}

// node is the stack's one worker: containerd with runc and the CNI bridge,
// the kubelet, kube-proxy, CoreDNS and kube-scheduler, all in the stack's
// network namespace but sharing the host's mount namespace.
type node struct {
	dir        string            // state of containerd, the kubelet and CNI
	cgroupRoot string            // cgroup of every Pod, one per stack so stacks never meet
	sysctls    map[string]string // host values before the kubelet started
	containerd *process
}

func (n *node) path(name string) string { return filepath.Join(n.dir, name) }

func (n *node) socket() string { return n.path("containerd.sock") }

// ctr runs containerd's client on the node's containerd, in the namespace
// the CRI plugin uses.
func (n *node) ctr(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "ctr", append([]string{"--address", n.socket(), "--namespace", "k8s.io"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

// startNode starts containerd, imports the images, and starts CoreDNS,
// the scheduler, the kubelet and kube-proxy, then waits for the node to be
// Ready.
func (s *Stack) startNode(ctx context.Context) error {
	n := &node{dir: s.path("node"), cgroupRoot: "/" + s.netns.Name, sysctls: map[string]string{}}
	s.node = n
	for _, k := range hostSysctls {
		out, err := exec.Command("sysctl", "-n", k).Output()
		if err != nil {
			return fmt.Errorf("reading sysctl %s: %w", k, err)
		}
		n.sysctls[k] = strings.TrimSpace(string(out))
	}
	// The kubelet needs its cgroup root to exist in every hierarchy.
	if err := forEachCgroupHierarchy(func(dir string) error { return os.MkdirAll(dir+n.cgroupRoot, 0o755) }); err != nil {
		return fmt.Errorf("creating cgroup %s: %w", n.cgroupRoot, err)
	}
	for _, dir := range []string{"cni/net.d", "kubelet", "pod-logs", "volume-plugins"} {
		if err := os.MkdirAll(n.path(dir), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	files := map[string]string{
		"containerd.toml":           n.containerdConfig(),
		"cni/net.d/10-e2e.conflist": n.cniConfig(),
		"kubelet.yaml":              n.kubeletConfig(),
		"kube-proxy.yaml":           n.kubeProxyConfig(s.kubeconfigFor("kube-proxy")),
		"resolv.conf":               "nameserver " + ClusterDNS + "\n",
		"Corefile":                  corefile(s.Kubeconfig),
	}
	for name, data := range files {
		if err := os.WriteFile(n.path(name), []byte(data), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}

	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"containerd", s.startContainerd},
		{"images", s.importImages},
		{"coredns", s.startCoreDNS},
		{"kube-scheduler", s.startScheduler},
		{"kubelet", s.startKubelet},
		{"kube-proxy", s.startKubeProxy},
	}
	for _, step := range steps {
		begin := time.Now()
		if err := step.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
		s.cfg.Logf("stack: node: %s ready in %s", step.name, time.Since(begin).Round(time.Millisecond))
	}
	return nil
}

func (s *Stack) startContainerd(ctx context.Context) error {
	p, err := s.start("containerd", nil, "", "containerd", "--config", s.node.path("containerd.toml"))
	if err != nil {
		return err
	}
	s.node.containerd = p
	return waitFor(ctx, p, 30*time.Second, func(ctx context.Context) error {
		_, err := s.node.ctr(ctx, "version")
		return err
	})
}

// importImages imports the image tarballs of Config.Images: nothing can be
// pulled here, so every image a Pod names must be there beforehand.
func (s *Stack) importImages(ctx context.Context) error {
	for _, img := range s.cfg.Images {
		if err := s.node.importImage(ctx, img); err != nil {
			return err
		}
	}
	return nil
}

// importImage imports a tarball and names each of its images also
// repository@digest, so that a Pod may name it by digest as a promotion
// to prod does.
func (n *node) importImage(ctx context.Context, tarball string) error {
	if _, err := n.ctr(ctx, "images", "import", tarball); err != nil {
		return fmt.Errorf("importing %s: %w", tarball, err)
	}
	images, err := n.images(ctx)
	if err != nil {
		return err
	}
	for ref, digest := range images {
		repo, _, ok := strings.Cut(ref, ":")
		if !ok || strings.Contains(ref, "@") || strings.HasPrefix(ref, "sha256:") {
			continue
		}
		if _, ok := images[repo+"@"+digest]; ok {
			continue
		}
		if _, err := n.ctr(ctx, "images", "tag", ref, repo+"@"+digest); err != nil {
			return fmt.Errorf("naming %s by digest: %w", ref, err)
		}
	}
	return nil
}

// images maps every image name containerd has to its manifest digest.
func (n *node) images(ctx context.Context) (map[string]string, error) {
	out, err := n.ctr(ctx, "images", "ls")
	if err != nil {
		return nil, err
	}
	images := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.HasPrefix(f[2], "sha256:") {
			images[f[0]] = f[2]
		}
	}
	return images, nil
}

// ImageDigest returns the manifest digest containerd has for the image
// ref: a Pod may name the image repository@digest.
func (s *Stack) ImageDigest(ctx context.Context, ref string) (string, error) {
	if s.node == nil {
		return "", errors.New("the stack runs no node")
	}
	images, err := s.node.images(ctx)
	if err != nil {
		return "", err
	}
	digest, ok := images[ref]
	if !ok {
		return "", fmt.Errorf("image %s not in containerd (has %v)", ref, sortedKeys(images))
	}
	return digest, nil
}

func (s *Stack) startCoreDNS(ctx context.Context) error {
	p, err := s.start("coredns", nil, "", s.bin("coredns"), "-conf", s.node.path("Corefile"))
	if err != nil {
		return err
	}
	return waitFor(ctx, p, 30*time.Second, s.tcpReady(ClusterDNS+":53"))
}

func (s *Stack) startScheduler(ctx context.Context) error {
	kubeconfig := s.kubeconfigFor("kube-scheduler")
	p, err := s.start("kube-scheduler", nil, "", s.bin("kube-scheduler"),
		"--kubeconfig", kubeconfig,
		"--authentication-kubeconfig", kubeconfig,
		"--authorization-kubeconfig", kubeconfig,
		"--leader-elect=false",
		"--bind-address", "127.0.0.1",
		"--secure-port", "10259",
	)
	if err != nil {
		return err
	}
	return waitFor(ctx, p, 60*time.Second, s.tcpReady("127.0.0.1:10259"))
}

func (s *Stack) startKubelet(ctx context.Context) error {
	n := s.node
	p, err := s.start("kubelet", nil, "", s.bin("kubelet"),
		"--config", n.path("kubelet.yaml"),
		"--kubeconfig", s.kubeconfigFor("kubelet"),
		"--root-dir", n.path("kubelet"),
		"--cert-dir", n.path("kubelet/pki"),
		"--hostname-override", NodeName,
		"--node-ip", NodeIP,
	)
	if err != nil {
		return err
	}
	return waitFor(ctx, p, 90*time.Second, func(ctx context.Context) error {
		node, err := s.Kube.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("node %s not Ready", NodeName)
	})
}

func (s *Stack) startKubeProxy(ctx context.Context) error {
	p, err := s.start("kube-proxy", nil, "", s.bin("kube-proxy"), "--config", s.node.path("kube-proxy.yaml"))
	if err != nil {
		return err
	}
	return waitFor(ctx, p, 60*time.Second, s.tcpReady("127.0.0.1:10256"))
}

func (n *node) containerdConfig() string {
	return fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
[grpc]
  address = %[3]q
[ttrpc]
  address = %[4]q
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = %[5]q
[plugins."io.containerd.grpc.v1.cri"]
  # Imported from a tarball, never pulled.
  sandbox_image = %[6]q
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # Root here may lack CAP_SYS_RESOURCE; without this runc fails to create
  # any sandbox ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %[7]q
`, n.path("containerd/root"), n.path("containerd/state"), n.socket(), n.socket()+".ttrpc",
		n.path("containerd/opt"), PauseImage, n.path("cni/net.d"))
}

// cniConfig: one bridge with host-local addresses, and portmap for
// hostPorts; containerd adds loopback itself.
func (n *node) cniConfig() string {
	return fmt.Sprintf(`{"cniVersion": "1.0.0", "name": "e2e", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": %q, "ranges": [[{"subnet": %q}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
`, n.path("cni/ipam"), PodCIDR)
}

// kubeletConfig: cgroup v1 with cgroupfs, anonymous access to the kubelet
// API (the API server's logs and exec reach it without a client
// certificate), and image garbage collection off (nothing could be pulled
// back).
func (n *node) kubeletConfig() string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: %s
containerRuntimeEndpoint: unix://%s
address: %s
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: [%s]
resolvConf: %s
podLogsDir: %s
volumePluginDir: %s
failSwapOn: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "2%%", imagefs.available: "2%%", nodefs.inodesFree: "2%%"}
maxPods: 40
`, n.cgroupRoot, n.socket(), NodeIP, ClusterDNS, n.path("resolv.conf"), n.path("pod-logs"), n.path("volume-plugins"))
}

// kubeProxyConfig: iptables mode, NodePorts on the node address only, and
// conntrack left as the host has it (maxPerCore 0).
func (n *node) kubeProxyConfig(kubeconfig string) string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: %s}
hostnameOverride: %s
clusterCIDR: %s
bindAddress: %s
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["%s/32"]
conntrack: {maxPerCore: 0}
`, kubeconfig, NodeName, PodCIDR, NodeIP, NodeIP)
}

// corefile: cluster names only; there is no upstream to forward to. CoreDNS
// reads the cluster with the admin's kubeconfig (in a real cluster, its
// own service account).
func corefile(kubeconfig string) string {
	return fmt.Sprintf(`.:53 {
  bind %s
  errors
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig %s e2e
    pods insecure
  }
}
`, ClusterDNS, kubeconfig)
}

// drainNode deletes every Pod while the kubelet still runs, so that it
// tears their sandboxes down (CNI DEL, unmounts) itself. The controller
// manager is stopped first so that nothing makes new ones.
func (s *Stack) drainNode() {
	for _, p := range s.procs {
		if p.name == "kube-controller-manager" {
			p.stop(10 * time.Second)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	grace := int64(1)
	nss, err := s.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		s.cfg.Logf("stack: node: listing namespaces: %v", err)
		return
	}
	for _, ns := range nss.Items {
		err := s.Kube.CoreV1().Pods(ns.Name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &grace}, metav1.ListOptions{})
		if err != nil {
			s.cfg.Logf("stack: node: deleting Pods of %s: %v", ns.Name, err)
		}
	}
	for ctx.Err() == nil {
		pods, err := s.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err == nil && len(pods.Items) == 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	s.cfg.Logf("stack: node: Pods still there after 60s; their containers are killed through containerd")
}

// removeContainers kills and deletes whatever containers are left, while
// containerd still runs.
func (s *Stack) removeContainers() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := s.node
	list := func(what string) []string {
		out, err := n.ctr(ctx, what, "ls", "-q")
		if err != nil {
			return nil
		}
		return strings.Fields(string(out))
	}
	for _, t := range list("tasks") {
		_, _ = n.ctr(ctx, "tasks", "kill", "--signal", "SIGKILL", t)
	}
	for _, t := range list("tasks") {
		_, _ = n.ctr(ctx, "tasks", "delete", "--force", t)
	}
	for _, c := range list("containers") {
		_, _ = n.ctr(ctx, "containers", "delete", c)
	}
}

// cleanHost removes what the node leaves on the host once every process
// has stopped: mounts under its folder, the Pods' network namespaces, its
// cgroups, and the sysctls the kubelet changed.
func (s *Stack) cleanHost() {
	n := s.node
	var errs []error
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		errs = append(errs, err)
	}
	var points []string
	for _, line := range strings.Split(string(mounts), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], n.dir+"/") {
			points = append(points, f[1])
		}
	}
	// Deepest first, so that a mount inside another goes before it.
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, m := range points {
		if out, err := exec.Command("umount", "-l", m).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("umount %s: %w: %s", m, err, out))
		}
	}
	errs = append(errs, forEachCgroupHierarchy(func(dir string) error {
		return removeCgroupTree(dir + n.cgroupRoot)
	}))
	for k, v := range n.sysctls {
		if out, err := exec.Command("sysctl", "-qw", k+"="+v).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("restoring sysctl %s=%s: %w: %s", k, v, err, out))
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.cfg.Logf("stack: node: cleaning the host: %v", err)
	}
}

// forEachCgroupHierarchy calls fn with the root of each mounted cgroup
// hierarchy (v1 and, on a hybrid host, the unified one; or the one tree of
// cgroup v2).
func forEachCgroupHierarchy(fn func(dir string) error) error {
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		return fn("/sys/fs/cgroup")
	}
	entries, err := os.ReadDir("/sys/fs/cgroup")
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		dir := filepath.Join("/sys/fs/cgroup", e.Name())
		// Symlinks (cpu -> cpu,cpuacct) name a hierarchy twice; unified
		// is the cgroup v2 tree of a hybrid host, which runc uses too.
		if !e.IsDir() {
			continue
		}
		errs = append(errs, fn(dir))
	}
	return errors.Join(errs...)
}

// removeCgroupTree removes a cgroup and its children, deepest first; a
// cgroup is removed with rmdir, never with its (virtual) files.
func removeCgroupTree(dir string) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	var errs []error
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Remove(dirs[i]); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, err)...)
}

// DescribeUnreadyPods is `kubectl describe pod` of every Pod that is not
// Ready, with its events, for a failure report.
func (s *Stack) DescribeUnreadyPods(ctx context.Context) string {
	pods, err := s.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Sprintf("(listing Pods: %v)", err)
	}
	describer := describe.PodDescriber{Interface: s.Kube}
	var b strings.Builder
	for _, pod := range pods.Items {
		if podReady(&pod) {
			continue
		}
		text, err := describer.Describe(pod.Namespace, pod.Name, describe.DescriberSettings{ShowEvents: true, ChunkSize: 500})
		if err != nil {
			text = err.Error()
		}
		fmt.Fprintf(&b, "----- Pod %s/%s -----\n%s\n", pod.Namespace, pod.Name, text)
	}
	return b.String()
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// ContainerPID is the host PID of a running container's first process,
// from a Pod's containerID (containerd://<id>).
func (s *Stack) ContainerPID(ctx context.Context, containerID string) (int, error) {
	id := strings.TrimPrefix(containerID, "containerd://")
	out, err := s.node.ctr(ctx, "tasks", "ls")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == id && f[2] == "RUNNING" {
			var pid int
			if _, err := fmt.Sscan(f[1], &pid); err != nil {
				return 0, fmt.Errorf("ctr tasks ls: PID %q of %s: %w", f[1], id, err)
			}
			return pid, nil
		}
	}
	return 0, fmt.Errorf("container %s is not running:\n%s", id, out)
}

// NodeRSS is the resident memory of the node's processes (containerd,
// CoreDNS, scheduler, kubelet, kube-proxy) and of every process in the
// stack's Pod cgroups (shims excluded), in bytes.
func (s *Stack) NodeRSS() (int64, error) {
	var total int64
	var errs []error
	for _, p := range s.procs {
		switch p.name {
		case "containerd", "coredns", "kube-scheduler", "kubelet", "kube-proxy":
			rss, err := processRSS(p.pid)
			errs = append(errs, err)
			total += rss
		}
	}
	procs, err := os.ReadFile("/sys/fs/cgroup/memory" + s.node.cgroupRoot + "/memory.usage_in_bytes")
	if err == nil {
		var usage int64
		if _, err := fmt.Sscan(strings.TrimSpace(string(procs)), &usage); err == nil {
			total += usage
		}
	}
	return total, errors.Join(errs...)
}

// processRSS is VmRSS of a process and its children (nsenter execs the
// program, so the PID is the program's own).
func processRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb); err != nil {
				return 0, fmt.Errorf("VmRSS of %d: %w", pid, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}
