package agent

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cancelSink records statuses and cancels the loop after n of them.
type cancelSink struct {
	mu     sync.Mutex
	got    []Status
	n      int
	cancel context.CancelFunc
}

func (c *cancelSink) Set(s Status) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, s)
	if len(c.got) == c.n {
		c.cancel()
	}
	return nil
}

func TestLoop(t *testing.T) {
	cases := map[string]struct {
		reason    string
		busy      map[string]int // fake umount EBUSY count per mount (-1: always)
		wantErr   string
		wantCalls func(host string) []string
		wantLog   string
	}{
		"clean stop": {
			reason: "on cancel the node goes not-ready and both mounts are unmounted, last first",
			wantCalls: func(h string) []string {
				return []string{
					"umount lazy=false " + h + "/var/mnt/supremeraid/vd1",
					"umount lazy=false " + h + "/var/mnt/supremeraid/vd0",
				}
			},
			wantLog: "unmounted",
		},
		"busy then free": {
			reason: "a busy mount is retried with plain umount until it goes",
			busy:   map[string]int{"/var/mnt/supremeraid/vd0": 2},
			wantCalls: func(h string) []string {
				return []string{
					"umount lazy=false " + h + "/var/mnt/supremeraid/vd1",
					"umount lazy=false " + h + "/var/mnt/supremeraid/vd0",
					"umount lazy=false " + h + "/var/mnt/supremeraid/vd0",
					"umount lazy=false " + h + "/var/mnt/supremeraid/vd0",
				}
			},
		},
		"stuck": {
			reason:  "a mount still busy after the timeout gets a logged lazy unmount as last resort",
			busy:    map[string]int{"/var/mnt/supremeraid/vd1": -1},
			wantLog: "LAST RESORT: lazy unmount",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil, allNVMe...)
			l := simLayout(t, e.keyFile)
			for p, n := range tc.busy {
				e.mounter.busy[e.hostRoot+p] = n
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sink := &cancelSink{n: 2, cancel: cancel}
			d := e.deps()
			if name == "stuck" {
				d.UnmountTimeout = 50 * time.Millisecond
			}
			err := Loop(ctx, l, d, sink, time.Millisecond)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if len(sink.got) != 3 || !sink.got[0].Ready || !sink.got[1].Ready || sink.got[2].Ready {
				t.Fatalf("%s: readiness sequence should be ready, ready, not ready; got %+v", tc.reason, sink.got)
			}
			if !strings.Contains(sink.got[2].Reasons[0], "shutting down") {
				t.Errorf("%s: final status should say why: %q", tc.reason, sink.got[2].Reasons)
			}
			mounts, err := ReadMountInfo(e.mountInfo)
			if err != nil || len(mounts) != 0 {
				t.Errorf("%s: everything must be unmounted, table: %+v %v", tc.reason, mounts, err)
			}
			var umounts []string
			for _, c := range e.mounter.calls {
				if strings.HasPrefix(c, "umount") {
					umounts = append(umounts, c)
				}
			}
			if tc.wantCalls != nil {
				if diff := cmp.Diff(tc.wantCalls(e.hostRoot), umounts); diff != "" {
					t.Errorf("%s: umount calls -want +got:\n%s", tc.reason, diff)
				}
			}
			if tc.wantLog != "" && !strings.Contains(e.logs.String(), tc.wantLog) {
				t.Errorf("%s: log should contain %q:\n%s", tc.reason, tc.wantLog, e.logs.String())
			}
			if name == "stuck" && !strings.Contains(strings.Join(umounts, "\n"), "lazy=true") {
				t.Errorf("%s: no lazy unmount in %q", tc.reason, umounts)
			}
			if name != "stuck" && strings.Contains(e.logs.String(), "LAST RESORT") {
				t.Errorf("%s: lazy unmount used without need", tc.reason)
			}
		})
	}
}

func TestLoopLeavesForeignMountsAlone(t *testing.T) {
	e := newEnv(t, nil, allNVMe...)
	l := simLayout(t, e.keyFile)
	// Something else is mounted where vd1 belongs: the agent refuses to
	// mount over it, and must not unmount it on shutdown either.
	foreign := e.hostRoot + "/var/mnt/supremeraid/vd1"
	if err := mkdirAll(foreign); err != nil {
		t.Fatal(err)
	}
	if err := e.mounter.Mount(context.Background(), "tmpfs", foreign, "tmpfs", nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sink := &cancelSink{n: 1, cancel: cancel}
	if err := Loop(ctx, l, e.deps(), sink, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if sink.got[0].Ready || !strings.Contains(strings.Join(sink.got[0].Reasons, "\n"), "is already a mount point of tmpfs") {
		t.Errorf("a foreign mount at a mount path must be refused: %+v", sink.got[0])
	}
	mounts, _ := ReadMountInfo(e.mountInfo)
	if _, ok := FindMount(mounts, foreign); !ok {
		t.Error("the foreign mount must survive the agent's shutdown")
	}
	if _, ok := FindMount(mounts, e.hostRoot+"/var/mnt/supremeraid/vd0"); ok {
		t.Error("the agent's own mount must be gone")
	}
}

// TestLoopAdoptsMountsWhenFirstPassFails: a restarted agent whose first pass fails (graidctl
// broken) still unmounts, on stop, the mounts a previous agent made at the layout's paths.
func TestLoopAdoptsMountsWhenFirstPassFails(t *testing.T) {
	e := newEnv(t, nil, allNVMe...)
	l := simLayout(t, e.keyFile)
	mustReady(t, e, l)
	st := e.state()
	st.FailOnce = []string{"ls cx"}
	require.NoError(t, st.Save(e.statePath))
	ctx, cancel := context.WithCancel(context.Background())
	sink := &cancelSink{n: 1, cancel: cancel}
	require.NoError(t, Loop(ctx, l, e.deps(), sink, time.Hour))
	require.False(t, sink.got[0].Ready, "the first pass must fail")
	assert.Contains(t, strings.Join(sink.got[0].Reasons, "\n"), "simulated failure of ls cx")
	mounts, err := ReadMountInfo(e.mountInfo)
	require.NoError(t, err)
	assert.Empty(t, mounts, "the previous agent's mounts are adopted and unmounted on stop")
}
