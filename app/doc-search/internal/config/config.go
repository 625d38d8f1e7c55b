// Package config reads doc-search's settings from flags and DOCSEARCH_*
// environment variables into one typed struct, once, at start-up.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Config is everything the server needs to start.
type Config struct {
	Addr            string        // API listen address
	MetricsAddr     string        // /metrics listen address
	Data            string        // corpus directory; "" serves the embedded sample
	StartupDelay    time.Duration // simulated slow start before indexing
	DrainDelay      time.Duration // time /readyz fails while still serving after SIGTERM
	ShutdownTimeout time.Duration // bound on waiting for in-flight requests
	MaxQueryWords   int
	MaxQueryBytes   int
	LogLevel        slog.Level
	LogFormat       string // "json" (default, for collectors) or "text" (for people)
	Version         bool   // print the version and exit
}

// ErrVersion is returned by Parse for --version.
var ErrVersion = errors.New("version requested")

// Parse reads args (without the program name) and the environment through
// getenv. A flag wins over its variable, which wins over the default.
// With -h or --help it writes the usage to out and returns flag.ErrHelp;
// with --version it returns ErrVersion. Other errors are returned, not
// printed: the caller says them on stderr.
func Parse(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("doc-search", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors come back to the caller; usage only on --help
	var level string
	type setting struct{ flag, env string }
	var settings []setting
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, def, usage+" (env "+env+")")
		settings = append(settings, setting{name, env})
	}
	dur := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		fs.DurationVar(p, name, def, usage+" (env "+env+")")
		settings = append(settings, setting{name, env})
	}
	num := func(p *int, name, env string, def int, usage string) {
		fs.IntVar(p, name, def, usage+" (env "+env+")")
		settings = append(settings, setting{name, env})
	}
	str(&c.Addr, "addr", "DOCSEARCH_ADDR", ":8080", "API listen address: search, /healthz, /readyz, /version")
	str(&c.MetricsAddr, "metrics-addr", "DOCSEARCH_METRICS_ADDR", ":8000", "Prometheus /metrics listen address")
	str(&c.Data, "data", "DOCSEARCH_DATA", "", "corpus directory of .xml/.txt documents; empty serves the built-in sample corpus")
	dur(&c.StartupDelay, "startup-delay", "DOCSEARCH_STARTUP_DELAY", 0, "simulated delay before indexing starts, to exercise start-up probes")
	dur(&c.DrainDelay, "drain-delay", "DOCSEARCH_DRAIN_DELAY", 5*time.Second, "after SIGTERM, how long /readyz answers 503 while requests are still served")
	dur(&c.ShutdownTimeout, "shutdown-timeout", "DOCSEARCH_SHUTDOWN_TIMEOUT", 10*time.Second, "after the drain delay, how long in-flight requests may take to finish")
	num(&c.MaxQueryWords, "max-query-words", "DOCSEARCH_MAX_QUERY_WORDS", 32, "most words a query may hold, repeats included")
	num(&c.MaxQueryBytes, "max-query-bytes", "DOCSEARCH_MAX_QUERY_BYTES", 1024, "most bytes a query may hold")
	str(&level, "log-level", "DOCSEARCH_LOG_LEVEL", "info", "debug (adds each search's words and result count, and the corpus listing), info, warn or error")
	str(&c.LogFormat, "log-format", "DOCSEARCH_LOG_FORMAT", "json", "json (one object a line, for log collectors) or text (key=value, for a terminal)")
	fs.BoolVar(&c.Version, "version", false, "print the version and exit")
	fs.Usage = func() {}
	usage := func() {
		fs.SetOutput(out)
		fmt.Fprintf(out, "Usage: doc-search [flags]\n       doc-search query --server URL --q WORDS [--min-results N]\n\n")
		fmt.Fprintf(out, "Serves full-text search over a corpus of documents. Every flag can be set\nby its environment variable; the flag wins.\n\n")
		fs.PrintDefaults()
	}

	for _, s := range settings {
		if v, ok := lookup(getenv, s.env); ok {
			if err := fs.Set(s.flag, v); err != nil {
				return Config{}, fmt.Errorf("environment variable %s=%q: %w", s.env, v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
		}
		return Config{}, err
	}
	if c.Version {
		return Config{}, ErrVersion
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	var errs []error
	var err error
	if c.LogLevel, err = ParseLevel(level); err != nil {
		errs = append(errs, fmt.Errorf("--log-level (DOCSEARCH_LOG_LEVEL): %w", err))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("--log-format (DOCSEARCH_LOG_FORMAT): unknown format %q: use json or text", c.LogFormat))
	}
	return c, errors.Join(append(errs, c.validate())...)
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// ParseLevel reads a log level name; empty means info.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q: use debug, info, warn or error", s)
}

func (c Config) validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("--addr must not be empty"))
	}
	if c.MetricsAddr == "" {
		errs = append(errs, errors.New("--metrics-addr must not be empty"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--startup-delay", c.StartupDelay}, {"--drain-delay", c.DrainDelay}, {"--shutdown-timeout", c.ShutdownTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %s", d.name, d.v))
		}
	}
	if c.MaxQueryWords < 1 {
		errs = append(errs, fmt.Errorf("--max-query-words must be at least 1, got %d", c.MaxQueryWords))
	}
	if c.MaxQueryBytes < 1 {
		errs = append(errs, fmt.Errorf("--max-query-bytes must be at least 1, got %d", c.MaxQueryBytes))
	}
	return errors.Join(errs...)
}
