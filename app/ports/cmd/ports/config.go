package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// config is everything the service needs to start.
type config struct {
	Addr            string
	MetricsAddr     string
	Data            string
	WatchInterval   time.Duration
	DrainDelay      time.Duration
	ShutdownTimeout time.Duration
	LogLevel        slog.Level
}

// parseConfig reads args and PORTS_* variables through getenv; a flag wins
// over its variable, which wins over the default.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("ports", flag.ContinueOnError)
	fs.SetOutput(out)
	envs := map[string]string{}
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, def, usage+" (env "+env+")")
		envs[name] = env
	}
	dur := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		fs.DurationVar(p, name, def, usage+" (env "+env+")")
		envs[name] = env
	}
	level := "info"
	str(&c.Addr, "addr", "PORTS_ADDR", ":8080", "API listen address: /ports, /healthz, /ready, /version")
	str(&c.MetricsAddr, "metrics-addr", "PORTS_METRICS_ADDR", ":8000", "Prometheus /metrics listen address")
	str(&c.Data, "data", "PORTS_DATA", "", "the ports JSON file (required)")
	dur(&c.WatchInterval, "watch-interval", "PORTS_WATCH_INTERVAL", 5*time.Second, "how often to look for a changed data file; 0 reloads on SIGHUP only")
	dur(&c.DrainDelay, "drain-delay", "PORTS_DRAIN_DELAY", 5*time.Second, "after SIGTERM, how long /ready answers 503 while requests are still served")
	dur(&c.ShutdownTimeout, "shutdown-timeout", "PORTS_SHUTDOWN_TIMEOUT", 10*time.Second, "after the drain delay, how long in-flight requests may take")
	str(&level, "log-level", "PORTS_LOG_LEVEL", "info", "debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: ports --data FILE [flags]\n\nServes port records loaded from a JSON file. Every flag can be set by its\n"+
			"environment variable; the flag wins. Tracing is set by the standard OTEL_* variables:\n"+
			"OTEL_EXPORTER_OTLP_ENDPOINT (none: no tracing), OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG.\n\n")
		fs.PrintDefaults()
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := envs[f.Name]
		if v := getenv(env); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("environment variable %s=%q: %w", env, v, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return config{}, err
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return config{}, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	if c.Data == "" {
		errs = append(errs, errors.New("--data (PORTS_DATA) is required: the ports JSON file"))
	}
	for name, d := range map[string]time.Duration{"--watch-interval": c.WatchInterval, "--drain-delay": c.DrainDelay, "--shutdown-timeout": c.ShutdownTimeout} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %s", name, d))
		}
	}
	return c, errors.Join(errs...)
}
