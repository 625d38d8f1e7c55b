package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/doc-search/gitops/app/shout/internal/shout"
	"github.com/doc-search/gitops/app/shout/internal/shoutcloudtest"
)

// FuzzShout posts arbitrary bodies and content types to POST / of the
// service, against the stand-in upstream: the answer is always a JSON
// object; 200 carries the input reversed and capitalized, anything else is
// one of the documented client errors with a message.
func FuzzShout(f *testing.F) {
	for _, seed := range []struct{ contentType, body string }{
		{"application/json", `{"data":"test"}`},
		{"application/json; charset=utf-8", `{"data":"日本語 👋🏽"}`},
		{"application/json", `{"data":"\ud83d"}`},
		{"application/json", `{"data":1}`},
		{"application/json", `{"data":"a","x":1}`},
		{"application/json", `[]`},
		{"application/json", "{\"data\":\"\xff\"}"},
		{"text/plain", `{"data":"x"}`},
		{"application/json;;", ``},
	} {
		f.Add(seed.contentType, []byte(seed.body))
	}
	up := shoutcloudtest.New()
	f.Cleanup(up.Close)
	srv := stack(f, up, "", nil)
	client := srv.Client()

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header["Content-Type"] = []string{contentType}
		resp, err := client.Do(req)
		if err != nil {
			t.Skipf("the client refused the request: %v", err) // a header value net/http will not send
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("status %d: body %q is not a JSON object of strings: %v", resp.StatusCode, data, err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			var in struct{ Data string }
			if err := json.Unmarshal(body, &in); err != nil {
				t.Fatalf("200 for a body encoding/json rejects: %q", body)
			}
			if want := strings.ToUpper(shout.Reverse(in.Data)); got["data"] != want {
				t.Fatalf("data %q: got %q, want %q", in.Data, got["data"], want)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			if got["error"] == "" {
				t.Fatalf("status %d without an error message: %q", resp.StatusCode, data)
			}
		default:
			t.Fatalf("status %d for a client's request: %q", resp.StatusCode, data)
		}
	})
}
