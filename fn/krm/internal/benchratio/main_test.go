package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	in := `goos: linux
BenchmarkScale/tenants=250-2     	      10	  20000000 ns/op	  10000000 cpu-ns/op	 1000 B/op	   100 allocs/op
BenchmarkScale/tenants=1000-2    	      10	  80000000 ns/op	  40000000 cpu-ns/op	 4000 B/op	   400 allocs/op
BenchmarkScale/vds=250-2         	      10	  10000000 ns/op	 1000 B/op	   100 allocs/op
BenchmarkLoad/example-2          	     100	   1000000 ns/op	   1.03 MB/s	   96362 B/op	    1409 allocs/op
PASS
`
	results, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if r := results["BenchmarkLoad/example"]; r.ns != 1e6 || r.bytes != 96362 || r.allocs != 1409 {
		t.Errorf("a line with MB/s parsed as %+v", r)
	}
	var out strings.Builder
	report(&out, results)
	if !regexp.MustCompile(`Scale/tenants=1000 / Scale/tenants=250\s+4\.0x\s+4\.0x\s+4\.0x\s+4\.0x\s+4x tenants`).MatchString(out.String()) {
		t.Errorf("the tenants pair is missing or its ratios are wrong:\n%s", out.String())
	}
	if strings.Contains(out.String(), "vds=1000") {
		t.Errorf("a pair with one side missing was printed:\n%s", out.String())
	}
}
