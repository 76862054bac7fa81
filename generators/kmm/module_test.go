package kmm_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/kmm"
	"supremeraid.dev/supremeraid-fn/kmod"
)

const crdFile = "kmm.sigs.x-k8s.io_modules.yaml"

func TestModule(t *testing.T) {
	storageTaint := corev1.Toleration{Key: "node-role.kubernetes.io/storage", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}
	cases := map[string]struct {
		reason         string
		mutate         func(*config.SupremeRAID)
		wantArgs       []string // name=value, in order
		wantSecrets    []string
		wantSign       bool
		wantRepoSecret string
		wantTols       []corev1.Toleration
		wantSelector   map[string]string
	}{
		"url installer": {
			reason: "the minimal config downloads the installer; only the arguments the URL recipe takes are set",
			wantArgs: []string{
				"GRAID_DRIVER_VERSION=1.7.2", "GRAID_INSTALLER_SHA256=" + sha, "GRAID_INSTALLER_URL=" + installer,
				"NVIDIA_DRIVER_VERSION=550.90.07", "NVIDIA_SOURCE_IMAGE=nvcr.io/nvidia/driver:550.90.07-rhcos4.16",
				"NVIDIA_KERNEL_TYPE=kernel",
			},
			wantSelector: map[string]string{config.NodeLabel: "true", config.DriverVersionLabel: "550.90.07"},
		},
		"image installer": {
			reason: "a disconnected cluster takes the installer from an image; the URL arguments disappear",
			mutate: imageInstaller,
			wantArgs: []string{
				"GRAID_DRIVER_VERSION=1.7.2", "GRAID_INSTALLER_SHA256=" + sha,
				"GRAID_INSTALLER_IMAGE=registry.example.com/graid/installer@sha256:" + otherSHA,
				"GRAID_INSTALLER_FILE=/installer/graid-sr-installer-1.7.2-010-x86_64.run",
				"NVIDIA_DRIVER_VERSION=550.90.07", "NVIDIA_SOURCE_IMAGE=nvcr.io/nvidia/driver:550.90.07-rhcos4.16",
				"NVIDIA_KERNEL_TYPE=kernel",
			},
			wantSelector: map[string]string{config.NodeLabel: "true", config.DriverVersionLabel: "550.90.07"},
		},
		"credentials secret": {
			reason: "download credentials are a build secret mounted at /run/secrets/<name>, named to build.sh by GRAID_INSTALLER_SECRET",
			mutate: func(c *config.SupremeRAID) { c.Spec.Driver.Installer.CredentialsSecret = "graid-download" },
			wantArgs: []string{
				"GRAID_DRIVER_VERSION=1.7.2", "GRAID_INSTALLER_SHA256=" + sha, "GRAID_INSTALLER_URL=" + installer,
				"GRAID_INSTALLER_SECRET=graid-download",
				"NVIDIA_DRIVER_VERSION=550.90.07", "NVIDIA_SOURCE_IMAGE=nvcr.io/nvidia/driver:550.90.07-rhcos4.16",
				"NVIDIA_KERNEL_TYPE=kernel",
			},
			wantSecrets:  []string{"graid-download"},
			wantSelector: map[string]string{config.NodeLabel: "true", config.DriverVersionLabel: "550.90.07"},
		},
		"sign, repo secret, tolerations, own selector, open modules, pinned NVIDIA image": {
			reason: "every optional part at once: Secure Boot signing of both modules, a push/pull secret, tainted storage nodes, the open NVIDIA flavour",
			mutate: func(c *config.SupremeRAID) {
				// Both opt-ins state how the known traps are avoided (see config/validate_nvidia.go).
				c.Spec.Driver.Sign = &config.Sign{KeySecret: "sb-key", CertSecret: "sb-cert", SchedulableWithTolerations: true}
				c.Spec.Driver.ImageRepoSecret = "registry-push"
				c.Spec.Driver.ImageRepoSecretCoversBuild = true
				c.Spec.Tolerations = []corev1.Toleration{storageTaint}
				c.Spec.NodeSelector = map[string]string{"node-role.kubernetes.io/storage": ""}
				c.Spec.NVIDIA.KernelModuleType = config.NVIDIAOpen
				c.Spec.NVIDIA.DriverImage = "nvcr.io/nvidia/driver@sha256:" + otherSHA
			},
			wantArgs: []string{
				"GRAID_DRIVER_VERSION=1.7.2", "GRAID_INSTALLER_SHA256=" + sha, "GRAID_INSTALLER_URL=" + installer,
				"NVIDIA_DRIVER_VERSION=550.90.07", "NVIDIA_SOURCE_IMAGE=nvcr.io/nvidia/driver@sha256:" + otherSHA,
				"NVIDIA_KERNEL_TYPE=kernel-open",
			},
			wantSign:       true,
			wantRepoSecret: "registry-push",
			wantTols:       []corev1.Toleration{storageTaint},
			wantSelector:   map[string]string{"node-role.kubernetes.io/storage": "", config.DriverVersionLabel: "550.90.07"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, tc.mutate)
			mod, objs := generate(t, cfg)
			fail := func(format string, args ...any) {
				t.Helper()
				t.Errorf("%s\n(case: %s)", fmt.Sprintf(format, args...), tc.reason)
			}

			crdcheck.Validate(t, crdFile, mod)
			for _, err := range webhookErrors(mod) {
				fail("KMM's admission webhook would reject the Module: %v", err)
			}

			if mod.Name != cfg.Name || mod.Namespace != cfg.Spec.Namespace {
				fail("Module is %s/%s, want %s/%s", mod.Namespace, mod.Name, cfg.Spec.Namespace, cfg.Name)
			}
			if got := mod.Spec.ModuleLoader.ServiceAccountName; got != "graid-kmm" {
				fail("serviceAccountName = %q, want the kmm ServiceAccount graid-kmm", got)
			}
			km := mod.Spec.ModuleLoader.Container.KernelMappings[0]
			var args []string
			for _, a := range km.Build.BuildArgs {
				args = append(args, a.Name+"="+a.Value)
			}
			if diff := cmp.Diff(tc.wantArgs, args); diff != "" {
				fail("build args (-want +got):\n%s", diff)
			}
			declared := declaredArgs(t, objs[0].(*corev1.ConfigMap).Data["dockerfile"])
			for _, a := range km.Build.BuildArgs {
				if !declared[a.Name] {
					fail("build arg %s is not an ARG of the Dockerfile in the ConfigMap, so the build would ignore it", a.Name)
				}
			}
			var secrets []string
			for _, s := range km.Build.Secrets {
				secrets = append(secrets, s.Name)
			}
			if diff := cmp.Diff(tc.wantSecrets, secrets); diff != "" {
				fail("build secrets (-want +got):\n%s", diff)
			}
			if got := km.Build.DockerfileConfigMap.Name; got != "graid-kmod-dockerfile" {
				fail("dockerfileConfigMap = %q, want graid-kmod-dockerfile", got)
			}
			if diff := cmp.Diff(map[string]string{"kubernetes.io/arch": "amd64"}, km.Build.Selector); diff != "" {
				fail("build selector (-want +got):\n%s", diff)
			}
			checkSign(t, fail, km.Sign, tc.wantSign)
			gotRepo := ""
			if mod.Spec.ImageRepoSecret != nil {
				gotRepo = mod.Spec.ImageRepoSecret.Name
			}
			if gotRepo != tc.wantRepoSecret {
				fail("imageRepoSecret = %q, want %q", gotRepo, tc.wantRepoSecret)
			}
			if diff := cmp.Diff(tc.wantTols, mod.Spec.Tolerations); diff != "" {
				fail("tolerations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantSelector, mod.Spec.Selector); diff != "" {
				fail("selector (-want +got):\n%s", diff)
			}
		})
	}
}

func checkSign(t *testing.T, fail func(string, ...any), s *kmm.Sign, want bool) {
	t.Helper()
	if !want {
		if s != nil {
			fail("sign is set without spec.driver.sign")
		}
		return
	}
	if s == nil {
		fail("sign is missing although spec.driver.sign is set")
		return
	}
	if s.KeySecret.Name != "sb-key" || s.CertSecret.Name != "sb-cert" {
		fail("sign secrets = %s/%s, want sb-key/sb-cert", s.KeySecret.Name, s.CertSecret.Name)
	}
	want2 := []string{
		"/opt/lib/modules/${KERNEL_FULL_VERSION}/extra/graid.ko",
		"/opt/lib/modules/${KERNEL_FULL_VERSION}/extra/graid_nvidia.ko",
	}
	if diff := cmp.Diff(want2, s.FilesToSign); diff != "" {
		fail("filesToSign (-want +got):\n%s", diff)
	}
	for _, m := range kmod.Modules() {
		if !slices.Contains(s.FilesToSign, kmod.ModulePath(m)) {
			fail("module %s is not signed (kmod puts it at %s)", m, kmod.ModulePath(m))
		}
	}
}

// TestModuleFixedParts checks what no config changes: how the modules are loaded and which
// kernels the mapping covers.
func TestModuleFixedParts(t *testing.T) {
	mod, _ := generate(t, testConfig(t, nil))
	c := mod.Spec.ModuleLoader.Container
	if c.Modprobe.ModuleName != "graid_nvidia" {
		t.Errorf("moduleName = %q, want graid_nvidia (it pulls in graid)", c.Modprobe.ModuleName)
	}
	if diff := cmp.Diff([]string{"graid_nvidia", "graid"}, c.Modprobe.ModulesLoadingOrder); diff != "" {
		t.Errorf("modulesLoadingOrder (-want +got):\n%s", diff)
	}
	if want := strings.TrimSuffix(kmod.ModulesDir, "/lib/modules"); c.Modprobe.DirName != want || want == kmod.ModulesDir {
		t.Errorf("dirName = %q, want %q: kmod installs modules under %s", c.Modprobe.DirName, want, kmod.ModulesDir)
	}
	// KMM copies firmwarePath's contents to the node's firmware directory; the record must sit
	// in its own subdirectory there, where the node pod's wait-modules reads it.
	if c.Modprobe.FirmwarePath != kmod.FirmwareDir || kmod.RecordSubdir == "" {
		t.Errorf("firmwarePath = %q, want %q (the kmod image's build record is under %s/%s)", c.Modprobe.FirmwarePath, kmod.FirmwareDir, kmod.FirmwareDir, kmod.RecordSubdir)
	}
	if len(c.KernelMappings) != 1 || c.KernelMappings[0].Regexp != kmm.KernelRegexp {
		t.Errorf("kernelMappings = %+v, want one mapping with regexp %s", c.KernelMappings, kmm.KernelRegexp)
	}
	if c.Version != "" || c.ImagePullPolicy != "" || mod.Spec.ImageRebuildTriggerGeneration != nil {
		t.Errorf("ordered upgrade, pull policy or rebuild trigger set; the design leaves them to KMM's defaults")
	}
}

// TestLoadOrderSemantics replays what KMM does with modulesLoadingOrder (one `softdep A pre: B`
// line per pair, then `modprobe A` / `modprobe -r A`) and checks that the result is the order
// the kmod recipe installs the modules in: graid before graid_nvidia, which uses its symbols.
func TestLoadOrderSemantics(t *testing.T) {
	order := kmm.LoadOrder()
	pre := map[string]string{}
	for i := 0; i+1 < len(order); i++ {
		pre[order[i]] = order[i+1] // softdep order[i] pre: order[i+1]
	}
	var load []string
	var visit func(string)
	visit = func(m string) {
		if p, ok := pre[m]; ok {
			visit(p)
		}
		load = append(load, m)
	}
	visit(order[0])
	if diff := cmp.Diff(kmod.Modules(), load); diff != "" {
		t.Errorf("modprobe %s would load (-kmod's order +got):\n%s", order[0], diff)
	}
	unload := slices.Clone(load)
	slices.Reverse(unload)
	if unload[0] != "graid_nvidia" {
		t.Errorf("modprobe -r would remove %s first; graid_nvidia must go first (it holds graid and nvidia)", unload[0])
	}
}

// TestGenerateDeterministic renders twice and compares the bytes.
func TestGenerateDeterministic(t *testing.T) {
	render := func() string {
		cfg := testConfig(t, func(c *config.SupremeRAID) {
			c.Spec.NodeSelector = map[string]string{"a.example.com/x": "1", "b.example.com/y": "2", "c.example.com/z": "3"}
			c.Spec.Driver.Sign = &config.Sign{KeySecret: "k", CertSecret: "c"}
		})
		objs, err := kmm.Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, o := range objs {
			m, err := generators.ToMap(o)
			if err != nil {
				t.Fatal(err)
			}
			y, err := generators.ToYAML(m)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(y)
		}
		return b.String()
	}
	first := render()
	for i := 0; i < 20; i++ {
		if got := render(); got != first {
			t.Fatalf("run %d differs from the first:\n%s", i, cmp.Diff(first, got))
		}
	}
}

// TestGenerateDoesNotAliasConfig makes sure the Module's selector is a copy: the node generator
// reads spec.nodeSelector after this one.
func TestGenerateDoesNotAliasConfig(t *testing.T) {
	cfg := testConfig(t, nil)
	mod, _ := generate(t, cfg)
	mod.Spec.Selector["x"] = "y"
	if _, leaked := cfg.Spec.NodeSelector["x"]; leaked || len(cfg.Spec.NodeSelector) != 1 {
		t.Errorf("spec.nodeSelector changed to %v through the Module", cfg.Spec.NodeSelector)
	}
}

var argRe = regexp.MustCompile(`(?m)^ARG ([A-Z_][A-Z0-9_]*)(=|$)`)

func declaredArgs(t *testing.T, dockerfile string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range argRe.FindAllStringSubmatch(dockerfile, -1) {
		out[m[1]] = true
	}
	if len(out) == 0 {
		t.Fatal("no ARG in the Dockerfile")
	}
	return out
}

// webhookErrors repeats the checks of KMM's validating webhook (kernel-module-management
// internal/webhook/module.go) that a generated Module could trip.
func webhookErrors(m *kmm.Module) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if n := len(m.Name + m.Namespace); n > 40 {
		add("name and namespace have %d characters together, more than 40", n)
	}
	for i, tol := range m.Spec.Tolerations {
		if tol.Key != "" && len(validation.IsQualifiedName(tol.Key)) > 0 {
			add("tolerations[%d]: invalid key", i)
		}
		if tol.Key == "" && tol.Operator != corev1.TolerationOpExists {
			add("tolerations[%d]: empty key needs Exists", i)
		}
		if tol.TolerationSeconds != nil && tol.Effect != corev1.TaintEffectNoExecute {
			add("tolerations[%d]: tolerationSeconds needs NoExecute", i)
		}
	}
	if m.Spec.ModuleLoader == nil {
		return errs
	}
	c := m.Spec.ModuleLoader.Container
	for i, km := range c.KernelMappings {
		if (km.Regexp == "") == (km.Literal == "") {
			add("kernelMappings[%d]: exactly one of regexp and literal", i)
		}
		if _, err := regexp.Compile(km.Regexp); err != nil {
			add("kernelMappings[%d]: %v", i, err)
		}
		if !strings.Contains(km.ContainerImage, ":") && !strings.Contains(km.ContainerImage, "@") {
			add("kernelMappings[%d]: image %s has no tag or digest", i, km.ContainerImage)
		}
		if s := km.Sign; s != nil {
			if len(s.FilesToSign) == 0 {
				add("kernelMappings[%d].sign: filesToSign is required", i)
			}
			for _, f := range s.FilesToSign {
				if !strings.HasPrefix(f, c.Modprobe.DirName+"/") {
					add("kernelMappings[%d].sign: %s is not under dirName %s", i, f, c.Modprobe.DirName)
				}
			}
		}
	}
	mp := c.Modprobe
	if mp.ModuleName == "" {
		add("modprobe.moduleName is empty")
	}
	if order := mp.ModulesLoadingOrder; order != nil {
		if len(order) < 2 {
			add("modulesLoadingOrder needs at least two entries")
		}
		if order[0] != mp.ModuleName {
			add("modulesLoadingOrder[0] = %s, must be moduleName %s", order[0], mp.ModuleName)
		}
		seen := map[string]bool{}
		for _, o := range order {
			if seen[o] {
				add("modulesLoadingOrder: duplicate %s", o)
			}
			seen[o] = true
		}
	}
	return errs
}

// TestWebhookRulesCatch proves webhookErrors can fail: each broken Module trips its rule.
func TestWebhookRulesCatch(t *testing.T) {
	cases := map[string]struct {
		reason string
		edit   func(*kmm.Module)
	}{
		"order not led by moduleName": {"KMM: the first element must be moduleName", func(m *kmm.Module) {
			m.Spec.ModuleLoader.Container.Modprobe.ModulesLoadingOrder = []string{"graid", "graid_nvidia"}
		}},
		"order of one": {"KMM: at least two values", func(m *kmm.Module) {
			m.Spec.ModuleLoader.Container.Modprobe.ModulesLoadingOrder = []string{"graid_nvidia"}
		}},
		"duplicate order": {"KMM: no duplicates", func(m *kmm.Module) {
			m.Spec.ModuleLoader.Container.Modprobe.ModulesLoadingOrder = []string{"graid_nvidia", "graid", "graid"}
		}},
		"sign outside dirName": {"KMM: files to sign under dirName", func(m *kmm.Module) {
			m.Spec.ModuleLoader.Container.KernelMappings[0].Sign = &kmm.Sign{FilesToSign: []string{"/lib/modules/x/graid.ko"}}
		}},
		"untagged image": {"KMM: explicit tag or digest", func(m *kmm.Module) {
			m.Spec.ModuleLoader.Container.KernelMappings[0].ContainerImage = "registry/graid-kmod"
		}},
		"regexp and literal": {"KMM: mutually exclusive", func(m *kmm.Module) { m.Spec.ModuleLoader.Container.KernelMappings[0].Literal = "5.14.0" }},
		"long names":         {"KMM: 40 characters", func(m *kmm.Module) { m.Namespace = strings.Repeat("n", 40) }},
		"empty key toleration": {"KMM: empty key needs Exists", func(m *kmm.Module) {
			m.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpEqual}}
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mod, _ := generate(t, testConfig(t, nil))
			if errs := webhookErrors(mod); len(errs) > 0 {
				t.Fatalf("the unbroken Module already fails: %v", errs)
			}
			tc.edit(mod)
			if errs := webhookErrors(mod); len(errs) == 0 {
				t.Errorf("not caught: %s", tc.reason)
			}
		})
	}
}
