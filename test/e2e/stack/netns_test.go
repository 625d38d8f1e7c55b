package stack

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNetns_DialReachesOnlyTheNamespace: a server bound to the namespace's
// loopback answers through Netns.DialContext and is invisible from the
// host's loopback.
func TestNetns_DialReachesOnlyTheNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating a network namespace needs root")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed (scripts/install-deps.sh installs it)")
	}
	ctx := context.Background()
	n, err := NewNetns(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, n.Delete()) })

	// A port the host is unlikely to use, so that a connection from the
	// host side can only fail because the server is elsewhere.
	const addr = "127.0.0.1:46379"
	cmd := n.Command("redis-server", "--bind", "127.0.0.1", "--port", "46379", "--save", "", "--appendonly", "no")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	var conn net.Conn
	require.Eventually(t, func() bool {
		conn, err = n.DialContext(ctx, "tcp", addr)
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "dialing redis inside %s", n.Name)
	defer conn.Close()
	_, err = conn.Write([]byte("PING\r\n"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	reply, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "+PONG", strings.TrimSpace(reply))

	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "redis in the namespace is reachable from the host")
}
