package api

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// openapiJSON is the API's OpenAPI 3 document as written; the served copy
// carries the configured text length.
//
//go:embed openapi.json
var openapiJSON []byte

// document is the OpenAPI document, as JSON and as the /docs page.
type document struct {
	spec *openapi3.T
	json []byte
	html []byte
}

// Document parses the embedded OpenAPI document and sets the limit the
// service enforces in it, for tests and tools that check against it.
func Document(maxChars int) (*openapi3.T, error) {
	spec, err := openapi3.NewLoader().LoadFromData(openapiJSON)
	if err != nil {
		return nil, fmt.Errorf("loading openapi.json: %w", err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI 3 document: %w", err)
	}
	limit := uint64(maxChars)
	spec.Components.Schemas["ShoutRequest"].Value.Properties["data"].Value.MaxLength = &limit
	return spec, nil
}

func loadDocument(maxChars int) (*document, error) {
	spec, err := Document(maxChars)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("writing openapi.json: %w", err)
	}
	var page bytes.Buffer
	if err := docsPage.Execute(&page, newPageData(spec)); err != nil {
		return nil, fmt.Errorf("rendering /docs: %w", err)
	}
	return &document{spec: spec, json: append(js, '\n'), html: page.Bytes()}, nil
}

func (a *API) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(a.doc.json)
}

func (a *API) docs(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page is the document and nothing else: no script, style inline.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(a.doc.html)
}

// pageData is the document laid out for the page: operations in path order,
// schemas by name.
type pageData struct {
	Title, Version, Description string
	Operations                  []pageOperation
	Schemas                     []pageSchema
}

type pageOperation struct {
	Method, Path, ID, Summary, Description string
	Request                                *pageBody
	Responses                              []pageResponse
}

type pageBody struct {
	ContentType, Schema, Example string
}

type pageResponse struct {
	Status, Description string
	Headers             []pageField
	Body                *pageBody
}

type pageSchema struct {
	Name   string
	Fields []pageField
}

type pageField struct {
	Name, Type, Description string
	Required                bool
}

func newPageData(spec *openapi3.T) pageData {
	d := pageData{Title: spec.Info.Title, Version: spec.Info.Version, Description: spec.Info.Description}
	for _, path := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Value(path)
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		for _, m := range methods {
			op := ops[m]
			po := pageOperation{Method: m, Path: path, ID: op.OperationID, Summary: op.Summary, Description: op.Description}
			if op.RequestBody != nil {
				po.Request = newPageBody(op.RequestBody.Value.Content)
			}
			codes := op.Responses.Keys()
			slices.Sort(codes)
			for _, code := range codes {
				r := op.Responses.Value(code).Value
				pr := pageResponse{Status: code + " " + statusText(code), Description: deref(r.Description), Body: newPageBody(r.Content)}
				for name, h := range r.Headers {
					pr.Headers = append(pr.Headers, pageField{Name: name, Type: schemaType(h.Value.Schema), Description: h.Value.Description})
				}
				po.Responses = append(po.Responses, pr)
			}
			d.Operations = append(d.Operations, po)
		}
	}
	// Paths come most specific first for matching; a reader wants them sorted.
	slices.SortStableFunc(d.Operations, func(a, b pageOperation) int { return strings.Compare(a.Path, b.Path) })
	names := make([]string, 0, len(spec.Components.Schemas))
	for name := range spec.Components.Schemas {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := spec.Components.Schemas[name].Value
		ps := pageSchema{Name: name}
		props := make([]string, 0, len(s.Properties))
		for p := range s.Properties {
			props = append(props, p)
		}
		slices.Sort(props)
		for _, p := range props {
			ps.Fields = append(ps.Fields, pageField{Name: p, Type: schemaType(s.Properties[p]),
				Description: s.Properties[p].Value.Description, Required: slices.Contains(s.Required, p)})
		}
		d.Schemas = append(d.Schemas, ps)
	}
	return d
}

func newPageBody(content openapi3.Content) *pageBody {
	for ct, mt := range content {
		b := &pageBody{ContentType: ct, Schema: schemaType(mt.Schema)}
		if mt.Example != nil {
			ex, err := json.Marshal(mt.Example)
			if err == nil {
				b.Example = string(ex)
			}
		}
		return b // each response here has one content type
	}
	return nil
}

// schemaType names a schema for a reader: its component name, or its type
// and limits.
func schemaType(ref *openapi3.SchemaRef) string {
	if ref == nil {
		return ""
	}
	if ref.Ref != "" {
		return strings.TrimPrefix(ref.Ref, "#/components/schemas/")
	}
	s := ref.Value
	t := strings.Join(s.Type.Slice(), "|")
	var limits []string
	if s.MaxLength != nil {
		limits = append(limits, fmt.Sprintf("at most %d characters", *s.MaxLength))
	}
	if s.Min != nil {
		limits = append(limits, fmt.Sprintf("at least %g", *s.Min))
	}
	if len(limits) > 0 {
		t += ", " + strings.Join(limits, ", ")
	}
	return t
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// statusText is the reason phrase of a response key such as "503".
func statusText(code string) string {
	n, _ := strconv.Atoi(code)
	return http.StatusText(n)
}

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} API {{.Version}}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h2 { border-top: 1px solid #ccc; padding-top: 1rem; }
code, pre { font-family: ui-monospace, monospace; background: #f4f4f4; padding: 0 .2em; }
pre { padding: .5rem; overflow-x: auto; }
.method { font-weight: bold; text-transform: uppercase; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; vertical-align: top; }
</style>
</head>
<body>
<h1>{{.Title}} API <small>{{.Version}}</small></h1>
<p>{{.Description}}</p>
<p>The machine-readable document: <a href="openapi.json">openapi.json</a> (OpenAPI 3).</p>
<ul>{{range .Operations}}<li><a href="#{{.ID}}"><span class="method">{{.Method}}</span> <code>{{.Path}}</code></a>: {{.Summary}}</li>{{end}}</ul>
{{range .Operations}}
<h2 id="{{.ID}}"><span class="method">{{.Method}}</span> <code>{{.Path}}</code>: {{.Summary}}</h2>
{{with .Description}}<p>{{.}}</p>{{end}}
{{with .Request}}<h3>Request body</h3>
<p><code>{{.ContentType}}</code>, <a href="#schema-{{.Schema}}">{{.Schema}}</a></p>
{{with .Example}}<pre>{{.}}</pre>{{end}}{{end}}
<h3>Responses</h3>
<table>
<tr><th>status</th><th>meaning</th><th>body</th></tr>
{{range .Responses}}<tr><td>{{.Status}}</td><td>{{.Description}}{{range .Headers}}<br>Header <code>{{.Name}}</code> ({{.Type}}): {{.Description}}{{end}}</td>
<td>{{with .Body}}<code>{{.ContentType}}</code> {{.Schema}}{{with .Example}}<pre>{{.}}</pre>{{end}}{{end}}</td></tr>
{{end}}</table>
{{end}}
<h2>Schemas</h2>
{{range .Schemas}}<h3 id="schema-{{.Name}}">{{.Name}}</h3>
<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>
{{range .Fields}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{if .Required}}yes{{else}}no{{end}}</td><td>{{.Description}}</td></tr>
{{end}}</table>
{{end}}
</body>
</html>
`))
