package agent

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeGraid writes a graid_server stand-in that records its life in mark.
func fakeGraid(t *testing.T, dir, onTerm string) (bin, mark string) {
	t.Helper()
	mark = filepath.Join(dir, "mark")
	bin = filepath.Join(dir, "graid_server")
	script := "#!/bin/sh\n" +
		"trap 'echo hup >> " + mark + "' HUP\n" +
		"trap '" + onTerm + "' TERM\n" +
		"echo started >> " + mark + "\n" +
		"while :; do sleep 0.05; done\n"
	require.NoError(t, os.WriteFile(bin, []byte(script), 0o755))
	return bin, mark
}

func readMark(t *testing.T, mark string) string {
	b, _ := os.ReadFile(mark)
	return string(b)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "condition not met in time")
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSupervisorStopsGraidLast: graid_server keeps running while a virtual drive is claimed (a
// filesystem still mounted on it), and stops once it is released.
func TestSupervisorStopsGraidLast(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "mounting needs root")
	}
	requireTool(t, "mkfs.xfs")
	dir := t.TempDir()
	bin, mark := fakeGraid(t, dir, "echo stopped >> "+filepath.Join(dir, "mark")+"; exit 0")
	var logs bytes.Buffer
	sup := &Supervisor{Server: bin, StopTimeout: 5 * time.Second, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	require.NoError(t, sup.Start(context.Background()))
	waitFor(t, func() bool { return strings.Contains(readMark(t, mark), "started") })

	sup.Forward(syscall.SIGHUP)
	waitFor(t, func() bool { return strings.Contains(readMark(t, mark), "hup") })

	vd := loopDevice(t, dir, "vd.img")
	mustExec(t, "mkfs.xfs", "-q", vd)
	devRoot := filepath.Join(dir, "node")
	require.NoError(t, os.MkdirAll(devRoot+"/dev", 0o755))
	require.NoError(t, os.Symlink(vd, devRoot+"/dev/gdg0n1"))
	mnt := filepath.Join(dir, "mnt")
	require.NoError(t, os.MkdirAll(mnt, 0o755))
	mustExec(t, "mount", vd, mnt)
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	d := Deps{DevRoot: devRoot, Log: slog.New(slog.NewTextHandler(&logs, nil))}

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := StopWhenReleased(ctx, d, sup, 50*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "graid_server left running")
	assert.True(t, sup.Running(), "graid must keep serving a claimed virtual drive")
	assert.NotContains(t, readMark(t, mark), "stopped")
	assert.Contains(t, logs.String(), "NOT STOPPING graid_server")

	mustExec(t, "umount", mnt)
	require.NoError(t, StopWhenReleased(context.Background(), d, sup, 50*time.Millisecond))
	assert.False(t, sup.Running())
	assert.Contains(t, readMark(t, mark), "stopped", "graid_server got SIGTERM and stopped cleanly")
	assert.NotContains(t, logs.String(), "EXITED", "a requested stop is not reported as a crash")
}

func TestSupervisorKillsAfterTimeout(t *testing.T) {
	dir := t.TempDir()
	bin, mark := fakeGraid(t, dir, "echo ignoring") // ignores SIGTERM
	var logs bytes.Buffer
	sup := &Supervisor{Server: bin, StopTimeout: 300 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	require.NoError(t, sup.Start(context.Background()))
	waitFor(t, func() bool { return strings.Contains(readMark(t, mark), "started") }) // trap installed
	err := sup.Stop()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "killed")
	assert.False(t, sup.Running())
	assert.Contains(t, logs.String(), "KILLED: graid_server")
}

func TestSupervisorReportsCrash(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "graid_server")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\nexit 3\n"), 0o755))
	pre := filepath.Join(dir, "pre.sh")
	require.NoError(t, os.WriteFile(pre, []byte("#!/bin/sh\necho pre > "+dir+"/pre.out\n"), 0o755))
	var logs bytes.Buffer
	sup := &Supervisor{Pre: pre, Server: bin, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	require.NoError(t, sup.Start(context.Background()))
	waitFor(t, func() bool { return !sup.Running() })
	waitFor(t, func() bool { return strings.Contains(logs.String(), "EXITED: graid_server") })
	_, err := os.Stat(dir + "/pre.out")
	assert.NoError(t, err, "graid_server_pre.sh runs first")
}

// TestStopWhenReleasedFailsClosed: a virtual drive whose node cannot be opened at all (ENXIO:
// the driver behind it is gone or wedged) cannot be proven released, so graid keeps running.
func TestStopWhenReleasedFailsClosed(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "mknod needs root")
	}
	dir := t.TempDir()
	bin, mark := fakeGraid(t, dir, "echo stopped >> "+filepath.Join(dir, "mark")+"; exit 0")
	var logs bytes.Buffer
	sup := &Supervisor{Server: bin, StopTimeout: 5 * time.Second, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	require.NoError(t, sup.Start(context.Background()))
	waitFor(t, func() bool { return strings.Contains(readMark(t, mark), "started") })
	devRoot := filepath.Join(dir, "node")
	require.NoError(t, os.MkdirAll(devRoot+"/dev", 0o755))
	// Block device 0:0 has no driver: open fails with ENXIO, never EBUSY.
	require.NoError(t, syscall.Mknod(devRoot+"/dev/gdg0n1", syscall.S_IFBLK|0o600, 0))
	require.ErrorIs(t, openExclusive(devRoot+"/dev/gdg0n1"), syscall.ENXIO)
	d := Deps{DevRoot: devRoot, Log: slog.New(slog.NewTextHandler(&logs, nil))}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := StopWhenReleased(ctx, d, sup, 50*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "graid_server left running")
	assert.True(t, sup.Running(), "an unprovable release must not stop graid")
	assert.Contains(t, logs.String(), "no such device or address")

	require.NoError(t, os.Remove(devRoot+"/dev/gdg0n1"))
	require.NoError(t, StopWhenReleased(context.Background(), d, sup, 50*time.Millisecond))
	assert.False(t, sup.Running())
}
