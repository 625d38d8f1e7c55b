package web

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/doc-search/gitops/app/users/internal/user"
)

// FuzzReadForm feeds arbitrary bodies to the multipart reader of POST
// /user: it never panics, never reads an avatar past the limit, and every
// failure is a bad form (400) or one too large (413).
func FuzzReadForm(f *testing.F) {
	const maxAvatar = 64
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.SetBoundary("fuzzboundary")
	_ = mw.WriteField("name", "Test User")
	_ = mw.WriteField("email", "test-user@example.com")
	w, _ := mw.CreateFormFile("avatar", "a.png")
	_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n"))
	_ = mw.Close()
	f.Add(b.Bytes())
	f.Add([]byte("--fuzzboundary--\r\n"))
	f.Add([]byte("--fuzzboundary\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"x\"\r\n\r\n" + string(bytes.Repeat([]byte{'x'}, 200)) + "\r\n--fuzzboundary--\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/user", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=fuzzboundary")
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, maxAvatar+formOverhead)
		name, email, avatar, err := readForm(r, maxAvatar)
		if err != nil {
			if !errors.Is(err, user.ErrInvalid) && !errors.Is(err, user.ErrTooLarge) {
				t.Fatalf("error is neither a bad form nor too large: %v", err)
			}
			return
		}
		if len(avatar) > maxAvatar || len(name) > maxField || len(email) > maxField {
			t.Fatalf("read past a limit: name %d, email %d, avatar %d bytes", len(name), len(email), len(avatar))
		}
	})
}
