// Package dashboard decodes a Grafana dashboard JSON model strictly, checks
// the fields Grafana needs at the schema version it declares, and lists its
// PromQL expressions ready to send to Prometheus.
package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Schema versions this check knows. 36 (Grafana 9) made every datasource a
// {type, uid} reference; 39 is Grafana 10.3/10.4; 41 is Grafana 11.x.
const (
	MinSchemaVersion = 36
	MaxSchemaVersion = 41
)

// Dashboard is the dashboard JSON model. Panel-plugin specific parts
// (options, fieldConfig) stay raw: their shape belongs to each panel type.
type Dashboard struct {
	ID                   *int            `json:"id,omitempty"`
	UID                  string          `json:"uid"`
	Title                string          `json:"title"`
	Description          string          `json:"description,omitempty"`
	Tags                 []string        `json:"tags,omitempty"`
	Timezone             string          `json:"timezone,omitempty"`
	Editable             *bool           `json:"editable,omitempty"`
	GraphTooltip         int             `json:"graphTooltip,omitempty"`
	Time                 *TimeRange      `json:"time,omitempty"`
	Timepicker           json.RawMessage `json:"timepicker,omitempty"`
	FiscalYearStartMonth int             `json:"fiscalYearStartMonth,omitempty"`
	LiveNow              bool            `json:"liveNow,omitempty"`
	WeekStart            string          `json:"weekStart,omitempty"`
	Refresh              json.RawMessage `json:"refresh,omitempty"` // string, or false
	SchemaVersion        int             `json:"schemaVersion"`
	Version              int             `json:"version,omitempty"`
	Panels               []Panel         `json:"panels"`
	Templating           struct {
		List []Variable `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []json.RawMessage `json:"list"`
	} `json:"annotations"`
	Links    []json.RawMessage `json:"links,omitempty"`
	GnetID   *int              `json:"gnetId,omitempty"`
	Inputs   []json.RawMessage `json:"__inputs,omitempty"`
	Requires []json.RawMessage `json:"__requires,omitempty"`
	Elements json.RawMessage   `json:"__elements,omitempty"`
}

// TimeRange is the default time range.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Panel is one panel, or a row holding collapsed panels.
type Panel struct {
	ID              int             `json:"id"`
	Type            string          `json:"type"`
	Title           string          `json:"title"`
	Description     string          `json:"description,omitempty"`
	GridPos         *GridPos        `json:"gridPos"`
	Datasource      json.RawMessage `json:"datasource,omitempty"`
	Targets         []Target        `json:"targets,omitempty"`
	Options         json.RawMessage `json:"options,omitempty"`
	FieldConfig     json.RawMessage `json:"fieldConfig,omitempty"`
	Transformations json.RawMessage `json:"transformations,omitempty"`
	Interval        string          `json:"interval,omitempty"`
	MaxDataPoints   *int            `json:"maxDataPoints,omitempty"`
	PluginVersion   string          `json:"pluginVersion,omitempty"`
	Transparent     bool            `json:"transparent,omitempty"`
	Links           json.RawMessage `json:"links,omitempty"`
	Repeat          string          `json:"repeat,omitempty"`
	Collapsed       bool            `json:"collapsed,omitempty"`
	Panels          []Panel         `json:"panels,omitempty"` // a collapsed row's panels
}

// GridPos places a panel on Grafana's 24-column grid.
type GridPos struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Target is one query of a panel.
type Target struct {
	RefID          string          `json:"refId"`
	Datasource     json.RawMessage `json:"datasource,omitempty"`
	Expr           string          `json:"expr"`
	LegendFormat   string          `json:"legendFormat,omitempty"`
	Instant        bool            `json:"instant,omitempty"`
	Range          *bool           `json:"range,omitempty"`
	Format         string          `json:"format,omitempty"`
	Interval       string          `json:"interval,omitempty"`
	IntervalFactor int             `json:"intervalFactor,omitempty"`
	Exemplar       bool            `json:"exemplar,omitempty"`
	EditorMode     string          `json:"editorMode,omitempty"`
	Hide           bool            `json:"hide,omitempty"`
}

// Variable is a template variable.
type Variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Label      string          `json:"label,omitempty"`
	Query      json.RawMessage `json:"query,omitempty"`
	Current    json.RawMessage `json:"current,omitempty"`
	Datasource json.RawMessage `json:"datasource,omitempty"`
	Definition string          `json:"definition,omitempty"`
	Refresh    int             `json:"refresh,omitempty"`
	Regex      string          `json:"regex,omitempty"`
	Hide       int             `json:"hide,omitempty"`
	IncludeAll bool            `json:"includeAll,omitempty"`
	Multi      bool            `json:"multi,omitempty"`
	Options    json.RawMessage `json:"options,omitempty"`
	Sort       int             `json:"sort,omitempty"`
}

// Decode reads a dashboard, refusing fields the model does not have: a
// misspelt key is silently ignored by Grafana, so it is an error here.
func Decode(data []byte) (Dashboard, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Dashboard
	if err := dec.Decode(&d); err != nil {
		return Dashboard{}, fmt.Errorf("decoding dashboard: %w", err)
	}
	return d, nil
}

var (
	uidPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,40}$`)
	// $name, ${name}, ${name:format} and the deprecated [[name]].
	variableRef = regexp.MustCompile(`\$\{([a-zA-Z0-9_]+)(?::[^}]*)?\}|\$([a-zA-Z0-9_]+)|\[\[([a-zA-Z0-9_]+)\]\]`)
)

var variableTypes = map[string]bool{
	"query": true, "custom": true, "constant": true, "datasource": true,
	"interval": true, "textbox": true, "adhoc": true, "groupby": true,
}

// Validate checks what Grafana requires of a dashboard at its declared
// schema version and returns every problem found, each naming its panel.
func (d Dashboard) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if d.SchemaVersion < MinSchemaVersion || d.SchemaVersion > MaxSchemaVersion {
		add("schemaVersion %d: only %d..%d are checked here", d.SchemaVersion, MinSchemaVersion, MaxSchemaVersion)
	}
	if strings.TrimSpace(d.Title) == "" {
		add("title is empty")
	}
	if !uidPattern.MatchString(d.UID) {
		add("uid %q: want 1-40 letters, digits, - or _", d.UID)
	}
	vars := map[string]bool{}
	for i, v := range d.Templating.List {
		switch {
		case v.Name == "":
			add("templating.list[%d]: name is empty", i)
		case vars[v.Name]:
			add("templating.list[%d]: variable %q defined twice", i, v.Name)
		case !variableTypes[v.Type]:
			add("templating variable %q: unknown type %q", v.Name, v.Type)
		}
		vars[v.Name] = true
	}
	ids := map[int]string{}
	var walk func(panels []Panel, inRow string)
	walk = func(panels []Panel, inRow string) {
		for _, p := range panels {
			name := fmt.Sprintf("panel %d %q", p.ID, p.Title)
			if p.ID <= 0 {
				add("%s: id must be a positive integer", name)
			} else if other, dup := ids[p.ID]; dup {
				add("%s: id already used by %s", name, other)
			}
			ids[p.ID] = name
			if p.Type == "" {
				add("%s: type is empty", name)
			}
			if p.GridPos == nil {
				add("%s: gridPos is missing", name)
			} else if g := *p.GridPos; g.W < 1 || g.H < 1 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
				add("%s: gridPos %+v is off Grafana's 24-column grid", name, g)
			}
			if p.Type == "row" {
				if inRow != "" {
					add("%s: a row inside row %s", name, inRow)
				}
				walk(p.Panels, name)
				continue
			}
			if len(p.Panels) > 0 {
				add("%s: only rows hold panels", name)
			}
			errs = append(errs, checkDatasource(name, p.Datasource, vars)...)
			refs := map[string]bool{}
			for _, t := range p.Targets {
				tname := fmt.Sprintf("%s target %q", name, t.RefID)
				if t.RefID == "" || refs[t.RefID] {
					add("%s: refId must be set and unique in the panel", tname)
				}
				refs[t.RefID] = true
				if strings.TrimSpace(t.Expr) == "" {
					add("%s: expr is empty", tname)
				}
				errs = append(errs, checkDatasource(tname, t.Datasource, vars)...)
				for _, ref := range variableRefs(t.Expr) {
					if !vars[ref] && !strings.HasPrefix(ref, "__") {
						add("%s: expr uses undefined variable $%s", tname, ref)
					}
				}
			}
		}
	}
	walk(d.Panels, "")
	return errors.Join(errs...)
}

// Since schema 36 a datasource is a {type, uid} reference, not a name.
func checkDatasource(name string, raw json.RawMessage, vars map[string]bool) []error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil // the dashboard's default datasource
	}
	var ref struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ref); err != nil {
		return []error{fmt.Errorf("%s: datasource %s is not a {type, uid} reference: %w", name, raw, err)}
	}
	var errs []error
	if ref.Type == "" || ref.UID == "" {
		errs = append(errs, fmt.Errorf("%s: datasource %s needs both type and uid", name, raw))
	}
	for _, v := range variableRefs(ref.UID) {
		if !vars[v] {
			errs = append(errs, fmt.Errorf("%s: datasource uses undefined variable $%s", name, v))
		}
	}
	return errs
}

func variableRefs(s string) []string {
	var out []string
	for _, m := range variableRef.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1]+m[2]+m[3])
	}
	return out
}

// Expression is one panel query.
type Expression struct {
	Panel string
	RefID string
	Expr  string
}

// Expressions lists every query of every panel (rows included) with
// Grafana's built-in interval variables replaced by the values given, as
// Grafana does before it sends a query to Prometheus.
func (d Dashboard) Expressions(builtins map[string]string) []Expression {
	var out []Expression
	var walk func([]Panel)
	walk = func(panels []Panel) {
		for _, p := range panels {
			walk(p.Panels)
			for _, t := range p.Targets {
				if t.Hide {
					continue
				}
				expr := variableRef.ReplaceAllStringFunc(t.Expr, func(ref string) string {
					m := variableRef.FindStringSubmatch(ref)
					if v, ok := builtins[m[1]+m[2]+m[3]]; ok {
						return v
					}
					return ref
				})
				out = append(out, Expression{Panel: p.Title, RefID: t.RefID, Expr: expr})
			}
		}
	}
	walk(d.Panels)
	return out
}
