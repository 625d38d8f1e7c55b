package chart

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

// The rendered `helm test` pod's args, run with the real binary against a
// real doc-search in place of the Service: it passes on a ready server and
// fails on one still building its index.
func TestHelmTestHook_PassesOnlyAgainstAReadyServer(t *testing.T) {
	bin := needDocSearch(t)
	r := mustRender(t, renderOptions{})
	var hook corev1.Pod
	r.one(t, "Pod", &hook)
	require.Len(t, hook.Spec.Containers, 1)
	args := hook.Spec.Containers[0].Args
	server := fmt.Sprintf("http://%s:%d", "doc-search", 8080)
	i := indexOf(args, "--server")
	require.GreaterOrEqual(t, i, 0, "args %v", args)
	require.Equal(t, server, args[i+1])

	tests := []struct {
		name     string
		delay    string
		wantExit int
	}{
		{name: "ready", delay: "0s", wantExit: 0},
		{name: "index_not_built", delay: "1h", wantExit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(t, mustRender(t, renderOptions{}, "startup.delay="+tt.delay))
			p, err := startDocSearch(bin, appContainer(t, d), time.Second)
			require.NoError(t, err)
			t.Cleanup(func() { p.stop(0) })
			port, ok := p.port("http")
			require.True(t, ok)
			if tt.wantExit == 0 {
				require.Eventually(t, func() bool { return queryExit(bin, hookArgs(args, i, port)) == 0 }, 10*time.Second, 50*time.Millisecond)
			}

			cmd := exec.Command(bin, hookArgs(args, i, port)...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err = cmd.Run()
			assert.Equal(t, tt.wantExit, exitCode(err), "output: %s", out.String())
			if tt.wantExit == 0 {
				assert.Contains(t, out.String(), `"results"`)
			}
		})
	}
}

func hookArgs(args []string, serverAt, port int) []string {
	out := append([]string(nil), args...)
	out[serverAt+1] = fmt.Sprintf("http://127.0.0.1:%d", port)
	return out
}

func queryExit(bin string, args []string) int {
	return exitCode(exec.Command(bin, args...).Run())
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if strings.TrimSpace(a) == s {
			return i
		}
	}
	return -1
}
