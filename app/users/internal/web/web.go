// Package web is the users service's HTTP API: GET /users and POST /user.
// Handlers are thin: they read the request, the user package decides, and
// its errors map to statuses here, in one place.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"

	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/users/internal/user"
)

// Options configure the handlers.
type Options struct {
	Log       *slog.Logger
	Directory user.Directory
	// PageSize is how many users GET /users reads per DynamoDB page when it
	// streams them all.
	PageSize int
	// Failed counts a request the stores could not serve.
	Failed func()
}

// Register adds the routes to s.
func Register(s *service.Server, o Options) {
	s.Handle("GET /users", "users", http.HandlerFunc(o.list))
	s.Handle("POST /user", "create", http.HandlerFunc(o.create))
}

// formOverhead is what a form may hold besides the avatar: the two short
// fields and the multipart framing.
const formOverhead = 64 << 10

// maxField bounds name and email; their own checks are tighter.
const maxField = 1 << 10

func (o Options) create(w http.ResponseWriter, r *http.Request) {
	limit := o.Directory.Limits.MaxBytes
	r.Body = http.MaxBytesReader(w, r.Body, limit+formOverhead)
	name, email, avatar, err := readForm(r, limit)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	u, err := o.Directory.Create(r.Context(), name, email, avatar)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	service.WriteJSON(w, http.StatusCreated, u)
}

// readForm reads the multipart form part by part, never more than the
// limits into memory: name, email, and avatar up to maxAvatar+1 bytes (one
// more tells a too large one apart).
func readForm(r *http.Request, maxAvatar int64) (name, email string, avatar []byte, err error) {
	mt, _, perr := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if perr != nil || mt != "multipart/form-data" {
		return "", "", nil, fmt.Errorf("%w: send the form as multipart/form-data with fields name, email and avatar", user.ErrInvalid)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", nil, fmt.Errorf("%w: reading the form: %v", user.ErrInvalid, err)
	}
	var seen = map[string]bool{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", nil, formError(err)
		}
		field := p.FormName()
		if seen[field] {
			return "", "", nil, fmt.Errorf("%w: field %q is given twice", user.ErrInvalid, field)
		}
		seen[field] = true
		switch field {
		case "name", "email":
			v, err := readPart(p, maxField)
			if err != nil {
				return "", "", nil, err
			}
			if len(v) > maxField {
				return "", "", nil, fmt.Errorf("%w: field %q is longer than %d bytes", user.ErrInvalid, field, maxField)
			}
			if field == "name" {
				name = string(v)
			} else {
				email = string(v)
			}
		case "avatar":
			if p.FileName() == "" {
				return "", "", nil, fmt.Errorf("%w: field \"avatar\" must be a file", user.ErrInvalid)
			}
			v, err := readPart(p, maxAvatar)
			if err != nil {
				return "", "", nil, err
			}
			if int64(len(v)) > maxAvatar {
				return "", "", nil, fmt.Errorf("%w: the avatar is larger than %d bytes", user.ErrTooLarge, maxAvatar)
			}
			avatar = v
		default:
			return "", "", nil, fmt.Errorf("%w: unknown field %q: the form takes name, email and avatar", user.ErrInvalid, field)
		}
	}
	for _, f := range []string{"name", "email", "avatar"} {
		if !seen[f] {
			return "", "", nil, fmt.Errorf("%w: field %q is required", user.ErrInvalid, f)
		}
	}
	return name, email, avatar, nil
}

// readPart reads at most max+1 bytes of p.
func readPart(p *multipart.Part, max int64) ([]byte, error) {
	v, err := io.ReadAll(io.LimitReader(p, max+1))
	if err != nil {
		return nil, formError(err)
	}
	return v, nil
}

// formError tells a body over the limit (413) from a malformed one (400).
func formError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("%w: the form is larger than %d bytes", user.ErrTooLarge, mbe.Limit)
	}
	return fmt.Errorf("%w: reading the form: %v", user.ErrInvalid, err)
}

// list answers a JSON array of users. With limit or next it is one
// DynamoDB page, and a Link header names the next one; without, every
// user, streamed page by page so only one page is ever in memory.
func (o Options) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cursor := q.Get("next")
	if !q.Has("limit") && !q.Has("next") {
		o.stream(w, r)
		return
	}
	limit := o.PageSize
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			o.fail(w, r, fmt.Errorf("%w: limit %q is not a number", user.ErrInvalid, s))
			return
		}
		limit = n
	}
	p, err := o.Directory.List(r.Context(), limit, cursor)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	if p.Next != "" {
		next := url.Values{"limit": {strconv.Itoa(limit)}, "next": {p.Next}}
		w.Header().Set("Link", "</users?"+next.Encode()+`>; rel="next"`)
	}
	service.WriteJSON(w, http.StatusOK, p.Users)
}

// stream writes every user. The first page is read before the status is
// sent, so a store that is down is a 503; a failure on a later page can no
// longer change the status, so the connection is cut: a client sees a
// broken response, never a short list that looks whole.
func (o Options) stream(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := o.Directory.List(ctx, o.PageSize, "")
	if err != nil {
		o.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	first := true
	_, _ = io.WriteString(w, "[")
	for {
		for _, u := range p.Users {
			if !first {
				_, _ = io.WriteString(w, ",")
			}
			first = false
			if err := enc.Encode(u); err != nil {
				panic(http.ErrAbortHandler)
			}
		}
		_ = rc.Flush()
		if p.Next == "" {
			break
		}
		if p, err = o.Directory.List(ctx, o.PageSize, p.Next); err != nil {
			o.logFailure(ctx, err)
			panic(http.ErrAbortHandler)
		}
	}
	_, _ = io.WriteString(w, "]\n")
}

// fail answers err with its status and a JSON message saying what is wrong.
func (o Options) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, user.ErrTooLarge):
		service.WriteError(w, http.StatusRequestEntityTooLarge, err.Error())
	case errors.Is(err, user.ErrNotImage):
		service.WriteError(w, http.StatusUnsupportedMediaType, err.Error())
	case errors.Is(err, user.ErrExists):
		service.WriteError(w, http.StatusConflict, err.Error())
	case errors.Is(err, user.ErrInvalid):
		service.WriteError(w, http.StatusBadRequest, err.Error())
	default:
		o.logFailure(r.Context(), err)
		msg := "storage unavailable, try again shortly"
		if r.Context().Err() == context.Canceled {
			msg = "request canceled"
		}
		w.Header().Set("Retry-After", "5")
		service.WriteError(w, http.StatusServiceUnavailable, msg)
	}
}

func (o Options) logFailure(ctx context.Context, err error) {
	if o.Failed != nil {
		o.Failed()
	}
	o.Log.LogAttrs(ctx, slog.LevelError, "storage request failed",
		slog.String("request_id", service.RequestID(ctx)), slog.Any("error", err))
}
