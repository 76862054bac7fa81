package admission

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LatencyEnv sets the number of creates per mode (default 200).
const LatencyEnv = "SUPREMERAID_E2E_LATENCY_CREATES"

const (
	defaultCreates = 200
	warmup         = 10
)

// latencyMode is one kind of pod create.
type latencyMode struct {
	name string
	// short names the benchmark.
	short string
	// pod returns a new pod (generateName) for this mode.
	pod func() *corev1.Pod
	// webhook tells whether the API server calls OPA for it.
	webhook bool
}

func latencyModes(e *env) []latencyMode {
	ns := tenantNames(e)[0]
	gen := func(namespace, prefix string, labels map[string]string) func() *corev1.Pod {
		return func() *corev1.Pod {
			p := newPod(namespace, "", labels)
			p.GenerateName = prefix
			return p
		}
	}
	return []latencyMode{
		{name: "no webhook (" + plainNS + ", opted-in label)", short: "no-webhook", pod: gen(plainNS, "lat-plain-", optIn())},
		{name: "webhook, allowed unpatched (" + ns + ", no label)", short: "webhook-allow", pod: gen(ns, "lat-nolabel-", nil), webhook: true},
		{name: "webhook + patch (" + ns + ", opted in)", short: "webhook-patch", pod: gen(ns, "lat-inject-", optIn()), webhook: true},
	}
}

// testLatency creates pods in each mode, interleaved so that load from
// elsewhere on the machine hits every mode alike, and logs the client-side
// latency of each create (request to stored answer). Figures are reported,
// never asserted. What is asserted: OPA was called exactly once per create in
// the webhook modes and never in the other, so the figures are what they
// claim to be.
func testLatency(t *testing.T, e *env) {
	n := defaultCreates
	if v := os.Getenv(LatencyEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of creates", LatencyEnv, v)
		}
	}
	ctx := context.Background()
	modes := latencyModes(e)
	for range warmup {
		for _, m := range modes {
			if _, err := e.create(ctx, m.pod(), false); err != nil {
				t.Fatalf("warm-up create (%s): %v", m.name, err)
			}
		}
	}
	samples := make([][]time.Duration, len(modes))
	before := e.decisions(t)
	began := time.Now()
	for range n {
		for i, m := range modes {
			p := m.pod()
			start := time.Now()
			_, err := e.kube.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("create (%s): %v", m.name, err)
			}
			samples[i] = append(samples[i], elapsed)
		}
	}
	total := time.Since(began)
	var wantCalls int64
	for _, m := range modes {
		if m.webhook {
			wantCalls += int64(n)
		}
	}
	opa := e.callsSince(t, before, wantCalls)
	if opa.Calls != wantCalls {
		t.Errorf("OPA was called %d times during the run, want %d (once per create in the webhook modes only)", opa.Calls, wantCalls)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pod CREATE latency, %d creates per mode, interleaved, %d warm-up creates each, measured by the client (request to stored answer) in %v:\n",
		n, warmup, total.Round(time.Millisecond))
	fmt.Fprintf(&b, "  %-48s %9s %9s %9s %9s %9s %9s\n", "mode", "p50", "p90", "p99", "mean", "min", "max")
	stats := make([]latencyStats, len(modes))
	for i, m := range modes {
		stats[i] = summarize(samples[i])
		s := stats[i]
		fmt.Fprintf(&b, "  %-48s %9s %9s %9s %9s %9s %9s\n", m.name, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.mean), ms(s.min), ms(s.max))
	}
	if opa.Calls > 0 {
		fmt.Fprintf(&b, "  OPA's own time per decision (its http_request_duration_seconds, root path): mean %s over %d decisions\n",
			ms(time.Duration(opa.Seconds/float64(opa.Calls)*float64(time.Second))), opa.Calls)
	}
	base := stats[0]
	for i := 1; i < len(modes); i++ {
		fmt.Fprintf(&b, "  %s vs no webhook: p50 %+.2fms, p99 %+.2fms, mean %+.2fms\n", modes[i].name,
			msf(stats[i].p50-base.p50), msf(stats[i].p99-base.p99), msf(stats[i].mean-base.mean))
	}
	t.Log(b.String())
}

type latencyStats struct{ p50, p90, p99, mean, min, max time.Duration }

// summarize computes nearest-rank percentiles.
func summarize(d []time.Duration) latencyStats {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(i, 0)]
	}
	var sum time.Duration
	for _, x := range s {
		sum += x
	}
	return latencyStats{
		p50: rank(0.50), p90: rank(0.90), p99: rank(0.99),
		mean: sum / time.Duration(len(s)), min: s[0], max: s[len(s)-1],
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", msf(d)) }

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkPodCreate is the same comparison as a Go benchmark (ns/op per
// create): go test -run '^$' -bench PodCreate ./admission. It starts its own
// control plane and OPA.
func BenchmarkPodCreate(b *testing.B) {
	e := setup(b, func(*env) []*corev1.Pod { return nil })
	if e == nil {
		return
	}
	ctx := context.Background()
	for _, m := range latencyModes(e) {
		b.Run(m.short, func(b *testing.B) {
			for b.Loop() {
				p := m.pod()
				if _, err := e.kube.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
