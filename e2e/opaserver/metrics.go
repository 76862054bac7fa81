package opaserver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The Prometheus series OPA keeps per HTTP handler; "index" is the root
// path, where the webhook asks for the default decision.
const (
	requestMetric = "http_request_duration_seconds"
	indexHandler  = `handler="index"`
)

// DecisionStats counts the requests OPA served on its root path (the
// webhook's default decision), of any method and status, and the seconds
// OPA spent on them. Differences between two readings tell how often the
// API server called the webhook in between.
type DecisionStats struct {
	Calls   int64
	Seconds float64
}

// Sub returns s minus earlier.
func (s DecisionStats) Sub(earlier DecisionStats) DecisionStats {
	return DecisionStats{Calls: s.Calls - earlier.Calls, Seconds: s.Seconds - earlier.Seconds}
}

// Decisions reads DecisionStats from OPA's /metrics (with the kube-mgmt
// token; the chart's authorization policy lets only probes and the default
// decision through anonymously).
func (s *Server) Decisions(ctx context.Context) (DecisionStats, error) {
	status, body, err := s.Raw(ctx, http.MethodGet, "/metrics", nil, true)
	if err != nil {
		return DecisionStats{}, err
	}
	if status != http.StatusOK {
		return DecisionStats{}, fmt.Errorf("GET /metrics: OPA answered %d: %s", status, bytes.TrimSpace(body))
	}
	return parseDecisions(body)
}

// parseDecisions sums the index handler's _count and _sum series of the
// Prometheus text format.
func parseDecisions(text []byte) (DecisionStats, error) {
	var st DecisionStats
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, "{")
		if !ok || (name != requestMetric+"_count" && name != requestMetric+"_sum") {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			return st, fmt.Errorf("malformed metrics line %q", line)
		}
		if !hasLabel(labels, indexHandler) {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 {
			return st, fmt.Errorf("metrics line %q has no value", line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return st, fmt.Errorf("metrics line %q: %w", line, err)
		}
		if name == requestMetric+"_count" {
			st.Calls += int64(v)
		} else {
			st.Seconds += v
		}
	}
	return st, sc.Err()
}

func hasLabel(labels, want string) bool {
	for _, l := range strings.Split(labels, ",") {
		if l == want {
			return true
		}
	}
	return false
}
