package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ReadySink publishes readiness after every reconcile pass.
type ReadySink interface {
	Set(Status) error
}

// ReadyFile exists (containing "ready") only while the node is ready, for
// an exec readiness probe such as `test -f <path>`.
type ReadyFile struct{ Path string }

// Set implements ReadySink.
func (r ReadyFile) Set(s Status) error {
	if !s.Ready {
		if err := os.Remove(r.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clearing ready file: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(r.Path), 0o755); err != nil {
		return fmt.Errorf("writing ready file: %w", err)
	}
	tmp := r.Path + ".tmp"
	if err := os.WriteFile(tmp, []byte("ready\n"), 0o644); err != nil {
		return fmt.Errorf("writing ready file: %w", err)
	}
	return os.Rename(tmp, r.Path)
}

// ReadyHandler serves /readyz (200 when ready, 503 with the reasons otherwise) and /healthz
// (200 while passes keep finishing: 503 once the last one is older than StaleAfter, so a pass
// stuck past every command timeout gets the container restarted).
type ReadyHandler struct {
	// StaleAfter is how old the last finished pass may be; zero never fails liveness.
	StaleAfter time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time

	mu    sync.RWMutex
	st    Status
	ok    bool      // at least one pass has finished
	last  time.Time // when the last pass finished, or when the handler first answered
	start sync.Once
}

// Set implements ReadySink.
func (h *ReadyHandler) Set(s Status) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st, h.ok, h.last = s, true, h.now()
	return nil
}

func (h *ReadyHandler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// stale reports how long ago the last pass finished, if that is longer than StaleAfter.
func (h *ReadyHandler) stale() (time.Duration, bool) {
	h.start.Do(func() {
		h.mu.Lock()
		if h.last.IsZero() {
			h.last = h.now()
		}
		h.mu.Unlock()
	})
	h.mu.RLock()
	defer h.mu.RUnlock()
	age := h.now().Sub(h.last)
	return age, h.StaleAfter > 0 && age > h.StaleAfter
}

// ServeHTTP implements http.Handler.
func (h *ReadyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch r.URL.Path {
	case "/healthz":
		if age, stale := h.stale(); stale {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "stale: the last reconcile pass finished %s ago (limit %s)\n", age.Round(time.Second), h.StaleAfter)
			return
		}
		fmt.Fprintln(w, "ok")
	case "/readyz":
		h.mu.RLock()
		st, ok := h.st, h.ok
		h.mu.RUnlock()
		switch {
		case !ok:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: first reconcile pass still running")
		case !st.Ready:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready:")
			fmt.Fprintln(w, strings.Join(st.Reasons, "\n"))
		default:
			fmt.Fprintln(w, "ready")
		}
	default:
		http.NotFound(w, r)
	}
}

// multiSink fans a status out to several sinks.
type multiSink []ReadySink

func (m multiSink) Set(s Status) error {
	var errs []error
	for _, sink := range m {
		errs = append(errs, sink.Set(s))
	}
	return errors.Join(errs...)
}
