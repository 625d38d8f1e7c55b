package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/ports/internal/memstore"
	"github.com/doc-search/gitops/app/ports/internal/metrics"
	"github.com/doc-search/gitops/app/ports/internal/port"
	"github.com/doc-search/gitops/app/ports/internal/tracing"
)

var fixture = []port.Port{
	{Locode: "NLRTM", Name: "Rotterdam", Country: "Netherlands", Coordinates: &port.Coordinates{Lon: 4.47917, Lat: 51.9225}},
	{Locode: "AEAJM", Name: "Ajman", Country: "United Arab Emirates", Unlocs: []string{"AEAJM"}, Code: "52000"},
	{Locode: "NLAMS", Name: "Amsterdam", Country: "Netherlands"},
	{Locode: "BEANR", Name: "Antwerpen", Country: "Belgium"},
}

// newServer serves ps as main does, without an exporter.
func newServer(t testing.TB, ps ...port.Port) (http.Handler, *Readiness, *bytes.Buffer) {
	s := memstore.New()
	require.NoError(t, s.Replace(context.Background(), func(u port.Upserter) error {
		for _, p := range ps {
			require.NoError(t, u.Upsert(context.Background(), p))
		}
		return nil
	}))
	var logs bytes.Buffer
	log := slog.New(tracing.LogHandler(slog.NewJSONHandler(&logs, nil)))
	ready := &Readiness{}
	reg := service.NewRegistry()
	svc := service.New(service.Options{Log: log, Registry: reg, Namespace: metrics.Namespace,
		Info: buildinfo.Info{Version: "1.2.3", Build: "7", Commit: "abc"}, Ready: ready.Check})
	Register(svc, s, log, ready)
	return Trace(svc.Handler(), noop.NewTracerProvider(), propagation.TraceContext{}), ready, &logs
}

func get(t testing.TB, h http.Handler, target string, header ...string) (*http.Response, string) {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestServer_Contract(t *testing.T) {
	h, ready, _ := newServer(t, fixture...)
	ready.Loaded()
	tests := []struct {
		name     string
		target   string
		wantCode int
		wantBody string
	}{
		{"one port", "/ports/AEAJM", 200, `{"locode":"AEAJM","name":"Ajman","country":"United Arab Emirates","unlocs":["AEAJM"],"code":"52000"}`},
		{"coordinates as [lon, lat]", "/ports/NLRTM", 200, `{"locode":"NLRTM","name":"Rotterdam","country":"Netherlands","coordinates":[4.47917,51.9225]}`},
		{"unknown port", "/ports/XXXXX", 404, `{"error":"no port with UN/LOCODE \"XXXXX\""}`},
		{"first page", "/ports?limit=2", 200, `{"ports":[{"locode":"AEAJM","name":"Ajman","country":"United Arab Emirates","unlocs":["AEAJM"],"code":"52000"},{"locode":"BEANR","name":"Antwerpen","country":"Belgium"}],"next":"BEANR"}`},
		{"next page", "/ports?limit=2&after=BEANR", 200, `{"ports":[{"locode":"NLAMS","name":"Amsterdam","country":"Netherlands"},{"locode":"NLRTM","name":"Rotterdam","country":"Netherlands","coordinates":[4.47917,51.9225]}]}`},
		{"country filter", "/ports?country=Belgium", 200, `{"ports":[{"locode":"BEANR","name":"Antwerpen","country":"Belgium"}]}`},
		{"country filter with spaces", "/ports?country=United+Arab+Emirates&limit=1", 200, `{"ports":[{"locode":"AEAJM","name":"Ajman","country":"United Arab Emirates","unlocs":["AEAJM"],"code":"52000"}]}`},
		{"no match is an empty list", "/ports?country=Atlantis", 200, `{"ports":[]}`},
		{"limit not a number", "/ports?limit=ten", 400, `{"error":"limit \"ten\": want a whole number from 1 to 1000"}`},
		{"limit too large", "/ports?limit=1001", 400, `{"error":"limit \"1001\": want a whole number from 1 to 1000"}`},
		{"limit zero", "/ports?limit=0", 400, `{"error":"limit \"0\": want a whole number from 1 to 1000"}`},
		{"healthz", "/healthz", 200, `{"status":"alive"}`},
		{"ready", "/ready", 200, `{"status":"ready"}`},
		{"readyz", "/readyz", 200, `{"status":"ready"}`},
		{"version", "/version", 200, `{"version":"1.2.3","build":"7","commit":"abc"}`},
		{"unknown route", "/nope", 404, `{"error":"no such path: /nope"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, h, tt.target)
			assert.Equal(t, tt.wantCode, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.JSONEq(t, tt.wantBody, body)
		})
	}
}

func TestServer_ListWalksEveryPage(t *testing.T) {
	h, _, _ := newServer(t, fixture...)
	var got []string
	after := ""
	for range len(fixture) + 1 {
		_, body := get(t, h, "/ports?limit=1&after="+after)
		var page listResponse
		require.NoError(t, json.Unmarshal([]byte(body), &page))
		for _, p := range page.Ports {
			got = append(got, p.Locode)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	assert.Equal(t, []string{"AEAJM", "BEANR", "NLAMS", "NLRTM"}, got)
}

func TestServer_ReadyAfterTheFirstLoadUntilDrain(t *testing.T) {
	h, ready, _ := newServer(t)
	for _, path := range []string{"/ready", "/readyz"} {
		resp, body := get(t, h, path)
		assert.Equal(t, 503, resp.StatusCode)
		assert.JSONEq(t, `{"status":"not ready","error":"loading the data file"}`, body)
	}
	ready.Loaded()
	resp, _ := get(t, h, "/ready")
	assert.Equal(t, 200, resp.StatusCode)
	ready.Drain()
	for _, path := range []string{"/ready", "/readyz"} {
		resp, body := get(t, h, path)
		assert.Equal(t, 503, resp.StatusCode)
		assert.JSONEq(t, `{"status":"not ready","error":"shutting down"}`, body)
	}
	resp, _ = get(t, h, "/ports/NLRTM")
	assert.Equal(t, 404, resp.StatusCode, "still serving while draining")
}

// Without an exporter the provider records nothing, yet an incoming trace
// is continued: its ID is in the response and the access log.
func TestServer_ContinuesAnIncomingTraceWithoutAnExporter(t *testing.T) {
	h, _, logs := newServer(t, fixture...)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	resp, _ := get(t, h, "/ports/NLRTM", "traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	assert.Equal(t, traceID, resp.Header.Get(TraceIDHeader))
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &line))
	assert.Equal(t, traceID, line["trace_id"])
	assert.Equal(t, "get", line["handler"])

	logs.Reset()
	resp, _ = get(t, h, "/ports/NLRTM")
	assert.Empty(t, resp.Header.Get(TraceIDHeader), "no trace, no header")
	assert.NotContains(t, logs.String(), "trace_id")
}

func FuzzServer(f *testing.F) {
	for _, s := range []string{"/ports/NLRTM", "/ports?limit=2&after=BEANR&country=Netherlands", "/ports?limit=-1", "/ports/%00", "/ports?after=%ff%fe", "/ready", "/ports/" + strings.Repeat("A", 300)} {
		f.Add(s)
	}
	h, _, _ := newServer(f, fixture...)
	f.Fuzz(func(t *testing.T, target string) {
		req, err := http.NewRequest(http.MethodGet, "http://ports"+target, nil)
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp := rec.Result()
		if resp.StatusCode/100 == 3 { // the mux redirects to the cleaned path
			require.NotEmpty(t, resp.Header.Get("Location"))
			return
		}
		require.Contains(t, []int{200, 400, 404, 405, 503}, resp.StatusCode, target)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		var v any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&v), "body must be JSON")
	})
}
