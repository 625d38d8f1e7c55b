// Package child runs a program a test depends on (doc-search, Prometheus):
// it dies with the test binary, is polled over HTTP until ready, and is
// stopped with SIGTERM, then killed after a grace period.
package child

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"syscall"
	"time"
)

// Process is a started program.
type Process struct {
	name string
	cmd  *exec.Cmd
	done chan error // holds Wait's result once the program ends; read it with ended
}

// Start starts cmd, named name in errors. The caller must Stop it.
func Start(name string, cmd *exec.Cmd) (*Process, error) {
	// Die with the test binary even if it is killed before it can stop us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

// ended reports whether the program has ended, and Wait's result if so.
func (p *Process) ended() (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	default:
		return false, nil
	}
}

// WaitHTTP polls url every interval until it answers 200. It fails when the
// program exits first (with detail(), if given, such as its log), when ctx
// ends, or after timeout.
func (p *Process) WaitHTTP(ctx context.Context, url string, interval, timeout time.Duration, detail func() string) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
		if ok, err := p.ended(); ok {
			msg := fmt.Sprintf("%s exited before it was ready: %v", p.name, err)
			if detail != nil {
				msg += "\n" + detail()
			}
			return errors.New(msg)
		}
		if resp, err := http.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("%s at %s not ready after %s", p.name, url, timeout)
}

// Stop sends SIGTERM and returns Wait's result (nil after a clean exit); the
// program is killed when it has not exited after grace.
func (p *Process) Stop(grace time.Duration) error {
	if ok, err := p.ended(); ok {
		return err
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within %s after SIGTERM; killed", p.name, grace)
	}
}
