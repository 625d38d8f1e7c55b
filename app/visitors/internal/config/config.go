// Package config reads visitors' settings from flags and environment
// variables into one typed struct, once, at start-up.
package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doc-search/gitops/app/internal/flagenv"
	"github.com/doc-search/gitops/app/internal/service"
)

// EnvDatabaseURL names the variable of the database's URL: the name every
// PostgreSQL tool and platform knows.
const EnvDatabaseURL = "DATABASE_URL"

// Config is everything visitors needs to serve or migrate.
type Config struct {
	Service service.Config

	DatabaseURL  string
	UserName     string // shown on the page, linked to UserURL
	UserURL      string
	HashKey      string // key of the visitor hash; without it an address cannot be recovered from a stored ID
	TrustProxies int    // how many proxies in front append to X-Forwarded-For; 0 ignores the header

	MaxConns       int
	MinConns       int
	ConnectTimeout time.Duration
	QueryTimeout   time.Duration
	MigrateTimeout time.Duration
}

// MinHashKeyBytes is the shortest visitor hash key accepted.
const MinHashKeyBytes = 32

// Parse reads args (without the program name, nor the subcommand) and the
// environment through getenv. With -h it writes the usage to out and
// returns flag.ErrHelp.
func Parse(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	fs := flagenv.New(name, "VISITORS_", out)
	c.Service.Register(fs)
	fs.StringEnv(&c.DatabaseURL, "database-url", EnvDatabaseURL, "", "PostgreSQL URL, postgres://user:password@host:5432/db (required)")
	fs.StringEnv(&c.UserName, "user-name", "USER_NAME", "", "name shown on the page")
	fs.StringEnv(&c.UserURL, "user-url", "USER_URL", "", "link of the name shown on the page (http or https)")
	fs.String(&c.HashKey, "hash-key", "", fmt.Sprintf("secret key of the visitor hash, at least %d bytes, the same on every replica (required)", MinHashKeyBytes))
	fs.Int(&c.TrustProxies, "trust-proxies", 0, "number of proxies in front that append to X-Forwarded-For; the client is the address that many hops from its end")
	fs.Int(&c.MaxConns, "db-max-conns", 8, "most database connections per process")
	fs.Int(&c.MinConns, "db-min-conns", 1, "database connections kept open when idle")
	fs.Duration(&c.ConnectTimeout, "db-connect-timeout", 3*time.Second, "bound on opening one database connection")
	fs.Duration(&c.QueryTimeout, "db-query-timeout", 2*time.Second, "bound on every database query of a request")
	fs.Duration(&c.MigrateTimeout, "migrate-timeout", 5*time.Minute, "bound on a whole migration run, waiting for the lock included")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: visitors [flags]          serve the page and /api/stats\n       visitors migrate [flags]  apply the pending database migrations, then exit\n\n")
		fmt.Fprintf(out, "Counts unique visitors in PostgreSQL. Every flag can be set by its environment\nvariable; the flag wins.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args, getenv); err != nil {
		return Config{}, err
	}
	return c, c.validate()
}

// PoolConfig is the pgx pool configuration of c: the URL's settings with
// the pool bounds and timeouts of the flags.
func (c Config) PoolConfig() (*pgxpool.Config, error) {
	pc, err := pgxpool.ParseConfig(c.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvDatabaseURL, redact(err, c.DatabaseURL))
	}
	pc.MaxConns = int32(c.MaxConns)
	pc.MinConns = int32(c.MinConns)
	pc.ConnConfig.ConnectTimeout = c.ConnectTimeout
	pc.HealthCheckPeriod = 5 * time.Second
	return pc, nil
}

func (c Config) validate() error {
	var errs []error
	if err := c.Service.Validate(); err != nil {
		errs = append(errs, err)
	}
	switch u, err := url.Parse(c.DatabaseURL); {
	case c.DatabaseURL == "":
		errs = append(errs, fmt.Errorf("%s is required: set it (or --database-url) to postgres://user:password@host:5432/db", EnvDatabaseURL))
	case err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "":
		errs = append(errs, fmt.Errorf("%s is malformed: want postgres://user:password@host:5432/db", EnvDatabaseURL))
	default:
		if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
			errs = append(errs, fmt.Errorf("%s is malformed: %w", EnvDatabaseURL, redact(err, c.DatabaseURL)))
		}
	}
	if len(c.HashKey) < MinHashKeyBytes {
		errs = append(errs, fmt.Errorf("VISITORS_HASH_KEY (--hash-key) must be at least %d bytes, got %d: generate one with `openssl rand -hex 32`", MinHashKeyBytes, len(c.HashKey)))
	}
	if c.UserURL != "" {
		if u, err := url.Parse(c.UserURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("USER_URL %q must be an http or https URL", c.UserURL))
		}
	}
	if c.TrustProxies < 0 {
		errs = append(errs, fmt.Errorf("--trust-proxies must not be negative, got %d", c.TrustProxies))
	}
	if c.MaxConns < 1 {
		errs = append(errs, fmt.Errorf("--db-max-conns must be at least 1, got %d", c.MaxConns))
	}
	if c.MinConns < 0 || c.MinConns > c.MaxConns {
		errs = append(errs, fmt.Errorf("--db-min-conns must be between 0 and --db-max-conns (%d), got %d", c.MaxConns, c.MinConns))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--db-connect-timeout", c.ConnectTimeout}, {"--db-query-timeout", c.QueryTimeout}, {"--migrate-timeout", c.MigrateTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", d.name, d.v))
		}
	}
	return errors.Join(errs...)
}

// redact keeps the password of url out of an error pgx built from it.
func redact(err error, raw string) error {
	u, perr := url.Parse(raw)
	if perr != nil {
		return errors.New("cannot be parsed")
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}
