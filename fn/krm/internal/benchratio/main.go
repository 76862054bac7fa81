// Command benchratio reads `go test -bench` output on stdin and prints how cost grows between
// the benchmark pairs that differ only in size: large/example for each stage, and the 4x pairs of
// BenchmarkScale. A ratio near the size ratio means linear growth. Wall time on a shared machine
// includes waiting for a core, so the CPU time per operation (cpu-ns/op) is the figure to
// judge growth by. `make bench` runs it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// pair is two benchmark names (without the -GOMAXPROCS suffix) and the size ratio between them.
type pair struct {
	small, large string
	size         string // how much larger the input is, for the reader
}

var pairs = []pair{
	{"BenchmarkLoad/example", "BenchmarkLoad/large", "config 1 VD/1 tenant -> 1,000/1,000"},
	{"BenchmarkGenerate/example", "BenchmarkGenerate/large", "config 1 VD/1 tenant -> 1,000/1,000"},
	{"BenchmarkRender/example", "BenchmarkRender/large", "config 1 VD/1 tenant -> 1,000/1,000"},
	{"BenchmarkRun/example", "BenchmarkRun/large", "config 1 VD/1 tenant -> 1,000/1,000"},
	{"BenchmarkRun/example", "BenchmarkRun/example+5000-items", "0 -> 5,000 pass-through items"},
	{"BenchmarkScale/tenants=250", "BenchmarkScale/tenants=1000", "4x tenants"},
	{"BenchmarkScale/vds=250", "BenchmarkScale/vds=1000", "4x virtual drives"},
	{"BenchmarkScale/vds=1143", "BenchmarkScale/vds=4572", "4x virtual drives, up to what fits in 1 MiB"},
	{"BenchmarkScale/items=1250", "BenchmarkScale/items=5000", "4x pass-through items"},
}

// result is one benchmark line's figures.
type result struct{ ns, cpu, bytes, allocs float64 }

var procSuffix = regexp.MustCompile(`-\d+$`)

func parse(r io.Reader) (map[string]result, error) {
	out := map[string]result{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		var res result
		for i := 2; i+1 < len(f); i++ {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				res.ns = v
			case "cpu-ns/op":
				res.cpu = v
			case "B/op":
				res.bytes = v
			case "allocs/op":
				res.allocs = v
			}
		}
		out[procSuffix.ReplaceAllString(f[0], "")] = res
	}
	return out, sc.Err()
}

func report(w io.Writer, results map[string]result) {
	fmt.Fprintf(w, "\n%-50s %8s %8s %8s %8s  %s\n", "growth (larger / smaller)", "wall", "cpu", "bytes", "allocs", "input")
	for _, p := range pairs {
		s, ok1 := results[p.small]
		l, ok2 := results[p.large]
		if !ok1 || !ok2 || s.ns == 0 {
			continue
		}
		name := strings.TrimPrefix(p.large, "Benchmark") + " / " + strings.TrimPrefix(p.small, "Benchmark")
		fmt.Fprintf(w, "%-50s %7.1fx %7.1fx %7.1fx %7.1fx  %s\n", name, l.ns/s.ns, ratio(l.cpu, s.cpu), ratio(l.bytes, s.bytes), ratio(l.allocs, s.allocs), p.size)
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func main() {
	results, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	report(os.Stdout, results)
}
