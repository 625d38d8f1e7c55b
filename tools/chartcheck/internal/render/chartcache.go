package render

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

// chartCache loads each chart once per render and compiles each values
// schema once: with many Applications on one chart, loading and schema
// compilation would otherwise cost more than the templating itself.
type chartCache struct {
	mu      sync.Mutex
	charts  map[string]*chart.Chart
	schemas map[string]*jsonschema.Schema
}

func newChartCache() *chartCache {
	return &chartCache{charts: map[string]*chart.Chart{}, schemas: map[string]*jsonschema.Schema{}}
}

// load returns a chart ready for one render. A chart without subcharts is
// loaded once and handed out as a copy with its own values (templates may
// change .Values with sprig's set); one with subcharts is loaded afresh,
// since Helm edits the subchart list while rendering.
func (c *chartCache) load(path string) (*chart.Chart, error) {
	c.mu.Lock()
	ch, ok := c.charts[path]
	c.mu.Unlock()
	if !ok {
		var err error
		if ch, err = loader.Load(path); err != nil {
			return nil, err
		}
		if len(ch.Dependencies()) > 0 || ch.Metadata.Dependencies != nil {
			return ch, nil
		}
		c.mu.Lock()
		c.charts[path] = ch
		c.mu.Unlock()
	}
	cp := *ch
	cp.Values = copyValue(ch.Values).(map[string]any)
	return &cp, nil
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return map[string]any(nil)
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	default:
		return v
	}
}

// validate checks the chart's coalesced values against its
// values.schema.json as Helm does, with the schema compiled once. It
// returns handled=false when it cannot stand in for Helm (subcharts, or a
// schema that refers to remote documents): Helm then validates itself.
func (c *chartCache) validate(ch *chart.Chart, vals map[string]any) (handled bool, err error) {
	if ch.Schema == nil || len(ch.Dependencies()) > 0 {
		return ch.Schema == nil && len(ch.Dependencies()) == 0, nil
	}
	key := string(ch.Schema)
	c.mu.Lock()
	s, ok := c.schemas[key]
	c.mu.Unlock()
	if !ok {
		s = compileSchema(ch.Schema)
		c.mu.Lock()
		c.schemas[key] = s
		c.mu.Unlock()
	}
	if s == nil {
		return false, nil
	}
	coalesced, err := chartutil.CoalesceValues(ch, vals)
	if err != nil {
		return false, nil
	}
	if err := s.Validate(coalesced.AsMap()); err != nil {
		msg := strings.TrimPrefix(err.Error(), "jsonschema validation failed with 'file:///values.schema.json#'\n")
		return true, fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s\n", ch.Name(), msg)
	}
	return true, nil
}

// compileSchema compiles like Helm's ValidateAgainstSingleSchema, minus
// the HTTP loader; nil when that is not enough.
func compileSchema(data []byte) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	comp := jsonschema.NewCompiler()
	comp.UseLoader(jsonschema.SchemeURLLoader{"file": jsonschema.FileLoader{}})
	if err := comp.AddResource("file:///values.schema.json", doc); err != nil {
		return nil
	}
	s, err := comp.Compile("file:///values.schema.json")
	if err != nil {
		return nil
	}
	return s
}
