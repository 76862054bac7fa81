package agent

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "run", "ready")
	r := ReadyFile{Path: p}
	cases := []struct {
		reason string
		st     Status
		exists bool
	}{
		{reason: "not ready: no file", st: Status{Reasons: []string{"x"}}, exists: false},
		{reason: "ready: file appears", st: Status{Ready: true}, exists: true},
		{reason: "ready again: still there", st: Status{Ready: true}, exists: true},
		{reason: "not ready after ready: file removed", st: Status{Refused: true, Reasons: []string{"y"}}, exists: false},
	}
	for _, tc := range cases {
		if err := r.Set(tc.st); err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		_, err := os.Stat(p)
		if (err == nil) != tc.exists {
			t.Errorf("%s: file exists = %v", tc.reason, err == nil)
		}
	}
}

func TestReadyHandler(t *testing.T) {
	h := &ReadyHandler{}
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	cases := []struct {
		reason   string
		set      *Status
		path     string
		wantCode int
		wantBody string
	}{
		{reason: "before the first pass the node is not ready", path: "/readyz", wantCode: 503, wantBody: "first reconcile pass"},
		{reason: "liveness does not depend on readiness", path: "/healthz", wantCode: 200, wantBody: "ok"},
		{reason: "reasons are shown to whoever looks", set: &Status{Refused: true, Reasons: []string{"/dev/nvme1n1 holds a gpt partition table"}}, path: "/readyz", wantCode: 503, wantBody: "gpt partition table"},
		{reason: "ready is 200", set: &Status{Ready: true}, path: "/readyz", wantCode: 200, wantBody: "ready"},
		{reason: "other paths are 404", path: "/metrics", wantCode: 404},
	}
	for _, tc := range cases {
		if tc.set != nil {
			_ = h.Set(*tc.set)
		}
		code, body := get(tc.path)
		if code != tc.wantCode || !strings.Contains(body, tc.wantBody) {
			t.Errorf("%s: %s -> %d %q, want %d containing %q", tc.reason, tc.path, code, body, tc.wantCode, tc.wantBody)
		}
	}
}
