package krm_test

// BenchmarkVersusTrivial checks the performance goals of docs/performance.md in one run: it
// runs bin/supremeraid-fn and the trivial SDK generator (internal/trivialfn, built with the same
// flags) as whole processes, alternately, on the same input, and reports each one's CPU time
// (user+system) and peak RSS from the child's rusage, and their ratios. Ratios, not absolute
// times, are the figures to judge on a shared machine: both sides wait for the same cores.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	trivialOnce sync.Once
	trivialBin  string
	trivialErr  error
)

// trivialBinary is $TRIVIAL_FN (the Makefile builds bin/trivialfn) or, without it, the trivial
// generator built here with bin/supremeraid-fn's flags (static, stripped, trimmed paths).
func trivialBinary(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("TRIVIAL_FN"); p != "" {
		return p
	}
	trivialOnce.Do(func() {
		dir, err := os.MkdirTemp("", "trivialfn")
		if err != nil {
			trivialErr = err
			return
		}
		trivialBin = filepath.Join(dir, "trivialfn")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", trivialBin, "./internal/trivialfn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			trivialErr = err
			trivialBin = string(out)
		}
	})
	if trivialErr != nil {
		b.Fatalf("building the trivial generator: %v\n%s", trivialErr, trivialBin)
	}
	return trivialBin
}

// cpuOf runs bin once and returns its CPU time (user+system, from the child's rusage).
func cpuOf(b *testing.B, bin string, args []string, stdin []byte) time.Duration {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %v: %v\n%s", bin, args, err, stderr.Bytes())
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// maxRSSOf runs bin once under /usr/bin/time and returns its peak RSS in bytes (0 without
// time). The child's own rusage cannot say: Go starts children with vfork, and Linux carries
// the parent's (the test binary's) peak RSS over into the child's maxrss across exec, so every
// child would report at least the benchmark's own size. GNU time forks a fresh process.
func maxRSSOf(b *testing.B, bin string, args []string, stdin []byte) int64 {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return 0
	}
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", bin}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("/usr/bin/time %s %v: %v\n%s", bin, args, err, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		b.Fatalf("/usr/bin/time printed %q: %v", stderr.String(), err)
	}
	return kib * 1024
}

func BenchmarkVersusTrivial(b *testing.B) {
	fnBin := fnBinary(b)
	trivial := trivialBinary(b)
	example := readExample(b)
	cases := []struct {
		name  string
		args  []string
		stdin []byte
	}{
		// Start-up alone: both print a line and exit.
		{"version", []string{"version"}, nil},
		// The README example as kustomize sends it.
		{"example", nil, wrapRL(string(example))},
		// A config at the product limits: 8 drive groups, 1,000 virtual drives, 1,000 tenants.
		{"limits", nil, wrapRL(string(largeConfig()))},
		// 10,000 unrelated items that pass through, with the example as functionConfig.
		{"items=10000", nil, wrapRL(string(example), unrelatedItems(10000)...)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.stdin)))
			ourRSS := maxRSSOf(b, fnBin, tc.args, tc.stdin)
			baseRSS := maxRSSOf(b, trivial, tc.args, tc.stdin)
			var ours, base time.Duration
			var n int
			b.ResetTimer()
			for b.Loop() {
				ours += cpuOf(b, fnBin, tc.args, tc.stdin)
				base += cpuOf(b, trivial, tc.args, tc.stdin)
				n++
			}
			b.ReportMetric(float64(ours.Microseconds())/1000/float64(n), "fn-cpu-ms/op")
			b.ReportMetric(float64(base.Microseconds())/1000/float64(n), "trivial-cpu-ms/op")
			b.ReportMetric(float64(ours)/float64(max(base, 1)), "cpu-ratio")
			if ourRSS > 0 && baseRSS > 0 {
				const mib = 1 << 20
				b.ReportMetric(float64(ourRSS)/mib, "fn-maxrss-MiB")
				b.ReportMetric(float64(baseRSS)/mib, "trivial-maxrss-MiB")
				b.ReportMetric(float64(ourRSS)/float64(baseRSS), "rss-ratio")
			}
		})
	}
}
