package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Handler routes requests to routes by exact path and method, each handler
// passed through wrap (instrumentation, logs). Another path gets a JSON 404,
// another method a JSON 405 with Allow; HEAD is served where GET is.
func Handler(routes []Route, wrap func(Route) http.Handler) http.Handler {
	byPath := map[string]map[string]http.Handler{}
	allow := map[string]string{}
	for _, r := range routes {
		if byPath[r.Path] == nil {
			byPath[r.Path] = map[string]http.Handler{}
		}
		h := wrap(r)
		byPath[r.Path][r.Method] = h
		if r.Method == http.MethodGet {
			byPath[r.Path][http.MethodHead] = h
		}
	}
	for path, methods := range byPath {
		names := make([]string, 0, len(methods))
		for m := range methods {
			names = append(names, m)
		}
		slices.Sort(names)
		allow[path] = strings.Join(names, ", ")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		methods, ok := byPath[r.URL.Path]
		if !ok {
			WriteError(w, http.StatusNotFound, fmt.Sprintf("no such path: %s (the API is described at /docs)", r.URL.Path))
			return
		}
		h, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", allow[r.URL.Path])
			WriteError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s: use %s", r.Method, r.URL.Path, allow[r.URL.Path]))
			return
		}
		h.ServeHTTP(w, r)
	})
}
