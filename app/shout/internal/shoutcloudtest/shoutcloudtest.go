// Package shoutcloudtest is a loopback stand-in for the SHOUTCLOUD upstream
// API (POST /V1/SHOUT {"INPUT"} answers {"INPUT","OUTPUT"}), which tests
// cannot reach. It speaks the same protocol over real HTTP and can be told
// to be slow, to fail with a status or to answer garbage. It stands in for a
// third-party API; it is not a mock of this service's own code.
package shoutcloudtest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Behaviour is how the stand-in answers.
type Behaviour struct {
	Delay   time.Duration // wait before answering (the request's context ends it early)
	Status  int           // answer this status instead of capitalizing; 0 for none
	Times   int           // Status only for this many calls, then answer normally; 0 for always
	Garbage bool          // answer 200 with a body that is not the protocol's
}

// Server is the stand-in.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	behaviour Behaviour
	failed    int

	calls atomic.Int64
	open  atomic.Int64 // connections open now
}

// New starts a stand-in on a loopback port; Close stops it.
func New() *Server {
	s := &Server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.shout))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			s.open.Add(1)
		case http.StateClosed, http.StateHijacked:
			s.open.Add(-1)
		}
	}
	s.Start()
	return s
}

// Set changes how the stand-in answers from the next call on.
func (s *Server) Set(b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behaviour, s.failed = b, 0
}

// Calls is how many calls to /V1/SHOUT arrived.
func (s *Server) Calls() int64 { return s.calls.Load() }

// OpenConns is how many client connections are open.
func (s *Server) OpenConns() int64 { return s.open.Load() }

func (s *Server) shout(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/V1/SHOUT" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	s.calls.Add(1)
	// Read the request first: only then does net/http watch the connection
	// and end the request's context when the client gives up.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	s.mu.Lock()
	b := s.behaviour
	fail := b.Status != 0 && (b.Times == 0 || s.failed < b.Times)
	if fail {
		s.failed++
	}
	s.mu.Unlock()

	if b.Delay > 0 {
		select {
		case <-time.After(b.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if fail {
		http.Error(w, http.StatusText(b.Status), b.Status)
		return
	}
	if b.Garbage {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"OUTPUT": 42, "oops"`))
		return
	}
	var req struct {
		Input *string `json:"INPUT"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Input == nil {
		http.Error(w, `want {"INPUT": "text"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"INPUT": *req.Input, "OUTPUT": strings.ToUpper(*req.Input)})
}
