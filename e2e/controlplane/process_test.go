package controlplane

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTailLines(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     string
		n      int
		want   string
	}{
		"short":    {reason: "fewer lines than asked: all of them", in: "a\nb\n", n: 5, want: "a\nb"},
		"long":     {reason: "only the last n lines", in: "1\n2\n3\n4\n", n: 2, want: "3\n4"},
		"no final": {reason: "a log cut mid-line still shows that line", in: "1\n2\n3", n: 1, want: "3"},
		"empty":    {reason: "an empty log says so instead of printing nothing", in: "", n: 3, want: "(empty)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tailLines([]byte(tc.in), tc.n); got != tc.want {
				t.Errorf("%s: tailLines(%q, %d) = %q, want %q", tc.reason, tc.in, tc.n, got, tc.want)
			}
		})
	}
}

// TestStopKillsTheWholeProcessGroup runs a real shell that forks a child
// which ignores SIGTERM, the way a server's helper process might, and
// checks that stop leaves neither behind.
func TestStopKillsTheWholeProcessGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	script := `trap '' TERM; sleep 300 & echo $! > ` + pidFile + `; echo started; wait`
	p, err := startProcess("shell", "/bin/sh", []string{"-c", script}, filepath.Join(dir, "shell.log"))
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for i := 0; i < 100 && child == 0; i++ {
		if data, err := os.ReadFile(pidFile); err == nil {
			child, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if child == 0 {
		t.Fatalf("child never started; log:\n%s", p.logTail(10))
	}
	if err := p.stop(200 * time.Millisecond); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if p.running() {
		t.Errorf("leader still running after stop")
	}
	// The child is reaped by init once killed; until then kill(0) may
	// still find a zombie, so poll briefly for it to be gone.
	gone := false
	for i := 0; i < 100 && !gone; i++ {
		gone = syscall.Kill(child, 0) == syscall.ESRCH || isZombie(child)
		time.Sleep(20 * time.Millisecond)
	}
	if !gone {
		t.Errorf("child %d of the process group survived stop", child)
	}
	if !strings.Contains(p.logTail(5), "started") {
		t.Errorf("process output did not reach the log file: %q", p.logTail(5))
	}
	if err := p.stop(time.Second); err != nil {
		t.Errorf("second stop must be a no-op, got %v", err)
	}
}

func isZombie(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // gone
	}
	// Field 3 of /proc/<pid>/stat is the state; the command in field 2
	// is parenthesised and may contain spaces, so split after it.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

func TestExitErrorCarriesTheLog(t *testing.T) {
	dir := t.TempDir()
	p, err := startProcess("failing", "/bin/sh", []string{"-c", "echo bind: address already in use >&2; exit 3"}, filepath.Join(dir, "f.log"))
	if err != nil {
		t.Fatal(err)
	}
	<-p.exited
	msg := p.exitError().Error()
	for _, want := range []string{"failing exited early", "exit status 3", "address already in use"} {
		if !strings.Contains(msg, want) {
			t.Errorf("exit error %q does not contain %q", msg, want)
		}
	}
	if !addressInUse(msg) {
		t.Errorf("a bind failure must be recognised as worth a retry with new ports")
	}
}
