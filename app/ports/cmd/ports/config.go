package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/doc-search/gitops/app/internal/flagenv"
	"github.com/doc-search/gitops/app/internal/service"
)

// config is everything ports needs to start.
type config struct {
	Service       service.Config
	Data          string        // the ports JSON file
	WatchInterval time.Duration // how often to look for a changed file; 0: SIGHUP only
}

// parseConfig reads args and PORTS_* variables through getenv; a flag wins
// over its variable, which wins over the default.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	var c config
	fs := flagenv.New("ports", "PORTS_", out)
	c.Service.Register(fs)
	fs.String(&c.Data, "data", "", "the ports JSON file: one object of records keyed by UN/LOCODE (required)")
	fs.Duration(&c.WatchInterval, "watch-interval", 5*time.Second, "how often to look for a changed data file; 0 reloads on SIGHUP only")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: ports --data FILE [flags]\n       ports generate --out FILE [--size 16MiB] [--keys N] [--seed N] [--malformed-every N]\n\nServes port records loaded as a stream from a JSON file, reloaded on SIGHUP\n"+
			"or when the file changes. Every flag can be set by its environment variable;\nthe flag wins. "+
			"Tracing follows the standard OTEL_* variables: OTEL_EXPORTER_OTLP_ENDPOINT\n(unset: no tracing), OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args, getenv); err != nil {
		return config{}, err
	}
	errs := []error{c.Service.Validate()}
	if c.Data == "" {
		errs = append(errs, errors.New("--data (PORTS_DATA) is required: the ports JSON file"))
	}
	if c.WatchInterval < 0 {
		errs = append(errs, fmt.Errorf("--watch-interval must not be negative, got %s", c.WatchInterval))
	}
	return c, errors.Join(errs...)
}
