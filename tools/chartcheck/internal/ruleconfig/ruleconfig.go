// Package ruleconfig reads the policy settings of chartcheck.yaml: which
// rules run, at which severity, and which findings are suppressed.
package ruleconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"

	"github.com/doc-search/gitops/tools/chartcheck/internal/config"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// FileName is the repository-root settings file.
const FileName = "chartcheck.yaml"

// Settings enable, disable or re-grade rules and suppress findings.
type Settings struct {
	// Enable turns on rules that are off by default.
	Enable []string `yaml:"enable"`
	// Disable turns rules off.
	Disable []string `yaml:"disable"`
	// Severity re-grades rules.
	Severity map[string]rules.Severity `yaml:"severity"`
	// Ignore suppresses findings on objects selected by kind, namespace
	// and name, for objects that cannot carry an annotation.
	Ignore []Ignore `yaml:"ignore"`
}

// Ignore is one config suppression. Empty selectors match anything; Name
// and Namespace take path.Match globs.
type Ignore struct {
	Rule      string `yaml:"rule"`
	Kind      string `yaml:"kind"`
	Namespace string `yaml:"namespace"`
	Name      string `yaml:"name"`
	Reason    string `yaml:"reason"`
	// File and Line locate the entry, for findings about it.
	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// LoadRoot reads the rules: key of the repository-root chartcheck.yaml
// (package config reads the file); a missing file gives empty settings.
func LoadRoot(path string) (Settings, error) {
	sh, err := config.LoadShared(path)
	if err != nil {
		return Settings{}, err
	}
	return Decode(&sh.Rules, path)
}

// Decode reads settings from the node under a file's `rules:` key (the
// cluster configuration keeps that node for this package) and validates
// them. file names the source in errors and findings.
func Decode(node *yaml.Node, file string) (Settings, error) {
	var s Settings
	if node == nil || node.Kind == 0 {
		return s, nil
	}
	// Decode strictly through a re-encoded document: yaml.Node.Decode has
	// no KnownFields switch.
	raw, err := yaml.Marshal(node)
	if err != nil {
		return s, fmt.Errorf("%s: rules: %w", file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return s, fmt.Errorf("%s: rules: %w", file, err)
	}
	// Line numbers come from the original node.
	if ig := mapValue(node, "ignore"); ig != nil && ig.Kind == yaml.SequenceNode {
		for i := range s.Ignore {
			if i < len(ig.Content) {
				s.Ignore[i].Line = ig.Content[i].Line
			}
		}
	}
	for i := range s.Ignore {
		s.Ignore[i].File = file
	}
	return s, s.validate(file)
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func (s Settings) validate(file string) error {
	check := func(where, id string) error {
		if _, ok := rules.Lookup(id); !ok {
			return fmt.Errorf("%s: rules.%s: unknown rule %q (see `chartcheck rules`)", file, where, id)
		}
		return nil
	}
	for i, id := range s.Enable {
		if err := check(fmt.Sprintf("enable[%d]", i), id); err != nil {
			return err
		}
	}
	for i, id := range s.Disable {
		if err := check(fmt.Sprintf("disable[%d]", i), id); err != nil {
			return err
		}
	}
	for id := range s.Severity {
		if err := check("severity", id); err != nil {
			return err
		}
	}
	for i, ig := range s.Ignore {
		if ig.Rule == "" {
			return fmt.Errorf("%s:%d: rules.ignore[%d]: rule is required", file, ig.Line, i)
		}
		if err := check(fmt.Sprintf("ignore[%d].rule", i), ig.Rule); err != nil {
			return err
		}
	}
	return nil
}

// Merge layers over on top of s: a cluster's settings over the root's.
func (s Settings) Merge(over Settings) Settings {
	out := Settings{
		Enable:   append(append([]string(nil), s.Enable...), over.Enable...),
		Disable:  append(append([]string(nil), s.Disable...), over.Disable...),
		Severity: map[string]rules.Severity{},
		Ignore:   append(append([]Ignore(nil), s.Ignore...), over.Ignore...),
	}
	for k, v := range s.Severity {
		out.Severity[k] = v
	}
	for k, v := range over.Severity {
		out.Severity[k] = v
	}
	return out
}

// Rules returns the rules to run with their effective severities: the
// defaults, then enable, then disable (a rule both enabled and disabled
// stays off).
func (s Settings) Rules() []*rules.Rule {
	on := map[string]bool{}
	for _, r := range rules.All() {
		on[r.ID] = !r.Disabled
	}
	for _, id := range s.Enable {
		on[id] = true
	}
	for _, id := range s.Disable {
		on[id] = false
	}
	var out []*rules.Rule
	for _, r := range rules.All() {
		if !on[r.ID] {
			continue
		}
		if sev, ok := s.Severity[r.ID]; ok {
			cp := *r
			cp.Severity, cp.ProdSeverity = sev, nil // an explicit grade holds in every cluster
			r = &cp
		}
		out = append(out, r)
	}
	return out
}
