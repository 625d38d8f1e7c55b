// Package web is visitors' HTTP API: the HTML page on / and the same
// statistic as JSON on /api/stats. Handlers are thin: the visitor package
// counts.
package web

import (
	"bytes"
	"context"
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/visitors/internal/visitor"
)

//go:embed page.html
var pageHTML string

var page = template.Must(template.New("page").Parse(pageHTML))

// Options configure the handlers.
type Options struct {
	Log          *slog.Logger
	Counter      visitor.Counter
	HashKey      []byte
	TrustProxies int
	UserName     string
	UserURL      string
	// Failed counts a request the store could not serve.
	Failed func()
}

// Register adds the page and /api/stats to s.
func Register(s *service.Server, o Options) {
	s.Handle("GET /{$}", "page", http.HandlerFunc(o.page))
	s.Handle("GET /api/stats", "stats", http.HandlerFunc(o.stats))
}

// Stats is the body of /api/stats.
type Stats struct {
	UniqueVisitors int64  `json:"unique_visitors"`
	Today          int64  `json:"today"`
	FirstSeen      string `json:"first_seen"`
}

func (o Options) visit(w http.ResponseWriter, r *http.Request) (visitor.Stats, bool) {
	addr, err := visitor.ClientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), o.TrustProxies)
	if err != nil {
		service.WriteError(w, http.StatusBadRequest, err.Error())
		return visitor.Stats{}, false
	}
	st, err := o.Counter.Visit(r.Context(), visitor.Identify(o.HashKey, addr, r.UserAgent()))
	if err != nil {
		if o.Failed != nil {
			o.Failed()
		}
		o.Log.LogAttrs(r.Context(), slog.LevelError, "database request failed",
			slog.String("request_id", service.RequestID(r.Context())), slog.Any("error", err))
		msg := "database unavailable, try again shortly"
		if r.Context().Err() == context.Canceled {
			msg = "request canceled"
		}
		w.Header().Set("Retry-After", "5")
		service.WriteError(w, http.StatusServiceUnavailable, msg)
		return visitor.Stats{}, false
	}
	return st, true
}

func (o Options) stats(w http.ResponseWriter, r *http.Request) {
	st, ok := o.visit(w, r)
	if !ok {
		return
	}
	service.WriteJSON(w, http.StatusOK, Stats{UniqueVisitors: st.Unique, Today: st.Today, FirstSeen: st.FirstSeen.Format(time.RFC3339)})
}

func (o Options) page(w http.ResponseWriter, r *http.Request) {
	st, ok := o.visit(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, struct {
		UserName, UserURL        string
		Stats                    visitor.Stats
		FirstSeen, FirstSeenText string
	}{o.UserName, o.UserURL, st, st.FirstSeen.Format(time.RFC3339), st.FirstSeen.Format("2 January 2006, 15:04 MST")})
	if err != nil {
		service.WriteError(w, http.StatusInternalServerError, "rendering the page failed")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}
