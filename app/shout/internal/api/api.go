// Package api is shout's own HTTP API: POST / and its OpenAPI document,
// served as JSON at /openapi.json and as a page to read at /docs. Handlers
// only translate between HTTP and the domain; app/internal/service adds
// health, readiness, version, routing errors, logs and metrics.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/shout/internal/upstream"
)

// Shouter is the domain as the API sees it.
type Shouter interface {
	Shout(ctx context.Context, text string) (string, error)
}

// Route is one operation of the API.
type Route struct {
	Name    string // the OpenAPI operationId, and the handler label of metrics and logs
	Method  string
	Path    string
	Handler http.HandlerFunc
}

// API serves the shout operations.
type API struct {
	svc      Shouter
	maxChars int
	maxBody  int64
	doc      *document
}

// New returns the API over svc; maxChars bounds the text's length in
// Unicode characters, and the document served says so.
func New(svc Shouter, maxChars int) (*API, error) {
	doc, err := loadDocument(maxChars)
	if err != nil {
		return nil, err
	}
	return &API{svc: svc, maxChars: maxChars, maxBody: maxBodyBytes(maxChars), doc: doc}, nil
}

// maxBodyBytes is the largest body a valid request can have: every
// character written as a \uXXXX\uXXXX surrogate pair, and room for the rest
// of the object and white space.
func maxBodyBytes(maxChars int) int64 { return 12*int64(maxChars) + 1024 }

// Pattern is the route's http.ServeMux pattern: "/" is that path alone.
func (r Route) Pattern() string {
	if r.Path == "/" {
		return r.Method + " /{$}"
	}
	return r.Method + " " + r.Path
}

// Routes lists the operations; the service's main mounts each.
func (a *API) Routes() []Route {
	return []Route{
		{Name: "shout", Method: http.MethodPost, Path: "/", Handler: a.shout},
		{Name: "openapi", Method: http.MethodGet, Path: "/openapi.json", Handler: a.openapi},
		{Name: "docs", Method: http.MethodGet, Path: "/docs", Handler: a.docs},
	}
}

func (a *API) shout(w http.ResponseWriter, r *http.Request) {
	text, status, err := a.decode(w, r)
	if err != nil {
		service.WriteError(w, status, err.Error())
		return
	}
	out, err := a.svc.Shout(r.Context(), text)
	if err != nil {
		writeUpstreamError(w, err)
		return
	}
	service.WriteJSON(w, http.StatusOK, map[string]string{"data": out})
}

// decode reads the request's text, or says what is wrong with the request
// and which status says so.
func (a *API) decode(w http.ResponseWriter, r *http.Request) (string, int, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return "", http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type must be application/json, got %q", ct)
	}
	if cs, ok := params["charset"]; ok && cs != "utf-8" && cs != "UTF-8" {
		return "", http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type charset must be utf-8, got %q", cs)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, a.maxBody))
	var body map[string]json.RawMessage
	if err := dec.Decode(&body); err != nil {
		return "", decodeStatus(err), describe(err, a.maxBody)
	}
	if dec.More() {
		return "", http.StatusBadRequest, errors.New(`body holds more than one JSON value: want one object {"data": "text"}`)
	}
	if body == nil {
		return "", http.StatusBadRequest, errors.New(`body must be a JSON object {"data": "text"}, got null`)
	}
	for k := range body {
		if k != "data" {
			return "", http.StatusBadRequest, fmt.Errorf(`unknown field %q: the body holds only "data"`, k)
		}
	}
	raw, ok := body["data"]
	if !ok {
		return "", http.StatusBadRequest, errors.New(`field "data" is missing: want {"data": "text"}`)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", http.StatusBadRequest, fmt.Errorf(`field "data": %w`, err)
	}
	text, ok := v.(string)
	if !ok {
		return "", http.StatusBadRequest, fmt.Errorf(`field "data" must be a string, got %s`, jsonType(v))
	}
	if n := utf8.RuneCountInString(text); n > a.maxChars {
		return "", http.StatusBadRequest, fmt.Errorf(`field "data" is %d characters long; at most %d are allowed`, n, a.maxChars)
	}
	return text, 0, nil
}

func decodeStatus(err error) int {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// describe turns a JSON decoding error into words a client can act on.
func describe(err error, maxBody int64) error {
	var (
		tooBig   *http.MaxBytesError
		syntax   *json.SyntaxError
		wrongTyp *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return fmt.Errorf("body is larger than %d bytes", maxBody)
	case errors.Is(err, io.EOF):
		return errors.New(`body is empty: want {"data": "text"}`)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("body is not valid JSON: it ends too early")
	case errors.As(err, &syntax):
		return fmt.Errorf("body is not valid JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &wrongTyp):
		return fmt.Errorf(`body must be a JSON object {"data": "text"}, got %s`, wrongTyp.Value)
	}
	return fmt.Errorf("reading the body: %w", err)
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// writeUpstreamError answers for a failed lookup: 503 with Retry-After while
// the breaker is open, 504 when the upstream was too slow, 502 otherwise.
func writeUpstreamError(w http.ResponseWriter, err error) {
	var open *upstream.OpenError
	switch kind := upstream.Kind(err); {
	case errors.As(err, &open):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(open.RetryAfter.Seconds()))))
		service.WriteError(w, http.StatusServiceUnavailable, err.Error())
	case kind == upstream.KindTimeout:
		service.WriteError(w, http.StatusGatewayTimeout, "upstream did not answer in time: "+err.Error())
	case kind == upstream.KindCanceled:
		// The client left; nobody reads this.
		service.WriteError(w, http.StatusServiceUnavailable, "request canceled")
	default:
		service.WriteError(w, http.StatusBadGateway, "upstream failed: "+err.Error())
	}
}
