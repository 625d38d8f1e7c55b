package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
)

// Addresses inside the namespace; the namespace is the stack's own, so the
// well-known ports cannot clash with anything on the host.
const (
	etcdAddr       = "127.0.0.1:2379"
	apiServerAddr  = "127.0.0.1:6443"
	redisAddr      = "127.0.0.1:6379"
	repoServerAddr = "127.0.0.1:8081"
	gitDaemonAddr  = "127.0.0.1:9418"

	kubernetesServiceIP = "10.96.0.1"

	// ArgoCDNamespace is where Argo CD's configuration and Applications live.
	ArgoCDNamespace = "argocd"
)

// Controllers the controller manager runs: all but those that need a
// cloud, node IP ranges or volumes. Garbage collection is the one Argo CD
// needs (its foreground prune waits for dependents to go); node lifecycle
// lifts the not-ready taint once the kubelet reports Ready.
const controllers = "*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route,-persistentvolume-binder,-attachdetach"

// components that talk to the API server each get a token of their own,
// named as the API server's bootstrap RBAC policy and Node authorizer
// expect them.
var components = map[string]struct{ user, groups string }{
	"admin":          {"admin", "system:masters"},
	"kubelet":        {"system:node:" + NodeName, "system:nodes"},
	"kube-scheduler": {"system:kube-scheduler", ""},
	"kube-proxy":     {"system:kube-proxy", ""},
}

// Config says where the stack finds its programs and keeps its state.
type Config struct {
	// BinDir holds kube-apiserver, kube-controller-manager, argocd, helm and
	// kustomize (test/e2e/toolchain/build.sh fills it).
	BinDir string
	// WorkDir holds etcd's data, keys, kubeconfig and git repositories.
	WorkDir string
	// LogDir receives one <component>.log per program.
	LogDir string
	// ArgoCDManifests is the manifests/ folder of the argo-cd module.
	ArgoCDManifests string
	// Node runs a real node too: containerd, kubelet, kube-proxy, CoreDNS
	// and kube-scheduler (BinDir then also holds kube-scheduler, kubelet,
	// kube-proxy and coredns). Without it Pods are created but never run.
	Node bool
	// Images are image tarballs (WriteImage) imported into the node's
	// containerd before the kubelet starts; PauseImage must be one of them.
	Images []string
	// Logf reports progress (testing.T.Logf).
	Logf func(format string, args ...any)
}

// Stack is a running etcd, kube-apiserver, kube-controller-manager, redis,
// Argo CD repo server and application controller.
type Stack struct {
	cfg   Config
	netns *Netns
	procs []*process
	node  *node // nil without Config.Node

	// REST is the admin's client configuration; it dials into the namespace.
	REST *rest.Config
	// Kube and Dynamic are clients built on REST.
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	// Kubeconfig is the admin kubeconfig file the components use.
	Kubeconfig string

	tokens map[string]string // per component, see components
	caPEM  []byte            // the API server's self-signed certificate
}

// Start brings the whole stack up. On error, whatever had started is
// stopped before it returns.
func Start(ctx context.Context, cfg Config) (s *Stack, err error) {
	for _, dir := range []string{cfg.WorkDir, cfg.LogDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	netns, err := NewNetns(ctx)
	if err != nil {
		return nil, err
	}
	s = &Stack{cfg: cfg, netns: netns}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"etcd", s.startEtcd},
		{"kube-apiserver", s.startAPIServer},
		{"kube-controller-manager", s.startControllerManager},
		{"node", s.startNodeIfAsked},
		{"redis", s.startRedis},
		{"Argo CD configuration", s.installArgoCD},
		{"argocd-repo-server", s.startRepoServer},
		{"argocd-application-controller", s.startApplicationController},
	}
	for _, step := range steps {
		begin := time.Now()
		if err := step.run(ctx); err != nil {
			return s, fmt.Errorf("starting %s: %w", step.name, err)
		}
		cfg.Logf("stack: %s ready in %s", step.name, time.Since(begin).Round(time.Millisecond))
	}
	return s, nil
}

// Stop stops every process in reverse start order and deletes the
// namespace. With a node, its Pods are deleted first while the kubelet can
// still tear them down, leftover containers are killed before containerd
// stops, and what the kubelet changed on the host is put back.
func (s *Stack) Stop() {
	if s.node != nil && s.Kube != nil {
		s.drainNode()
	}
	for i := len(s.procs) - 1; i >= 0; i-- {
		if s.node != nil && s.procs[i] == s.node.containerd {
			s.removeContainers()
		}
		s.procs[i].stop(10 * time.Second)
	}
	s.procs = nil
	if s.node != nil {
		s.cleanHost()
		s.node = nil
	}
	if s.netns != nil {
		if err := s.netns.Delete(); err != nil {
			s.cfg.Logf("stack: %v", err)
		}
		s.netns = nil
	}
}

// LogTails returns the last lines of every component's log, for a failure
// report.
func (s *Stack) LogTails(lines int) string {
	var b strings.Builder
	for _, p := range s.procs {
		fmt.Fprintf(&b, "----- %s (%s) -----\n%s\n", p.name, p.logPath, tail(p.logPath, lines))
	}
	return b.String()
}

// Healthy reports the first component that has exited.
func (s *Stack) Healthy() error {
	var errs []error
	for _, p := range s.procs {
		errs = append(errs, p.exited())
	}
	return errors.Join(errs...)
}

// DialContext opens a connection from inside the stack's network
// namespace: from there the node address and its NodePorts are reachable.
func (s *Stack) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.netns.DialContext(ctx, network, addr)
}

func (s *Stack) bin(name string) string { return filepath.Join(s.cfg.BinDir, name) }

func (s *Stack) path(name string) string { return filepath.Join(s.cfg.WorkDir, name) }

func (s *Stack) startEtcd(ctx context.Context) error {
	p, err := s.start("etcd", nil, "", "etcd",
		"--data-dir", s.path("etcd"),
		"--listen-client-urls", "http://"+etcdAddr,
		"--advertise-client-urls", "http://"+etcdAddr,
		"--listen-peer-urls", "http://127.0.0.1:2380",
		"--initial-advertise-peer-urls", "http://127.0.0.1:2380",
		"--initial-cluster", "default=http://127.0.0.1:2380",
		"--log-level", "warn",
	)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{DialContext: s.netns.DialContext}, Timeout: 2 * time.Second}
	return waitFor(ctx, p, 30*time.Second, func(ctx context.Context) error {
		resp, err := client.Get("http://" + etcdAddr + "/health")
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"true"`) {
			return fmt.Errorf("etcd health: %s %s", resp.Status, body)
		}
		return nil
	})
}

func (s *Stack) startNodeIfAsked(ctx context.Context) error {
	if !s.cfg.Node {
		return nil
	}
	return s.startNode(ctx)
}

func (s *Stack) startAPIServer(ctx context.Context) error {
	// Pods reach the API server through the kubernetes Service's address.
	certPEM, keyPEM, err := cert.GenerateSelfSignedCertKey("127.0.0.1",
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(NodeIP), net.ParseIP(kubernetesServiceIP)},
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"})
	if err != nil {
		return fmt.Errorf("generating serving certificate: %w", err)
	}
	saKey, err := keyutil.MakeEllipticPrivateKeyPEM()
	if err != nil {
		return fmt.Errorf("generating service account key: %w", err)
	}
	s.tokens = map[string]string{}
	var tokens strings.Builder
	for i, name := range sortedKeys(components) {
		token, err := randomHex(16)
		if err != nil {
			return err
		}
		s.tokens[name] = token
		c := components[name]
		fmt.Fprintf(&tokens, "%s,%s,%d", token, c.user, i+1)
		if c.groups != "" {
			fmt.Fprintf(&tokens, ",%q", c.groups)
		}
		tokens.WriteString("\n")
	}
	token := s.tokens["admin"]
	files := map[string][]byte{
		"apiserver.crt": certPEM,
		"apiserver.key": keyPEM,
		"sa.key":        saKey,
		"tokens.csv":    []byte(tokens.String()),
	}
	for name, data := range files {
		if err := os.WriteFile(s.path(name), data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	p, err := s.start("kube-apiserver", nil, "", s.bin("kube-apiserver"),
		"--etcd-servers", "http://"+etcdAddr,
		// All addresses of the namespace: loopback for the components, the
		// node address for Pods (the kubernetes Service's endpoint).
		"--bind-address", "0.0.0.0",
		"--advertise-address", NodeIP,
		"--secure-port", "6443",
		"--tls-cert-file", s.path("apiserver.crt"),
		"--tls-private-key-file", s.path("apiserver.key"),
		"--token-auth-file", s.path("tokens.csv"),
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", s.path("sa.key"),
		"--service-account-signing-key-file", s.path("sa.key"),
		"--service-cluster-ip-range", ServiceCIDR,
		"--authorization-mode", "Node,RBAC",
		"--enable-admission-plugins", "NodeRestriction",
		// Logs and port-forward reach the kubelet on the node address.
		"--kubelet-preferred-address-types", "InternalIP",
		"--allow-privileged",
		"--profiling=false",
	)
	if err != nil {
		return err
	}
	s.REST = &rest.Config{
		Host:            "https://" + apiServerAddr,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: certPEM},
		Dial:            s.netns.DialContext,
		QPS:             50,
		Burst:           100,
	}
	if s.Kube, err = kubernetes.NewForConfig(s.REST); err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	if s.Dynamic, err = dynamic.NewForConfig(s.REST); err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	s.caPEM = certPEM
	for name := range components {
		if err := s.writeKubeconfig(name); err != nil {
			return err
		}
	}
	s.Kubeconfig = s.kubeconfigFor("admin")
	return waitFor(ctx, p, 60*time.Second, func(ctx context.Context) error {
		_, err := s.Kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err
	})
}

// writeKubeconfig writes the kubeconfig of one of the components; its
// context (e2e) has Argo CD's namespace.
func (s *Stack) writeKubeconfig(component string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["e2e"] = &clientcmdapi.Cluster{Server: "https://" + apiServerAddr, CertificateAuthorityData: s.caPEM}
	cfg.AuthInfos[component] = &clientcmdapi.AuthInfo{Token: s.tokens[component]}
	cfg.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: component, Namespace: ArgoCDNamespace}
	cfg.CurrentContext = "e2e"
	if err := clientcmd.WriteToFile(*cfg, s.kubeconfigFor(component)); err != nil {
		return fmt.Errorf("writing the kubeconfig of %s: %w", component, err)
	}
	return nil
}

// kubeconfigFor is the path of a component's kubeconfig.
func (s *Stack) kubeconfigFor(component string) string {
	if component == "admin" {
		return s.path("kubeconfig")
	}
	return s.path(component + ".kubeconfig")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Stack) startControllerManager(ctx context.Context) error {
	p, err := s.start("kube-controller-manager", nil, "", s.bin("kube-controller-manager"),
		"--kubeconfig", s.Kubeconfig,
		"--controllers", controllers,
		"--leader-elect=false",
		"--secure-port=0",
		"--service-account-private-key-file", s.path("sa.key"),
		"--root-ca-file", s.path("apiserver.crt"),
		"--use-service-account-credentials=false",
		"--concurrent-gc-syncs=5",
	)
	if err != nil {
		return err
	}
	// The controller manager serves nothing here (no secure port): it is up
	// once its service account controller has made default/default.
	return waitFor(ctx, p, 60*time.Second, func(ctx context.Context) error {
		_, err := s.Kube.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}

func (s *Stack) startRedis(ctx context.Context) error {
	p, err := s.start("redis", nil, "", "redis-server",
		"--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no",
		"--dir", s.cfg.WorkDir)
	if err != nil {
		return err
	}
	return waitFor(ctx, p, 20*time.Second, s.tcpReady(redisAddr))
}

// argoEnv is what both Argo CD components need: run as if in a cluster,
// through the admin kubeconfig, with the pinned helm and kustomize on PATH.
func (s *Stack) argoEnv(binaryName string) []string {
	return []string{
		"ARGOCD_BINARY_NAME=" + binaryName,
		"ARGOCD_FAKE_IN_CLUSTER=true",
		"ARGOCD_GPG_ENABLED=false",
		"KUBECONFIG=" + s.Kubeconfig,
		"HOME=" + s.path("home"),
		"TMPDIR=" + s.path("tmp"),
		"PATH=" + s.cfg.BinDir + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
}

func (s *Stack) startRepoServer(ctx context.Context) error {
	for _, dir := range []string{"home", "tmp"} {
		if err := os.MkdirAll(s.path(dir), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	p, err := s.start("argocd-repo-server", s.argoEnv("argocd-repo-server"), s.cfg.WorkDir, s.bin("argocd"),
		"--address", "127.0.0.1",
		"--port", "8081",
		"--metrics-address", "127.0.0.1",
		"--disable-tls",
		"--redis", redisAddr,
		"--loglevel", "info",
	)
	if err != nil {
		return err
	}
	return waitFor(ctx, p, 60*time.Second, s.tcpReady(repoServerAddr))
}

func (s *Stack) startApplicationController(ctx context.Context) error {
	p, err := s.start("argocd-application-controller", s.argoEnv("argocd-application-controller"), s.cfg.WorkDir, s.bin("argocd"),
		"--namespace", ArgoCDNamespace,
		"--repo-server", repoServerAddr,
		"--repo-server-plaintext",
		"--redis", redisAddr,
		"--status-processors", "4",
		"--operation-processors", "4",
		"--app-resync", "60",
		"--loglevel", "info",
	)
	if err != nil {
		return err
	}
	// Its metrics listener (0.0.0.0:8082) comes up once it is running.
	return waitFor(ctx, p, 60*time.Second, s.tcpReady("127.0.0.1:8082"))
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ServeGit serves the repositories under dir with git daemon on the
// namespace's loopback and returns the URL prefix they are reachable at
// from inside it (append the repository's folder name).
func (s *Stack) ServeGit(ctx context.Context, dir string) (string, error) {
	p, err := s.start("git-daemon", nil, "", "git", "daemon",
		"--listen=127.0.0.1", "--port=9418", "--reuseaddr", "--export-all",
		"--base-path="+dir, "--informative-errors", "--verbose", dir)
	if err != nil {
		return "", err
	}
	if err := waitFor(ctx, p, 10*time.Second, s.tcpReady(gitDaemonAddr)); err != nil {
		return "", err
	}
	return "git://" + gitDaemonAddr + "/", nil
}
