package render

import (
	"bytes"
	"encoding/json"
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
// Applications that start together wait for the one load or compilation
// instead of each doing it.
type chartCache struct {
	mu      sync.Mutex
	charts  map[string]*cachedChart
	schemas map[string]*cachedSchema
}

type cachedChart struct {
	once sync.Once
	ch   *chart.Chart
	err  error
	// shared is false for charts with subcharts, which are loaded afresh
	// for every render.
	shared bool
}

type cachedSchema struct {
	once sync.Once
	s    *jsonschema.Schema

	// verdicts holds the outcome of validating a chart's values with this
	// schema, by chart name, default values and given values: Applications
	// that differ only in release name or namespace validate once.
	mu       sync.Mutex
	verdicts map[string]error
}

func newChartCache() *chartCache {
	return &chartCache{charts: map[string]*cachedChart{}, schemas: map[string]*cachedSchema{}}
}

// load returns a chart ready for one render. A chart without subcharts is
// loaded once and handed out as a copy with its own values (templates may
// change .Values with sprig's set); one with subcharts is loaded afresh,
// since Helm edits the subchart list while rendering.
func (c *chartCache) load(path string) (*chart.Chart, error) {
	c.mu.Lock()
	e := c.charts[path]
	if e == nil {
		e = &cachedChart{}
		c.charts[path] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		e.ch, e.err = loader.Load(path)
		e.shared = e.err == nil && len(e.ch.Dependencies()) == 0 && e.ch.Metadata.Dependencies == nil
	})
	if e.err != nil {
		return nil, e.err
	}
	if !e.shared {
		return loader.Load(path)
	}
	cp := *e.ch
	cp.Values = copyValue(e.ch.Values).(map[string]any)
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
	e := c.schemas[key]
	if e == nil {
		e = &cachedSchema{}
		c.schemas[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.s = compileSchema(ch.Schema) })
	s := e.s
	if s == nil {
		return false, nil
	}
	var verdictKey string
	if k, err := json.Marshal([]any{ch.Name(), ch.Values, vals}); err == nil {
		verdictKey = string(k)
		e.mu.Lock()
		verdict, seen := e.verdicts[verdictKey]
		e.mu.Unlock()
		if seen {
			return true, verdict
		}
	}
	coalesced, err := chartutil.CoalesceValues(ch, vals)
	if err != nil {
		return false, nil
	}
	var verdict error
	if err := s.Validate(coalesced.AsMap()); err != nil {
		msg := strings.TrimPrefix(err.Error(), "jsonschema validation failed with 'file:///values.schema.json#'\n")
		verdict = fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s\n", ch.Name(), msg)
	}
	if verdictKey != "" {
		e.mu.Lock()
		if e.verdicts == nil {
			e.verdicts = map[string]error{}
		}
		e.verdicts[verdictKey] = verdict
		e.mu.Unlock()
	}
	return true, verdict
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
