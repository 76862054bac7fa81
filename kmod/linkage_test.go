package kmod

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// build is one run of build.sh against the fixture.
type build struct {
	dest       string // DESTDIR
	nvidiaTree string // the NVIDIA tree the script built (holds Module.symvers)
	out        string
	ok         bool
}

// fixtureBuild runs the embedded build.sh against the Debian kernel headers with the given
// installer and the fixture NVIDIA .run; extra KEY=value pairs override the defaults.
func fixtureBuild(t *testing.T, f *fixture, kver, installer, sum string, extra ...string) build {
	t.Helper()
	dest, markers, treeRoot := t.TempDir(), markerDir(t), t.TempDir()
	env := scriptEnv(t,
		"KERNEL_FULL_VERSION="+kver, // KERNEL_BUILD_DIR left to its default, as in the image
		"GRAID_DRIVER_VERSION="+fixtureGraidVersion+"-"+fixtureGraidRelease,
		"GRAID_INSTALLER_URL=file://"+installer,
		"GRAID_INSTALLER_SHA256="+sum,
		"NVIDIA_DRIVER_VERSION="+fixtureNvidiaVersion,
		"NVIDIA_SOURCE="+f.nvidiaRun,
		"DESTDIR="+dest,
		"NVIDIA_TREE_ROOT="+treeRoot,
		markerEnv+"="+markers,
	)
	out, ok := runScript(t, writeScript(t), append(env, extra...))
	assertNotExecuted(t, markers)
	return build{dest: dest, nvidiaTree: filepath.Join(treeRoot, "nvidia-"+fixtureNvidiaVersion), out: out, ok: ok}
}

// elfModversions reads a module's __versions section: 64-byte entries on x86_64, an unsigned
// long CRC then a NUL-padded 56-byte name (struct modversion_info).
func elfModversions(t *testing.T, ko string) map[string]uint32 {
	t.Helper()
	f, err := elf.Open(ko)
	require.NoError(t, err)
	defer f.Close()
	sec := f.Section("__versions")
	require.NotNil(t, sec, "%s has no __versions section", ko)
	data, err := sec.Data()
	require.NoError(t, err)
	require.Zero(t, len(data)%64, "__versions size %d is not a multiple of 64", len(data))
	got := map[string]uint32{}
	for i := 0; i < len(data); i += 64 {
		name := data[i+8 : i+64]
		if n := bytes.IndexByte(name, 0); n >= 0 {
			name = name[:n]
		}
		got[string(name)] = uint32(binary.LittleEndian.Uint64(data[i:]))
	}
	return got
}

// symvers reads a Module.symvers: CRC, symbol, module, export type, namespace (tab-separated).
func symvers(t *testing.T, path string) map[string]uint32 {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	got := map[string]uint32{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		require.GreaterOrEqual(t, len(f), 3, "Module.symvers line %q", sc.Text())
		crc, err := strconv.ParseUint(f[0], 0, 32)
		require.NoError(t, err)
		got[f[1]] = uint32(crc)
	}
	return got
}

// fixtureNvidiaSymbols are the symbols the fixture graid_nvidia calls in the stand-in nvidia.ko.
var fixtureNvidiaSymbols = []string{"nvidia_p2p_get_pages", "nvidia_p2p_put_pages"}

// assertBoundToNvidia checks that ko records, for each fixture NVIDIA symbol, the CRC of the
// NVIDIA build in tree, and that the record file lists exactly those.
func assertBoundToNvidia(t *testing.T, ko, tree, record string) {
	t.Helper()
	exported := symvers(t, filepath.Join(tree, "Module.symvers"))
	versions := elfModversions(t, ko)
	var want strings.Builder
	for _, sym := range fixtureNvidiaSymbols {
		crc, ok := exported[sym]
		if !assert.True(t, ok, "the NVIDIA build does not export %s", sym) {
			continue
		}
		assert.Equal(t, fmt.Sprintf("0x%08x", crc), fmt.Sprintf("0x%08x", versions[sym]),
			"CRC of %s in %s vs the NVIDIA build's Module.symvers", sym, filepath.Base(ko))
		fmt.Fprintf(&want, "0x%08x\t%s\tnvidia\n", crc, sym)
	}
	b, err := os.ReadFile(record)
	require.NoError(t, err)
	assert.Equal(t, want.String(), string(b), "MODVERSIONS record")
}

// TestBuildScriptNvidiaFlavour builds with the open flavour: graid_nvidia is compiled and linked
// against kernel-open/, whose CRCs differ from kernel/'s (a parameter type differs), so the CRCs
// it records prove which build it is bound to.
func TestBuildScriptNvidiaFlavour(t *testing.T) {
	f := getFixture(t)
	kver, _ := kernelBuildDir(t)
	tools := needTools(t, "bash", "curl", "rpm2cpio", "cpio", "make", "gcc", "modinfo", "depmod", "modprobe", "strip", "nm")
	b := fixtureBuild(t, f, kver, f.installer, f.installerSum, "NVIDIA_KERNEL_TYPE=kernel-open")
	require.True(t, b.ok, "build.sh failed:\n%s", b.out)
	ko := filepath.Join(b.dest, ModulesDir, kver, ModuleSubdir, "graid_nvidia.ko")
	out, err := runOutput(tools["modinfo"], "-F", "nvidia_flavour", ko)
	require.NoError(t, err)
	assert.Equal(t, "kernel-open", out, "graid_nvidia compiled against the open flavour's headers")
	assertBoundToNvidia(t, ko, b.nvidiaTree, filepath.Join(b.dest, UserspaceDir, "MODVERSIONS"))
	assert.Contains(t, b.out, "is bound to NVIDIA 550.90.07 (kernel-open) by 2 symbol CRC(s)")

	// The proprietary flavour's CRCs differ, and the script's own check says so when handed
	// the other build's Module.symvers.
	proprietary := filepath.Join(t.TempDir(), "kernel")
	require.NoError(t, run("", "cp", "-a", filepath.Join(f.nvidiaDir, "kernel"), proprietary))
	require.NoError(t, run(proprietary, "make", "-s", "SYSSRC=/lib/modules/"+kver+"/build", "KERNEL_UNAME="+kver, "modules"))
	other := symvers(t, filepath.Join(proprietary, "Module.symvers"))
	open := symvers(t, filepath.Join(b.nvidiaTree, "Module.symvers"))
	for _, sym := range fixtureNvidiaSymbols {
		assert.NotEqual(t, open[sym], other[sym], "%s: the flavours must differ for this test to mean anything", sym)
	}
	_, stderr, ok := callSnippet(t, writeScript(t), scriptEnv(t, "NVIDIA_DRIVER_VERSION=550.90.07", "NVIDIA_KERNEL_TYPE=kernel"),
		`check_nvidia_linkage "$1" "$2"`, ko, filepath.Join(proprietary, "Module.symvers"))
	assert.False(t, ok)
	assert.Regexp(t, `error: graid_nvidia\.ko records CRCs that differ from the NVIDIA 550\.90\.07 \(kernel\) build: nvidia_p2p_get_pages\(0x[0-9a-f]{8} vs 0x[0-9a-f]{8}\) nvidia_p2p_put_pages`, stderr)
}

// TestBuildScriptRefusesUnboundGraidNvidia: a vendor tree that silences modpost and drops the
// NVIDIA symbols (KBUILD_MODPOST_WARN, KBUILD_EXTRA_SYMBOLS overridden in its Kbuild) builds a
// graid_nvidia that would load against any nvidia.ko; the build must fail and install nothing.
func TestBuildScriptRefusesUnboundGraidNvidia(t *testing.T) {
	f := getFixture(t)
	kver, _ := kernelBuildDir(t)
	needTools(t, "bash", "curl", "rpm2cpio", "cpio", "make", "gcc", "modinfo", "modprobe", "nm")
	installer, sum := installerVariant(t, "-unbound", "graid-src/Kbuild",
		"# A vendor build that ignores undefined symbols and never sees NVIDIA's Module.symvers.\nKBUILD_MODPOST_WARN := 1\nKBUILD_EXTRA_SYMBOLS :=\n")
	b := fixtureBuild(t, f, kver, installer, sum)
	require.False(t, b.ok, "build.sh succeeded with an unbound graid_nvidia:\n%s", b.out)
	assert.Regexp(t, `WARNING: modpost: "nvidia_p2p_get_pages" \[\S+graid_nvidia\.ko\] undefined!`, b.out, "modpost only warned")
	assert.Regexp(t, `error: graid_nvidia\.ko uses NVIDIA symbol\(s\) nvidia_p2p_get_pages nvidia_p2p_put_pages but records no CRC for them`, b.out)
	assert.Equal(t, 1, strings.Count(b.out, "graid-kmod-build: error:"))
	entries, _ := os.ReadDir(b.dest)
	assert.Empty(t, entries, "a failed build installed files")
}

// TestBuildScriptLinkageChecks drives the checks on modules the fixture build produced: a module
// that uses no NVIDIA symbol, a load order against the dependencies, a kernel without
// CONFIG_MODVERSIONS.
func TestBuildScriptLinkageChecks(t *testing.T) {
	f := getFixture(t)
	kver, _ := kernelBuildDir(t)
	needTools(t, "bash", "curl", "rpm2cpio", "cpio", "make", "gcc", "modinfo", "depmod", "modprobe", "strip", "nm")
	b := fixtureBuild(t, f, kver, f.installer, f.installerSum)
	require.True(t, b.ok, "build.sh failed:\n%s", b.out)
	dir := filepath.Join(b.dest, ModulesDir, kver, ModuleSubdir)
	graid, graidNvidia := filepath.Join(dir, "graid.ko"), filepath.Join(dir, "graid_nvidia.ko")
	noModversions, rt := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(noModversions, ".config"), []byte("CONFIG_MODULES=y\n# CONFIG_MODVERSIONS is not set\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(rt, ".config"), []byte("CONFIG_MODULES=y\nCONFIG_MODVERSIONS=y\nCONFIG_PREEMPT_RT=y\n"), 0o644))
	symversFile := filepath.Join(b.nvidiaTree, "Module.symvers")
	script := writeScript(t)
	for _, tc := range []struct {
		name, reason, snippet string
		env, args             []string
		wantErr               string // regexp; empty means success
	}{
		{
			name: "uses-no-nvidia-symbol", reason: "a graid_nvidia that calls nothing in NVIDIA is not bound to it",
			snippet: `check_nvidia_linkage "$1" "$2"`, args: []string{graid, symversFile},
			wantErr: `error: graid\.ko uses no symbol exported by the NVIDIA 550\.90\.07 \(kernel\) build in \S+; it is not linked against the NVIDIA driver`,
		},
		{
			name: "bound", reason: "the module the build produced passes and prints its record",
			snippet: `check_nvidia_linkage "$1" "$2"`, args: []string{graidNvidia, symversFile},
		},
		{
			name: "order-backwards", reason: "graid_nvidia needs graid loaded first; the reverse order cannot load or unload",
			snippet: `check_load_order "$@"`, args: []string{graidNvidia, graid},
			wantErr: `error: graid_nvidia depends on graid, which the load order 'graid graid_nvidia' loads after it; KMM could neither load nor unload them \(modprobe -r\)`,
		},
		{
			name: "order-forwards", reason: "the Module's order matches the dependencies",
			snippet: `check_load_order "$@"`, args: []string{graid, graidNvidia},
		},
		{
			name: "graid-nvidia-not-on-nvidia", reason: "in the graid_nvidia slot, a module that does not depend on nvidia is refused",
			snippet: `NVIDIA_LINKED_MODULE=graid check_load_order "$1"`, args: []string{graid},
			wantErr: `error: graid depends on '', not on nvidia`,
		},
		{
			name: "no-modversions", reason: "without CONFIG_MODVERSIONS nothing binds graid_nvidia to the driver",
			snippet: `kernel_has_modversions`, env: []string{"KERNEL_BUILD_DIR=" + noModversions},
			wantErr: `error: kernel 6\.1\.0-x is built without CONFIG_MODVERSIONS`,
		},
		{
			name: "modversions", reason: "Debian's kernel, like RHCOS's, has CONFIG_MODVERSIONS=y and is not PREEMPT_RT",
			snippet: `kernel_supported`, env: []string{"KERNEL_BUILD_DIR=/lib/modules/" + kver + "/build"},
		},
		{
			name: "real-time", reason: "NVIDIA's modules do not build for PREEMPT_RT; say so instead of failing in make",
			snippet: `kernel_supported`, env: []string{"KERNEL_BUILD_DIR=" + rt},
			wantErr: `error: kernel 6\.1\.0-x is a real-time \(PREEMPT_RT\) kernel: NVIDIA's kernel modules do not build for it`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := scriptEnv(t, append([]string{"NVIDIA_DRIVER_VERSION=550.90.07", "NVIDIA_KERNEL_TYPE=kernel", "KERNEL_FULL_VERSION=6.1.0-x"}, tc.env...)...)
			stdout, stderr, ok := callSnippet(t, script, env, tc.snippet, tc.args...)
			if tc.wantErr == "" {
				assert.True(t, ok, "%s: %s", tc.reason, stderr)
				return
			}
			assert.False(t, ok, "%s: succeeded: %s", tc.reason, stdout)
			assert.Regexp(t, regexp.MustCompile(tc.wantErr), stderr, tc.reason)
		})
	}
}

func runOutput(name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// TestBuildScriptOrderIsModules ties the order build.sh checks the dependencies against to
// kmod.Modules(), from which the kmm generator derives modulesLoadingOrder: the two cannot drift.
func TestBuildScriptOrderIsModules(t *testing.T) {
	stdout, stderr, ok := callSnippet(t, writeScript(t), scriptEnv(t), `printf '%s\n' "$REQUIRED_MODULES" "$NVIDIA_LINKED_MODULE"`)
	require.True(t, ok, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, strings.Join(Modules(), " "), lines[0], "build.sh REQUIRED_MODULES vs kmod.Modules()")
	assert.Equal(t, Modules()[len(Modules())-1], lines[1], "the NVIDIA-linked module loads last")
}
