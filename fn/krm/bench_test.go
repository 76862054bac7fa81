package krm_test

// Benchmarks: `make bench` runs them. Sizes: the README example, a config at the product limits
// (8 drive groups, 32 drives, 1,000 virtual drives, 1,000 tenant namespaces), and a ResourceList
// carrying 5,000 unrelated items that must pass through. Nothing here asserts a duration; the
// figures go into the README's Performance section.

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators"
)

// cpuTime is the CPU time (user + system) this process has used, garbage collection included.
// On a shared machine wall time includes waiting for a core; the CPU time per operation
// (cpu-ns/op) does not, so growth ratios are computed from it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs op in the benchmark loop and reports the CPU time per operation too.
func measure(b *testing.B, op func()) {
	b.Helper()
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

type benchInput struct {
	name   string
	config []byte
}

func benchInputs(b *testing.B) []benchInput {
	return []benchInput{
		{"example", readExample(b)},
		{"large", largeConfig()},
	}
}

// BenchmarkLoad is decode + default + validate of one config document.
func BenchmarkLoad(b *testing.B) {
	for _, in := range benchInputs(b) {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.config)))
			measure(b, func() {
				if _, problems := krm.Load(in.config); len(problems) > 0 {
					b.Fatal(problems)
				}
			})
		})
	}
}

// BenchmarkGenerate is every registered family on an already loaded config, through to the
// YAML documents (what `render` prints).
func BenchmarkGenerate(b *testing.B) {
	for _, in := range benchInputs(b) {
		b.Run(in.name, func(b *testing.B) {
			cfg, problems := krm.Load(in.config)
			if len(problems) > 0 {
				b.Fatal(problems)
			}
			measure(b, func() {
				out, err := generators.Generate(cfg)
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range out.Objects {
					if _, err := generators.ToYAML(m); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkRender is config bytes to YAML documents: Load + Generate, the `render` command
// without process start and I/O.
func BenchmarkRender(b *testing.B) {
	for _, in := range benchInputs(b) {
		b.Run(in.name, func(b *testing.B) {
			measure(b, func() {
				if _, _, problems, err := krm.Render(in.config); len(problems) > 0 || err != nil {
					b.Fatal(problems, err)
				}
			})
		})
	}
}

// BenchmarkRun is the whole ResourceList round trip of function mode, as the binary does it
// (krm.Run: parse, process, write); BenchmarkRunSDK is the same through the SDK's fn.Run with
// krm.Processor, whose output holds the same objects (FuzzRun checks it) but sorted and written
// as one YAML document.
func BenchmarkRun(b *testing.B)    { benchmarkRoundTrip(b, krm.Run) }
func BenchmarkRunSDK(b *testing.B) { benchmarkRoundTrip(b, sdkRun) }

func sdkRun(input []byte) ([]byte, error) { return fn.Run(krm.Processor, input) }

func benchmarkRoundTrip(b *testing.B, run func([]byte) ([]byte, error)) {
	example := readExample(b)
	cases := []struct {
		name  string
		input []byte
	}{
		{"example", wrapRL(string(example))},
		{"large", wrapRL(string(largeConfig()))},
		{"example+5000-items", wrapRL(string(example), unrelatedItems(5000)...)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.input)))
			measure(b, func() {
				if _, err := run(tc.input); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkScale shows how cost grows with each dimension of the config: every pair differs
// only in one dimension, by a factor of 4, so a time or allocation ratio near 4 between the
// pair means linear growth (`make bench` prints the ratios). The round trip is measured, as in
// function mode.
func BenchmarkScale(b *testing.B) {
	cases := []struct {
		name                 string
		groups, vds, tenants int
	}{
		{"tenants=250", largeGroups, largeGroups, 250},
		{"tenants=1000", largeGroups, largeGroups, 1000},
		{"vds=250", largeGroups, 250, 0},
		{"vds=1000", largeGroups, 1000, 0},
		// Towards the limit: 8 groups of 1,023 virtual drives is the product's, but with these
		// mount paths the node layout ConfigMap outgrows the API server's 1 MiB above 4,573
		// virtual drives (1,000 tenants), which the function refuses.
		{"vds=1143", largeGroups, 1143, 0},
		{"vds=4572", largeGroups, 4572, 0},
		{"items=1250", 1, 1, 0},
		{"items=5000", 1, 1, 0},
	}
	for _, tc := range cases {
		input := wrapRL(string(scaledConfig(tc.groups, tc.vds, tc.tenants)))
		switch tc.name {
		case "items=1250":
			input = wrapRL(string(readExample(b)), unrelatedItems(1250)...)
		case "items=5000":
			input = wrapRL(string(readExample(b)), unrelatedItems(5000)...)
		}
		b.Run(tc.name, func(b *testing.B) {
			measure(b, func() {
				if _, err := krm.Run(input); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkColdStart runs the built binary as a new process per iteration, as kustomize and kpt
// do: process start, package initialisation, reading the input, generating, writing. Besides the
// mean wall time (ns/op) it reports the median wall time and the CPU time (user+system) per
// run; the CPU time is what the process itself costs when the machine is busy.
func BenchmarkColdStart(b *testing.B) {
	bin := fnBinary(b)
	example := readExample(b)
	cases := []struct {
		name  string
		args  []string
		stdin []byte
	}{
		{"version", []string{"version"}, nil},
		{"render-example", []string{"render", examplePath}, nil},
		{"function-example", nil, wrapRL(string(example))},
		{"function-large", nil, wrapRL(string(largeConfig()))},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var wall []time.Duration
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(bin, tc.args...)
				cmd.Stdin = bytes.NewReader(tc.stdin)
				var stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = nil, &stderr
				start := time.Now()
				if err := cmd.Run(); err != nil {
					b.Fatalf("%s %v: %v\n%s", bin, tc.args, err, stderr.Bytes())
				}
				wall = append(wall, time.Since(start))
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			slices.Sort(wall)
			b.ReportMetric(float64(wall[len(wall)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(wall)), "cpu-ms/op")
		})
	}
}

// fnBinary finds bin/supremeraid-fn through $SUPREMERAID_FN (the Makefile exports it).
func fnBinary(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv("SUPREMERAID_FN")
	if bin == "" {
		bin = "../../bin/supremeraid-fn"
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("SUPREMERAID_REQUIRE_TOOLS") == "1" {
			tb.Fatalf("the built binary is needed: %v (run make build)", err)
		}
		tb.Skipf("the built binary is needed: %v (run make build, or set SUPREMERAID_FN)", err)
	}
	return bin
}

// BenchmarkBadDrives: a 1 MB config with 50,000 bad drives, through Load and through
// the function (whose SDK serialises every result): go test -bench BadDrives -run ^$ ./fn/krm.
func BenchmarkBadDrives(b *testing.B) {
	cfg := badListConfig(50000, false)
	b.Run("Load", func(b *testing.B) { measure(b, func() { krm.Load(cfg) }) })
	input := wrapRL(string(cfg))
	b.Run("Run", func(b *testing.B) { measure(b, func() { _, _ = krm.Run(input) }) })
}
