package kmod

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadDKMSConf reads dkms.conf files the way DKMS does and checks them against the build's
// settings: MAKE/MAKE_MATCH selection, DKMS variables in MAKE lines, required module names,
// exclusions and the pinned release.
func TestReadDKMSConf(t *testing.T) {
	script := writeScript(t)
	const (
		modules = "BUILT_MODULE_NAME[0]=graid\nDEST_MODULE_LOCATION[0]=/extra\nBUILT_MODULE_NAME[1]=graid_nvidia\nDEST_MODULE_LOCATION[1]=/kernel/drivers/nvme\n"
		pkg     = "PACKAGE_NAME=graid\nPACKAGE_VERSION=1.7.2\n"
		rhel    = "5.14.0-427.13.1.el9_4.x86_64"
	)
	for _, tc := range []struct {
		name, reason, conf, kver, version string
		want                              string // regexp over the printed result, or over stderr when wantErr
		wantErr                           bool
	}{
		{
			name: "dkms-variables", reason: "double-quoted MAKE lines see DKMS's variables",
			conf: pkg + modules + `MAKE[0]="make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build KVER=${kernelver}"` + "\n",
			kver: rhel, version: "1.7.2",
			want: `(?m)^make=make -C /kb M=/dt/graid/1\.7\.2/build KVER=` + regexp.QuoteMeta(rhel) + `$`,
		},
		{
			name: "make-match-chosen", reason: "a MAKE[i] whose MAKE_MATCH[i] matches the kernel wins over MAKE[0]",
			conf: pkg + modules + "MAKE[0]='make default'\nMAKE[1]='make el9'\nMAKE_MATCH[1]='el9'\n",
			kver: rhel, version: "1.7.2", want: `(?m)^make=make el9$`,
		},
		{
			name: "make-match-not-chosen", reason: "a MAKE[i] for other kernels is ignored",
			conf: pkg + modules + "MAKE[0]='make default'\nMAKE[1]='make el9'\nMAKE_MATCH[1]='el9'\n",
			kver: "6.1.0-56-amd64", version: "1.7.2", want: `(?m)^make=make default$`,
		},
		{
			name: "no-make", reason: "without MAKE DKMS uses its default (empty here, filled at build time)",
			conf: pkg + modules, kver: rhel, version: "1.7.2", want: `(?m)^make=$`,
		},
		{
			name: "release-suffix", reason: "GRAID_DRIVER_VERSION may add the installer build number",
			conf: pkg + modules, kver: rhel, version: "1.7.2-010",
			want: `(?m)^names=graid graid_nvidia$`,
		},
		{
			name: "dest-name", reason: "DEST_MODULE_NAME renames the installed module, as in DKMS",
			conf: pkg + "BUILT_MODULE_NAME[0]=graid\nBUILT_MODULE_NAME[1]=graid_nv\nDEST_MODULE_NAME[1]=graid_nvidia\n", kver: rhel, version: "1.7.2",
			want: `(?m)^names=graid graid_nv$`,
		},
		{
			name: "dest-location-ignored", reason: "DEST_MODULE_LOCATION is not used (extra/, as DKMS on RHEL), so any value passes",
			conf: pkg + modules + "DEST_MODULE_LOCATION[1]=/weird/../place\n", kver: rhel, version: "1.7.2",
			want: `(?m)^names=graid graid_nvidia$`,
		},
		{
			name: "dash-name", reason: "the Module and KMM's signing use the exact name graid_nvidia",
			conf: pkg + "BUILT_MODULE_NAME[0]=graid\nBUILT_MODULE_NAME[1]=graid-nvidia\n", kver: rhel, version: "1.7.2", wantErr: true,
			want: `error: dkms\.conf: no module is installed as 'graid_nvidia' \(BUILT_MODULE_NAME/DEST_MODULE_NAME give: graid graid-nvidia\)`,
		},
		{
			name: "name-with-slash", reason: "a module name becomes a file name",
			conf: pkg + modules + "DEST_MODULE_NAME[0]=../../graid\n", kver: rhel, version: "1.7.2", wantErr: true,
			want: `error: dkms\.conf: module name '\.\./\.\./graid' \(entry 0\) is not a file name`,
		},
		{
			name: "release-mismatch", reason: "1.7.20 is not a build of 1.7.2",
			conf: pkg + modules, kver: rhel, version: "1.7.20", wantErr: true,
			want: `error: dkms\.conf: the installer holds graid 1\.7\.2 but GRAID_DRIVER_VERSION is 1\.7\.20`,
		},
		{
			name: "missing-module", reason: "both modules the Module loads must be built",
			conf: pkg + "BUILT_MODULE_NAME[0]=graid\n", kver: rhel, version: "1.7.2", wantErr: true,
			want: `error: dkms\.conf: no module is installed as 'graid_nvidia' \(BUILT_MODULE_NAME/DEST_MODULE_NAME give: graid\)`,
		},
		{
			name: "no-modules", reason: "a tree that builds nothing is refused",
			conf: pkg, kver: rhel, version: "1.7.2", wantErr: true,
			want: `error: \S+dkms\.conf: no BUILT_MODULE_NAME entries`,
		},
		{
			name: "no-package-version", reason: "the release must be declared",
			conf: "PACKAGE_NAME=graid\n" + modules, kver: rhel, version: "1.7.2", wantErr: true,
			want: `error: \S+dkms\.conf: PACKAGE_VERSION is not set`,
		},
		{
			name: "excluded-kernel", reason: "BUILD_EXCLUSIVE_KERNEL is honoured",
			conf: pkg + modules + "BUILD_EXCLUSIVE_KERNEL='^4\\.18\\.'\n", kver: rhel, version: "1.7.2", wantErr: true,
			want: `error: dkms\.conf: BUILD_EXCLUSIVE_KERNEL=\^4\\\.18\\\. excludes kernel ` + regexp.QuoteMeta(rhel),
		},
		{
			name: "patches", reason: "DKMS patches are not applied, so they are refused",
			conf: pkg + modules + "PATCH[0]=fix.patch\n", kver: rhel, version: "1.7.2", wantErr: true,
			want: `error: \S+dkms\.conf: PATCH\[0\]=fix\.patch: DKMS patches are not supported by this build`,
		},
		{
			name: "tab-in-value", reason: "values that cannot be passed on safely are refused",
			conf: pkg + modules + "MAKE[0]=$'make\\tx'\n", kver: rhel, version: "1.7.2", wantErr: true,
			want: `error: \S+dkms\.conf: MAKE contains a tab or newline`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "dkms.conf")
			// A conf that prints must not corrupt what the build reads from it.
			if err := os.WriteFile(conf, []byte("echo noise\n"+tc.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			snippet := `KERNEL_FULL_VERSION=$2 KERNEL_BUILD_DIR=/kb DKMS_TREE=/dt SOURCE_TREE=/st GRAID_DRIVER_VERSION=$3
read_dkms_conf "$1"
check_dkms_conf dkms.conf
printf 'make=%s\n' "$DKMS_MAKE"
printf 'names=%s\n' "${DKMS_NAMES[*]}"`
			stdout, stderr, ok := callSnippet(t, script, scriptEnv(t), snippet, conf, tc.kver, tc.version)
			if tc.wantErr {
				if ok {
					t.Fatalf("%s: accepted, want error %q; printed:\n%s", tc.reason, tc.want, stdout)
				}
				if !regexp.MustCompile(`^graid-kmod-build: ` + tc.want).MatchString(stderr) {
					t.Errorf("%s: stderr does not match %q:\n%s", tc.reason, tc.want, stderr)
				}
				return
			}
			if !ok {
				t.Fatalf("%s: failed:\n%s", tc.reason, stderr)
			}
			if strings.Contains(stdout, "noise") || !regexp.MustCompile(tc.want).MatchString(stdout) {
				t.Errorf("%s: printed\n%s\nwant match for %q", tc.reason, stdout, tc.want)
			}
		})
	}
}
