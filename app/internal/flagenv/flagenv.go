// Package flagenv gives every command-line flag an environment variable, so a
// service reads its settings the same way from a shell and from a Pod spec.
package flagenv

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Set is a flag.FlagSet whose flags each have an environment variable. A
// flag on the command line wins over its variable, which wins over the
// default.
type Set struct {
	*flag.FlagSet
	prefix string
	envs   []binding
}

type binding struct{ flag, env, want string }

// New returns a Set for the command name. Variables are named prefix +
// the flag's name in upper case with dashes as underscores:
// prefix "VISITORS_" and flag "metrics-addr" give VISITORS_METRICS_ADDR.
func New(name, prefix string, out io.Writer) *Set {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	return &Set{FlagSet: fs, prefix: prefix}
}

// EnvName is the variable of the flag name.
func (s *Set) EnvName(name string) string {
	return s.prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Var defines a flag of any flag.Value with the variable env; "" derives
// it from the name.
func (s *Set) Var(v flag.Value, name, env, usage string) {
	s.FlagSet.Var(v, name, s.bind(name, env, "", usage))
}

// String defines a string flag with a derived variable.
func (s *Set) String(p *string, name, def, usage string) {
	s.StringVar(p, name, def, s.bind(name, "", "", usage))
}

// StringEnv defines a string flag whose variable is env, for names other
// tools already use (DATABASE_URL).
func (s *Set) StringEnv(p *string, name, env, def, usage string) {
	s.StringVar(p, name, def, s.bind(name, env, "", usage))
}

// Duration defines a duration flag with a derived variable.
func (s *Set) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	s.DurationVar(p, name, def, s.bind(name, "", "a duration such as 500ms, 5s or 1m", usage))
}

// Int defines an integer flag with a derived variable.
func (s *Set) Int(p *int, name string, def int, usage string) {
	s.IntVar(p, name, def, s.bind(name, "", "an integer", usage))
}

// bind records the flag's variable and returns its usage naming it.
func (s *Set) bind(name, env, want, usage string) string {
	if env == "" {
		env = s.EnvName(name)
	}
	s.envs = append(s.envs, binding{flag: name, env: env, want: want})
	return usage + " (env " + env + ")"
}

// Parse applies the variables read through getenv, then args (without the
// program name). An empty variable counts as unset. A bad value names the
// variable or flag it came from; with -h it returns flag.ErrHelp.
func (s *Set) Parse(args []string, getenv func(string) string) error {
	for _, b := range s.envs {
		v := getenv(b.env)
		if v == "" {
			continue
		}
		if err := s.FlagSet.Set(b.flag, v); err != nil {
			if b.want != "" {
				return fmt.Errorf("environment variable %s=%q: want %s", b.env, v, b.want)
			}
			return fmt.Errorf("environment variable %s=%q: %w", b.env, v, err)
		}
	}
	if err := s.FlagSet.Parse(args); err != nil {
		return err
	}
	if s.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see --help)", s.Arg(0))
	}
	return nil
}
