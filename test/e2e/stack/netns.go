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

	"golang.org/x/sys/unix"
)

// Netns is a network namespace made with `ip netns add`. The Argo CD
// application controller binds its metrics port on 0.0.0.0 with no flag to
// change it; inside the namespace nothing the stack opens is reachable from
// the host.
type Netns struct {
	Name string
}

// NewNetns creates a uniquely named network namespace with its loopback up.
func NewNetns(ctx context.Context) (*Netns, error) {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("naming network namespace: %w", err)
	}
	n := &Netns{Name: "docsearch-e2e-" + hex.EncodeToString(suffix)}
	if out, err := exec.CommandContext(ctx, "ip", "netns", "add", n.Name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip netns add %s: %w: %s", n.Name, err, out)
	}
	if out, err := exec.CommandContext(ctx, "ip", "netns", "exec", n.Name, "ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		_ = n.Delete()
		return nil, fmt.Errorf("bringing up loopback in %s: %w: %s", n.Name, err, out)
	}
	return n, nil
}

// Command returns a command that runs name with args inside the namespace.
func (n *Netns) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

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
	path := filepath.Join("/var/run/netns", n.Name)
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
