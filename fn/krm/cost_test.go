package krm_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/krm"
)

// badListConfig is a valid config whose drive group lists n bad physical drives, or, with
// extraArgs, n bad kernel arguments (a list without a product limit).
func badListConfig(n int, extraArgs bool) []byte {
	var b strings.Builder
	b.WriteString(strings.Replace(string(scaledConfig(1, 1, 0)), "physicalDrives: [/dev/nvme0n1, /dev/nvme1n1, /dev/nvme2n1, /dev/nvme3n1]", "physicalDrives: [/dev/nvme0n1, /dev/nvme1n1, /dev/nvme2n1, /dev/nvme3n1]\n        allowInitialize: [DRIVES]", 1))
	var list strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			list.WriteString(", ")
		}
		fmt.Fprintf(&list, "/dev/nvme%dn1p1", i) // a partition: not a drive
	}
	s := b.String()
	if extraArgs {
		s = strings.Replace(s, "        allowInitialize: [DRIVES]\n", "", 1)
		s = strings.Replace(s, "  raid:\n", "  kernel:\n    extraArgs: ["+strings.ReplaceAll(list.String(), "/dev/nvme", "a b")+"]\n  raid:\n", 1)
	} else {
		s = strings.Replace(s, "physicalDrives: [/dev/nvme0n1, /dev/nvme1n1, /dev/nvme2n1, /dev/nvme3n1]", "physicalDrives: ["+list.String()+"]", 1)
		s = strings.Replace(s, "        allowInitialize: [DRIVES]\n", "", 1)
	}
	return []byte(s)
}

// cost runs op and returns the CPU time the process used meanwhile (on a shared machine wall
// time includes waiting for a core) and the peak of live heap above the level before it,
// sampled every millisecond (total allocation would count garbage the collector has freed).
func cost(op func()) (time.Duration, uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := heap()
	done := make(chan struct{})
	start := cpuTime()
	go func() { op(); close(done) }()
	peak := base
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-tick.C:
		}
		if h := heap(); h > peak {
			peak = h
		}
	}
	return cpuTime() - start, peak - base
}

// TestBadInputCost: however many entries are bad, a config reports its problems in under a
// second and 100 MB of heap, through the library and through the function, whose SDK serialises every
// result (uncapped, 50,000 bad drives cost 10-18 s and 1.4 GB there). The list is
// length-checked before its entries are walked, and the problems are capped.
func TestBadInputCost(t *testing.T) {
	const maxTime, maxAlloc = time.Second, 100 << 20
	cases := map[string]struct {
		reason string
		config []byte
	}{
		"50,000 bad drives": {
			reason: "over the decoder's list bound: one problem for the list",
			config: badListConfig(50000, false),
		},
		"4,000 bad drives": {
			reason: "under the decoder's list bound, over the product limit: one problem, entries not walked",
			config: badListConfig(4000, false),
		},
		"4,000 bad kernel arguments": {
			reason: "a list without a product limit: every entry is a problem, 50 reported and the rest counted",
			config: badListConfig(4000, true),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var problems int
			d, alloc := cost(func() {
				_, errs := krm.Load(tc.config)
				problems = len(errs)
			})
			t.Logf("Load: %d bytes of config, %d problems, %v CPU, %.1f MB peak heap", len(tc.config), problems, d, float64(alloc)/(1<<20))
			require.Positive(t, problems, tc.reason)
			assert.LessOrEqual(t, problems, krm.MaxProblems+1, tc.reason)
			assert.Less(t, d, maxTime, tc.reason)
			assert.Less(t, alloc, uint64(maxAlloc), tc.reason)

			input := wrapRL(string(tc.config))
			var out []byte
			var runErr error
			d, alloc = cost(func() { out, runErr = krm.Run(input) })
			t.Logf("Run: %d bytes of ResourceList, %v CPU, %.1f MB peak heap", len(input), d, float64(alloc)/(1<<20))
			require.Error(t, runErr)
			rl, err := fn.ParseResourceList(out)
			require.NoError(t, err)
			assert.Len(t, rl.Results, problems, tc.reason)
			assert.Less(t, d, maxTime, tc.reason)
			assert.Less(t, alloc, uint64(maxAlloc), tc.reason)
		})
	}
}

// TestProblemsCapped: past MaxProblems, one last problem counts the others.
func TestProblemsCapped(t *testing.T) {
	_, errs := krm.Load(badListConfig(200, true))
	require.Len(t, errs, krm.MaxProblems+1)
	last := krm.ProblemText(errs[krm.MaxProblems])
	// 200 bad arguments, and the command line they make is too long.
	assert.Equal(t, 201, krm.CountProblems(errs))
	assert.Equal(t, "and 151 more problem(s) not shown: fix the ones above and run again", last)
}

// TestLayoutOverConfigMapLimit: 8 groups of 1,023 virtual drives with long mount paths are
// within every product limit, but their node layout would not fit in a ConfigMap: refused,
// naming the field that grows it, instead of an object the API server rejects at apply time.
func TestLayoutOverConfigMapLimit(t *testing.T) {
	long := "/var/mnt/" + strings.Repeat("d", 120) + "/supremeraid/"
	cfg := strings.ReplaceAll(string(scaledConfig(8, 8*1023, 0)), "/var/mnt/supremeraid/", long)
	docs, _, problems, err := krm.Render([]byte(cfg))
	require.NoError(t, err)
	require.Empty(t, docs)
	require.Len(t, problems, 1, "%v", problems)
	assert.Equal(t, "spec.raid.driveGroups", problems[0].Field)
	assert.Contains(t, problems[0].Detail, "at most 1048576 (1 MiB) per ConfigMap")
	// 1,000 virtual drives with short paths fit. (8 x 1,023 do not, whatever the paths: the
	// layout of each takes about 200 bytes.)
	_, _, problems, err = krm.Render(scaledConfig(8, 1000, 0))
	require.NoError(t, err)
	assert.Empty(t, problems)
}
