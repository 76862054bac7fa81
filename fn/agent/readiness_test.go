package agent

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestHealthzStale(t *testing.T) {
	now := time.Unix(1000, 0)
	h := &ReadyHandler{StaleAfter: time.Minute, Now: func() time.Time { return now }}
	get := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return rec.Code
	}
	assert.Equal(t, 200, get(), "fresh start: the first pass has a minute")
	now = now.Add(2 * time.Minute)
	assert.Equal(t, 503, get(), "no pass finished for two minutes: a hung pass fails liveness")
	require.NoError(t, h.Set(Status{}))
	assert.Equal(t, 200, get(), "a finished pass, even a not-ready one, is alive")
	now = now.Add(61 * time.Second)
	assert.Equal(t, 503, get(), "the last pass is stale again")
}
