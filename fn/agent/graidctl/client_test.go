package graidctl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// simExecEnv makes this test binary act as graidctl when re-executed, so
// the client is exercised through a real exec of a separate process.
const simExecEnv = "GRAIDCTL_CLIENT_TEST_AS_SIM"

func TestMain(m *testing.M) {
	if os.Getenv(simExecEnv) == "1" {
		os.Exit(graidctlsim.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func newClient(t *testing.T, st *graidctlsim.State) (*graidctl.Client, string, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	statePath, root := filepath.Join(dir, "state.json"), filepath.Join(dir, "host")
	if err := st.Save(statePath); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), simExecEnv+"=1",
		graidctlsim.EnvState+"="+statePath, graidctlsim.EnvRoot+"="+root)
	return &graidctl.Client{Path: exe, Runner: graidctl.ExecRunner{Env: env}}, statePath, root
}

func TestClientAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	c, statePath, root := newClient(t, &graidctlsim.State{LicenseKeys: []string{"KEY-1"}, VDFileBytes: 1 << 20})
	for _, n := range []string{"nvme0n1", "nvme1n1", "nvme2n1"} {
		if err := graidctlsim.AddNVMe(root, n, "eui."+n, 0); err != nil {
			t.Fatal(err)
		}
	}

	err := c.ApplyLicense(ctx, "WRONG-KEY")
	if err == nil || strings.Contains(err.Error(), "WRONG-KEY") {
		t.Fatalf("a rejected license must be an error that never shows the key, got %v", err)
	}
	if !strings.Contains(err.Error(), "apply license <redacted>") {
		t.Errorf("the error should say which command failed, got %v", err)
	}
	if err := c.ApplyLicense(ctx, "KEY-1"); err != nil {
		t.Fatal(err)
	}
	cx, err := c.ListControllers(ctx)
	if err != nil || len(cx) != 1 || cx[0].State != graidctl.ControllerOnline {
		t.Fatalf("controllers after license = %+v, %v", cx, err)
	}
	for _, d := range []string{"/dev/nvme0n1", "/dev/nvme1n1", "/dev/nvme2n1"} {
		if err := c.CreatePhysicalDrive(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.CreateDriveGroup(ctx, "raid5", []int{2, 0, 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateVirtualDrive(ctx, 0, "1G"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateVirtualDrive(ctx, 0, ""); err != nil {
		t.Fatal(err)
	}

	pds, err := c.ListPhysicalDrives(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	wantPDs := []graidctl.PhysicalDrive{
		{PdID: 0, DgID: &zero, DevicePath: "/dev/gpd0", Wwid: "eui.nvme0n1", State: "ONLINE"},
		{PdID: 1, DgID: &zero, DevicePath: "/dev/gpd1", Wwid: "eui.nvme1n1", State: "ONLINE"},
		{PdID: 2, DgID: &zero, DevicePath: "/dev/gpd2", Wwid: "eui.nvme2n1", State: "ONLINE"},
	}
	if diff := cmp.Diff(wantPDs, pds); diff != "" {
		t.Errorf("PDs -want +got:\n%s", diff)
	}
	dgs, err := c.ListDriveGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A new group initialises in the background first (the simulator reports INIT twice).
	if diff := cmp.Diff([]graidctl.DriveGroup{{DgID: 0, Mode: "RAID5", State: "INIT"}}, dgs); diff != "" {
		t.Errorf("DGs -want +got:\n%s", diff)
	}
	vds, err := c.ListVirtualDrives(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vds) != 2 || vds[0].Device() != "/dev/gdg0n1" || vds[1].Device() != "/dev/gdg0n2" || vds[0].Size != "1G" {
		t.Errorf("VDs = %+v", vds)
	}

	st, err := graidctlsim.LoadState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	wantLog := []string{
		"apply license <redacted>",
		"apply license <redacted>",
		"ls cx --format json",
		"create pd /dev/nvme0n1",
		"create pd /dev/nvme1n1",
		"create pd /dev/nvme2n1",
		"create dg raid5 0-2",
		"create vd 0 1G",
		"create vd 0",
		"ls pd --format json",
		"ls dg --format json",
		"ls vd --format json",
	}
	if diff := cmp.Diff(wantLog, st.Log); diff != "" {
		t.Errorf("command log -want +got:\n%s", diff)
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newClient(t, &graidctlsim.State{})
	err := c.CreatePhysicalDrive(ctx, "/dev/nvme0n1")
	if err == nil || !strings.Contains(err.Error(), "graidctl create pd /dev/nvme0n1") || !strings.Contains(err.Error(), "license") {
		t.Errorf("errors must name the command and carry graidctl's message, got %v", err)
	}
	if err := c.CreateDriveGroup(ctx, "raid1", nil); err == nil {
		t.Error("a drive group without drives must be refused before exec")
	}
	if err := c.ApplyLicense(ctx, ""); err == nil {
		t.Error("an empty license key must be refused before exec")
	}
}
