package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsureTenantDir(t *testing.T) {
	cases := map[string]struct {
		reason      string
		prepare     func(t *testing.T, dir string)
		wantChanges []string
		wantRefusal string
	}{
		"create": {
			reason:      "a missing directory is created 0770 and given to the tenant",
			prepare:     func(*testing.T, string) {},
			wantChanges: []string{"created tenant directory DIR (1000:100, 0770)"},
		},
		"wrong mode": {
			reason: "an existing directory with another mode is corrected, not recreated",
			prepare: func(t *testing.T, dir string) {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			},
			wantChanges: []string{"set owner of DIR to 1000:100", "set mode of DIR to 0770"},
		},
		"regular file": {
			reason: "a file where the directory belongs is refused",
			prepare: func(t *testing.T, dir string) {
				if err := os.WriteFile(dir, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantRefusal: "exists but is not a directory",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			mp := "/var/mnt/vd0"
			if err := os.MkdirAll(filepath.Join(root, mp), 0o755); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(root, mp, "project1")
			tc.prepare(t, dir)
			var owners [][2]int
			d := Deps{HostRoot: root, Chown: func(_ string, uid, gid int) error {
				owners = append(owners, [2]int{uid, gid})
				return nil
			}}
			var st Status
			tenant := TenantDir{Namespace: "project1", UID: 1000, GID: 100, MountPath: mp}
			if err := ensureTenantDir(d, "tenants[0]", tenant, &st); err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if tc.wantRefusal != "" {
				if !st.Refused || !strings.Contains(strings.Join(st.Reasons, ""), tc.wantRefusal) {
					t.Errorf("%s: status %+v, want refusal %q", tc.reason, st, tc.wantRefusal)
				}
				return
			}
			if len(st.Changes) != len(tc.wantChanges) {
				t.Fatalf("%s: changes %q, want %q", tc.reason, st.Changes, tc.wantChanges)
			}
			for i, w := range tc.wantChanges {
				if st.Changes[i] != strings.ReplaceAll(w, "DIR", dir) {
					t.Errorf("%s: change %q, want %q", tc.reason, st.Changes[i], w)
				}
			}
			fi, err := os.Stat(dir)
			if err != nil || fi.Mode().Perm() != TenantDirMode {
				t.Errorf("%s: mode %v %v", tc.reason, fi.Mode(), err)
			}
			if len(owners) != 1 || owners[0] != [2]int{1000, 100} {
				t.Errorf("%s: chown calls %v", tc.reason, owners)
			}
			// A second pass changes nothing once owner and mode are right.
			d.Chown = os.Lchown
			if os.Geteuid() == 0 {
				var again Status
				if err := ensureTenantDir(d, "tenants[0]", tenant, &again); err != nil || len(again.Changes) != 1 {
					// First real chown is the one change (the recorder above did not chown).
					t.Errorf("%s: real chown pass: %v %q", tc.reason, err, again.Changes)
				}
				var third Status
				if err := ensureTenantDir(d, "tenants[0]", tenant, &third); err != nil || len(third.Changes) != 0 {
					t.Errorf("%s: an idempotent pass changed %q (%v)", tc.reason, third.Changes, err)
				}
			}
		})
	}
}
