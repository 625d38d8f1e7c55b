package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/shout/internal/api"
	"github.com/doc-search/gitops/app/shout/internal/redistest"
	"github.com/doc-search/gitops/app/shout/internal/shoutcloudtest"
)

// exchange is one request the test makes and the status it must get.
type exchange struct {
	method, path, contentType, body string
	status                          int
	valid                           bool // the request itself follows the document
	setup                           func(*testing.T, *testApp)
}

// TestOpenAPI_EveryRouteAndResponseMatchesTheDocument makes a request for
// every response the document promises, checks each request and response
// against the document with kin-openapi's validator, and fails when the
// document promises a route or status no exchange produced, or the service
// serves a route the document does not hold.
func TestOpenAPI_EveryRouteAndResponseMatchesTheDocument(t *testing.T) {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	const maxChars = 50
	spec, err := api.Document(maxChars)
	require.NoError(t, err)

	breakerOpen := func(t *testing.T, a *testApp) {
		a.upstream.Set(shoutcloudtest.Behaviour{Status: http.StatusServiceUnavailable})
		reply := a.do(t, http.MethodPost, "/", "application/json", `{"data":"trip"}`)
		require.Equal(t, http.StatusBadGateway, reply.StatusCode, "the failure that opens the breaker")
	}
	json := "application/json"
	exchanges := []exchange{
		{method: "POST", path: "/", contentType: json, body: `{"data":"test"}`, status: 200, valid: true},
		{method: "POST", path: "/", contentType: json, body: `{"data":""}`, status: 200, valid: true},
		{method: "POST", path: "/", contentType: json, body: `{"data":7}`, status: 400},
		{method: "POST", path: "/", contentType: json, body: `{"data":"` + strings.Repeat("x", maxChars+1) + `"}`, status: 400},
		{method: "POST", path: "/", contentType: json, body: `{"data":"` + strings.Repeat("x", 1<<16) + `"}`, status: 413},
		{method: "POST", path: "/", contentType: "text/plain", body: `{"data":"x"}`, status: 415},
		{method: "POST", path: "/", contentType: json, body: `{"data":"garbage"}`, status: 502, valid: true,
			setup: func(_ *testing.T, a *testApp) { a.upstream.Set(shoutcloudtest.Behaviour{Garbage: true}) }},
		{method: "POST", path: "/", contentType: json, body: `{"data":"open"}`, status: 503, valid: true, setup: breakerOpen},
		{method: "POST", path: "/", contentType: json, body: `{"data":"slow"}`, status: 504, valid: true,
			setup: func(_ *testing.T, a *testApp) { a.upstream.Set(shoutcloudtest.Behaviour{Delay: time.Minute}) }},
		{method: "GET", path: "/openapi.json", status: 200, valid: true},
		{method: "GET", path: "/docs", status: 200, valid: true},
		{method: "GET", path: "/healthz", status: 200, valid: true},
		{method: "GET", path: "/readyz", status: 200, valid: true},
		{method: "GET", path: "/readyz", status: 503, valid: true, setup: func(_ *testing.T, a *testApp) { a.server.Drain() }},
		{method: "GET", path: "/version", status: 200, valid: true},
	}

	redis := redistest.Start(t)
	seen := map[string]bool{}
	for _, ex := range exchanges {
		t.Run(fmt.Sprintf("%s %s %d", ex.method, ex.path, ex.status), func(t *testing.T) {
			// A fresh service each time: drain and breaker state stay put.
			a := newTestApp(t, redis.Addr, "--max-chars", fmt.Sprint(maxChars),
				"--upstream-retries", "0", "--upstream-timeout", "100ms", "--breaker-failures", "1", "--breaker-open", "1m")
			if ex.setup != nil {
				ex.setup(t, a)
			}
			item := spec.Paths.Value(ex.path)
			require.NotNil(t, item, "the document holds %s", ex.path)
			op := item.GetOperation(ex.method)
			require.NotNil(t, op, "the document holds %s %s", ex.method, ex.path)

			req := httptest.NewRequest(ex.method, ex.path, strings.NewReader(ex.body))
			if ex.contentType != "" {
				req.Header.Set("Content-Type", ex.contentType)
			}
			in := &openapi3filter.RequestValidationInput{
				Request: req,
				Route:   &routers.Route{Spec: spec, Path: ex.path, PathItem: item, Method: ex.method, Operation: op},
				Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			reqErr := openapi3filter.ValidateRequest(context.Background(), in)
			if ex.valid {
				require.NoError(t, reqErr, "the request follows the document")
			} else {
				require.Error(t, reqErr, "the document rejects this request too")
			}

			reply := a.do(t, ex.method, ex.path, ex.contentType, ex.body)
			body, err := io.ReadAll(reply.Body)
			require.NoError(t, err)
			require.Equal(t, ex.status, reply.StatusCode, "body %s", body)
			in.Request = httptest.NewRequest(ex.method, ex.path, strings.NewReader(ex.body))
			in.Request.Header = req.Header
			err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in,
				Status:                 reply.StatusCode,
				Header:                 reply.Header,
				Body:                   io.NopCloser(bytes.NewReader(body)),
				Options:                in.Options,
			})
			assert.NoError(t, err, "the response follows the document: %s", body)
			seen[fmt.Sprintf("%s %s %d", ex.method, ex.path, ex.status)] = true
		})
	}

	var promised []string
	for _, path := range spec.Paths.Keys() {
		for method, op := range spec.Paths.Value(path).Operations() {
			for _, code := range op.Responses.Keys() {
				promised = append(promised, fmt.Sprintf("%s %s %s", method, path, code))
			}
		}
	}
	var missing []string
	for _, p := range promised {
		if !seen[p] {
			missing = append(missing, p)
		}
	}
	assert.Empty(t, missing, "responses the document promises that no exchange produced")

	// Routes served: shout's own and the three the shared scaffolding adds.
	a := newTestApp(t, redis.Addr)
	served := []string{"GET /healthz", "GET /readyz", "GET /version"}
	for _, r := range a.api.Routes() {
		served = append(served, r.Method+" "+r.Path)
	}
	for _, route := range served {
		method, path, _ := strings.Cut(route, " ")
		item := spec.Paths.Value(path)
		assert.True(t, item != nil && item.GetOperation(method) != nil, "%s is served and documented", route)
	}
	for _, p := range promised {
		route := p[:strings.LastIndexByte(p, ' ')]
		assert.True(t, slices.Contains(served, route), "%s is documented and served", route)
	}
}
