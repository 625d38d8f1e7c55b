// Package rules holds chartcheck's policy rules: each is metadata declared in
// rules.yaml plus one check function, found by a stable ID.
//
// Adding a rule takes three pieces:
//
//   - its metadata in rules.yaml (id, severity, category, scope,
//     description, remediation);
//   - one named function, check<ID in CamelCase> (rule "probe-port-unknown"
//     is checkProbePortUnknown), registered in its file's init with
//     register("probe-port-unknown", checkProbePortUnknown), so profiles,
//     stack traces and complexity reports name the rule; load refuses
//     anything else;
//   - testdata/<id>/pass.yaml (no finding), fail.yaml and expect.yaml, the
//     whole findings fail.yaml gives (object, field path, line, message),
//     written by `go test ./tools/chartcheck/internal/rules -update`; a
//     cluster.yaml holding "prod: true" checks both as a prod cluster.
package rules

import (
	_ "embed"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Severity grades a finding. The order matters: --fail-on compares with it.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Warning
	Error
)

var severityNames = []string{"info", "warning", "error"}

func (s Severity) String() string {
	if s < Info || s > Error {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads "info", "warning" or "error".
func ParseSeverity(v string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(v, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or error)", v)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Meta is a rule's description as declared in rules.yaml.
type Meta struct {
	ID       string   `yaml:"id" json:"id"`
	Severity Severity `yaml:"severity" json:"severity"`
	// ProdSeverity, when set, replaces Severity in clusters marked prod:
	// a rule can be advice in a development cluster and a defect in prod.
	ProdSeverity *Severity `yaml:"prodSeverity" json:"prodSeverity,omitempty"`
	Category     string    `yaml:"category" json:"category"`
	// Scope says which objects the rule looks at, for people.
	Scope       string `yaml:"scope" json:"scope"`
	Description string `yaml:"description" json:"description"`
	Remediation string `yaml:"remediation" json:"remediation"`
	// Disabled rules run only when a configuration enables them.
	Disabled bool `yaml:"disabled" json:"disabled,omitempty"`
	// Suppression marks the rules the suppression step reports, which
	// have no check function of their own.
	Suppression bool `yaml:"suppression" json:"-"`
}

// SeverityIn is the rule's severity in a prod cluster or another one.
func (m Meta) SeverityIn(prod bool) Severity {
	if prod && m.ProdSeverity != nil {
		return *m.ProdSeverity
	}
	return m.Severity
}

// Rule is a rule's metadata and its check.
type Rule struct {
	Meta
	check func(c *Cluster)
}

//go:embed rules.yaml
var rulesYAML []byte

var (
	loadOnce sync.Once
	all      []*Rule
	byID     map[string]*Rule
	loadErr  error
)

// checks maps each rule ID to its function; rules.yaml supplies the rest.
var checks = map[string]func(c *Cluster){}

// register adds the check function of rule id; call it from an init.
func register(id string, f func(c *Cluster)) {
	if _, dup := checks[id]; dup {
		panic("rules: duplicate check " + id)
	}
	checks[id] = f
}

// CheckName is the name the check function of rule id must have:
// "check" and the ID in CamelCase.
func CheckName(id string) string {
	var b strings.Builder
	b.WriteString("check")
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// funcName is the unqualified name of f: "checkImageTagLatest", or
// "init.func1" for a closure.
func funcName(f func(c *Cluster)) string {
	name := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
	return strings.TrimPrefix(name[strings.LastIndex(name, "/")+1:], "rules.")
}

func load() {
	var metas []Meta
	dec := yaml.NewDecoder(strings.NewReader(string(rulesYAML)))
	dec.KnownFields(true)
	if err := dec.Decode(&metas); err != nil {
		loadErr = fmt.Errorf("rules.yaml: %w", err)
		return
	}
	byID = map[string]*Rule{}
	for _, m := range metas {
		f, ok := checks[m.ID]
		if m.Suppression {
			f, ok = func(*Cluster) {}, !ok
		}
		if !ok {
			loadErr = fmt.Errorf("rules.yaml: rule %s has no check function", m.ID)
			return
		}
		if _, dup := byID[m.ID]; dup {
			loadErr = fmt.Errorf("rules.yaml: rule %s declared twice", m.ID)
			return
		}
		if m.Description == "" || m.Remediation == "" {
			loadErr = fmt.Errorf("rules.yaml: rule %s needs a description and a remediation", m.ID)
			return
		}
		r := &Rule{Meta: m, check: f}
		all = append(all, r)
		byID[m.ID] = r
	}
	for id, f := range checks {
		if got, want := funcName(f), CheckName(id); got != want {
			loadErr = fmt.Errorf("rules: rule %s is checked by %s, want a function named %s", id, got, want)
			return
		}
		if r, ok := byID[id]; ok && r.Suppression {
			loadErr = fmt.Errorf("rules.yaml: suppression rule %s has a check function", id)
			return
		}
		if _, ok := byID[id]; !ok {
			loadErr = fmt.Errorf("rules.yaml: check %s has no metadata", id)
			return
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID < all[j].ID })
}

// All returns every rule, sorted by ID.
func All() []*Rule {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(loadErr) // rules.yaml is embedded: a test catches this first
	}
	return all
}

// Lookup finds a rule by ID.
func Lookup(id string) (*Rule, bool) {
	All()
	r, ok := byID[id]
	return r, ok
}
