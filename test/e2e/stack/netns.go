// Package stack runs a throwaway Kubernetes control plane and Argo CD inside a
// network namespace of its own, for the end-to-end test of this repository.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Netns is a network namespace made with `ip netns add`. The Argo CD
// application controller binds its metrics port on 0.0.0.0 with no flag to
// change it; inside the namespace nothing the stack opens is reachable from
// the host.
//
// Besides loopback the namespace has one veth pair whose two ends both stay
// inside it: NodeIP on one end is the node's address (kubelet, NodePorts),
// and a route to the Service range lets kube-proxy's DNAT apply. There is
// no default route, so nothing inside can reach an address outside.
type Netns struct {
	Name string
}

// Addresses of the namespace. ServiceCIDR and PodCIDR are the cluster's
// ranges; ClusterDNS is CoreDNS's, which listens on the node address.
const (
	NodeIP      = "10.99.0.1"
	ServiceCIDR = "10.96.0.0/16"
	PodCIDR     = "10.244.0.0/24"
	ClusterDNS  = NodeIP
)

// NewNetns creates a uniquely named network namespace with its loopback and
// the node's interface up.
func NewNetns(ctx context.Context) (*Netns, error) {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("naming network namespace: %w", err)
	}
	n := &Netns{Name: "docsearch-e2e-" + hex.EncodeToString(suffix)}
	if out, err := exec.CommandContext(ctx, "ip", "netns", "add", n.Name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip netns add %s: %w: %s", n.Name, err, out)
	}
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "node0", "type", "veth", "peer", "name", "node1"},
		{"addr", "add", NodeIP + "/24", "dev", "node0"},
		{"link", "set", "node0", "up"},
		{"link", "set", "node1", "up"},
		{"route", "add", ServiceCIDR, "dev", "node0"},
	} {
		if out, err := exec.CommandContext(ctx, "ip", append([]string{"-n", n.Name}, args...)...).CombinedOutput(); err != nil {
			_ = n.Delete()
			return nil, fmt.Errorf("ip -n %s %s: %w: %s", n.Name, strings.Join(args, " "), err, out)
		}
	}
	return n, nil
}

// Command returns a command that runs name with args inside the namespace.
// nsenter switches only the network namespace: `ip netns exec` would give
// the program a mount namespace of its own, and the volumes the kubelet
// mounts would then be invisible to runc.
func (n *Netns) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"--net=" + n.path(), "--", name}, args...)...)
}

func (n *Netns) path() string { return filepath.Join("/var/run/netns", n.Name) }

// Delete removes the namespace.
func (n *Netns) Delete() error {
	if out, err := exec.Command("ip", "netns", "delete", n.Name).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns delete %s: %w: %s", n.Name, err, out)
	}
	return nil
}

// DialContext opens a connection from inside the namespace, so this process
// (which stays in the host namespace) can reach the servers bound to the
// namespace's loopback. A socket belongs to the namespace it was created in,
// so only its creation needs to happen on a thread switched into the
// namespace; that thread is never handed back to the Go scheduler.
func (n *Netns) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		// No UnlockOSThread: the goroutine exits locked, and the runtime then
		// terminates the thread instead of reusing it in the wrong namespace.
		runtime.LockOSThread()
		conn, err := n.dialLocked(ctx, network, addr)
		ch <- result{conn, err}
	}()
	r := <-ch
	return r.conn, r.err
}

func (n *Netns) dialLocked(ctx context.Context, network, addr string) (net.Conn, error) {
	path := n.path()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening network namespace %s: %w", path, err)
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, fmt.Errorf("entering network namespace %s: %w", n.Name, err)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
