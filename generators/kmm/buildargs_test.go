package kmm_test

import (
	"regexp"
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/kmm"
)

var tagRe = regexp.MustCompile(`^(.+):([0-9.]+(?:-[0-9A-Za-z.]+)?)-([0-9.]+)-([0-9a-f]{8})-\$\{KERNEL_FULL_VERSION\}$`)

// TestContainerImage checks the tag: KMM builds only when the image is missing, so everything
// that changes the built modules must change the tag, and nothing else may.
func TestContainerImage(t *testing.T) {
	base := kmm.ContainerImage(testConfig(t, nil))
	m := tagRe.FindStringSubmatch(base)
	if m == nil {
		t.Fatalf("image %q is not <kmodImage>:<graid>-<nvidia>-<hash>-${KERNEL_FULL_VERSION}", base)
	}
	if m[1] != kmodRepo || m[2] != "1.7.2" || m[3] != "550.90.07" {
		t.Errorf("image %q: repository %q, versions %q %q", base, m[1], m[2], m[3])
	}
	cases := map[string]struct {
		reason  string
		mutate  func(*config.SupremeRAID)
		changes bool
	}{
		"graid version":        {"a new SupremeRAID release is a new build", func(c *config.SupremeRAID) { c.Spec.Driver.Version = "1.7.3" }, true},
		"nvidia version":       {"graid_nvidia is bound to the exact NVIDIA build", func(c *config.SupremeRAID) { c.Spec.NVIDIA.DriverVersion = "550.127.05" }, true},
		"installer sha256":     {"a re-released installer of the same version is a different source", func(c *config.SupremeRAID) { c.Spec.Driver.Installer.SHA256 = otherSHA }, true},
		"nvidia module type":   {"open and proprietary nvidia.ko export different symbols", func(c *config.SupremeRAID) { c.Spec.NVIDIA.KernelModuleType = config.NVIDIAOpen }, true},
		"kmod repository":      {"another registry is another image", func(c *config.SupremeRAID) { c.Spec.Driver.KmodImage = "registry.example.com/graid/kmod" }, true},
		"installer location":   {"the same file (same sha256) from elsewhere builds the same modules", imageInstaller, false},
		"nvidia image pinning": {"pinning the same driver version by digest gives the same .run", func(c *config.SupremeRAID) { c.Spec.NVIDIA.DriverImage = "nvcr.io/nvidia/driver@sha256:" + otherSHA }, false},
		"credentials":          {"how the installer is downloaded does not change it", func(c *config.SupremeRAID) { c.Spec.Driver.Installer.CredentialsSecret = "dl" }, false},
		"signing":              {"KMM signs into the same tag (its unsigned intermediate has its own)", func(c *config.SupremeRAID) { c.Spec.Driver.Sign = &config.Sign{KeySecret: "k", CertSecret: "c"} }, false},
		"node selection":       {"where the module is loaded does not change what is built", func(c *config.SupremeRAID) { c.Spec.NodeSelector = map[string]string{"x.example.com/y": "z"} }, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := kmm.ContainerImage(testConfig(t, tc.mutate))
			if changed := got != base; changed != tc.changes {
				t.Errorf("image %q vs %q: changed = %v, want %v (%s)", got, base, changed, tc.changes, tc.reason)
			}
			if !tagRe.MatchString(got) {
				t.Errorf("image %q does not have the tag format", got)
			}
		})
	}
}

// TestContainerImageTagLength grows the SupremeRAID version until Validate refuses it and
// checks that the longest accepted one makes a tag, with the kernel allowance and KMM's
// unsigned-image suffix, of exactly 128 characters: the budget is neither too loose (a push
// would fail) nor too strict.
func TestContainerImageTagLength(t *testing.T) {
	mutate := func(version string) func(*config.SupremeRAID) {
		return func(c *config.SupremeRAID) {
			c.Spec.Driver.Version = version
			c.Spec.NVIDIA.DriverVersion = "1234.123.123"
			c.Spec.NVIDIA.DriverImage = "nvcr.io/nvidia/driver@sha256:" + otherSHA
			c.Spec.Driver.Sign = &config.Sign{KeySecret: "k", CertSecret: "c"}
		}
	}
	valid := func(version string) bool {
		c := &config.SupremeRAID{}
		*c = *testConfig(t, nil)
		mutate(version)(c)
		return len(c.Validate())+len(kmm.Validate(c)) == 0
	}
	version := "1.7.2-0"
	if !valid(version) {
		t.Fatalf("%s is refused already", version)
	}
	for valid(version + "0") {
		version += "0"
		if len(version) > 200 {
			t.Fatal("Validate accepts any length of spec.driver.version")
		}
	}
	cfg := testConfig(t, mutate(version))
	img := kmm.ContainerImage(cfg)
	tag := img[strings.LastIndex(img, ":")+1:]
	kernel := strings.Repeat("k", kmm.KmodTagKernelAllowance)
	full := strings.Replace(tag, "${KERNEL_FULL_VERSION}", kernel, 1) + "_" + cfg.Spec.Namespace + "_" + cfg.Name + "_kmm_unsigned"
	if len(full) != kmm.MaxImageTagLength {
		t.Errorf("the longest accepted version %q makes a %d-character tag; want exactly %d", version, len(full), kmm.MaxImageTagLength)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`).MatchString(full) {
		t.Errorf("tag %q is not a valid image tag", full)
	}
}
