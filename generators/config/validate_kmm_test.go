package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// kmmConfig returns a config that passes Validate once defaulted; cases change one thing.
func kmmConfig() *SupremeRAID {
	c := &SupremeRAID{Spec: Spec{
		Driver: Driver{
			Version:   "1.7.2-010",
			Installer: Installer{URL: "https://example.com/graid.run", SHA256: strings.Repeat("a", 64)},
			KmodImage: "registry.example.com/graid/kmod",
		},
		NVIDIA: NVIDIA{DriverVersion: "550.90.07"},
		RAID: RAID{DriveGroups: []DriveGroup{{
			RAIDLevel: RAID1, PhysicalDrives: []string{"/dev/nvme0n1", "/dev/nvme1n1"},
			VirtualDrives: []VirtualDrive{{MountPath: "/var/mnt/sr/vd0"}},
		}}},
	}}
	c.APIVersion, c.Kind = APIVersion, Kind
	return c
}

func TestDefaultNVIDIAForKMM(t *testing.T) {
	cases := map[string]struct {
		reason    string
		in        NVIDIA
		wantImage string
		wantType  NVIDIAKernelModuleType
	}{
		"defaults": {
			reason:    "the build takes the .run from NVIDIA's RHCOS 4.16 image of the same version; proprietary modules",
			in:        NVIDIA{DriverVersion: "550.90.07"},
			wantImage: "nvcr.io/nvidia/driver:550.90.07-rhcos4.16", wantType: NVIDIAProprietary,
		},
		"kept": {
			reason:    "values the user set are never overridden",
			in:        NVIDIA{DriverVersion: "550.90.07", DriverImage: "mirror.example.com/nvidia/driver@sha256:" + strings.Repeat("b", 64), KernelModuleType: NVIDIAOpen},
			wantImage: "mirror.example.com/nvidia/driver@sha256:" + strings.Repeat("b", 64), wantType: NVIDIAOpen,
		},
		"no version": {
			reason:   "without a version there is no image to name; Validate reports the version once",
			in:       NVIDIA{},
			wantType: NVIDIAProprietary,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := kmmConfig()
			c.Spec.NVIDIA = tc.in
			c.Default()
			if got := c.Spec.NVIDIA.DriverImage; got != tc.wantImage {
				t.Errorf("driverImage = %q, want %q (%s)", got, tc.wantImage, tc.reason)
			}
			if got := c.Spec.NVIDIA.KernelModuleType; got != tc.wantType {
				t.Errorf("kernelModuleType = %q, want %q (%s)", got, tc.wantType, tc.reason)
			}
		})
	}
}

// TestValidateKMM checks the fields and limits the kmm generator relies on; each case lists the
// exact field paths it must produce, in order.
func TestValidateKMM(t *testing.T) {
	secs := int64(10)
	cases := map[string]struct {
		reason string
		mutate func(*SupremeRAID)
		want   []string // "path: substring of the message"
	}{
		"valid": {reason: "the base config passes", mutate: func(*SupremeRAID) {}},
		"digest-pinned driver image": {
			reason: "a digest cannot be checked against the version here; the build checks the .run",
			mutate: func(c *SupremeRAID) {
				c.Spec.NVIDIA.DriverImage = "nvcr.io/nvidia/driver@sha256:" + strings.Repeat("c", 64)
			},
		},
		"driver image of another version": {
			reason: "graid_nvidia would be built against the wrong NVIDIA source",
			mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.DriverImage = "nvcr.io/nvidia/driver:550.54.15-rhcos4.16" },
			want:   []string{`spec.nvidia.driverImage: the tag "550.54.15-rhcos4.16" is not of driver version 550.90.07`},
		},
		"driver image with a prefix of the version": {
			reason: "550.90.0 is not 550.90.07",
			mutate: func(c *SupremeRAID) {
				c.Spec.NVIDIA.DriverVersion = "550.90.0"
				c.Spec.NVIDIA.DriverImage = "nvcr.io/nvidia/driver:550.90.07-rhcos4.16"
			},
			want: []string{"spec.nvidia.driverImage: is not of driver version 550.90.0"},
		},
		"untagged driver image": {
			reason: "an untagged image is :latest, whatever version that is today",
			mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.DriverImage = "registry.example.com:5000/nvidia/driver" },
			want:   []string{"spec.nvidia.driverImage: needs a tag or, better, a digest"},
		},
		"malformed driver image": {
			reason: "not an image reference at all",
			mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.DriverImage = "NVCR.io/Driver:1" },
			want:   []string{"spec.nvidia.driverImage: must be an image reference"},
		},
		"bad driver version reported once": {
			reason: "the defaulted image repeats the bad version; only the version is reported",
			mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.DriverVersion = "latest" },
			want:   []string{"spec.nvidia.driverVersion: must be an NVIDIA driver version"},
		},
		"kernel module type": {
			reason: "only the two flavours the ClusterPolicy and the build both know",
			mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.KernelModuleType = "auto" },
			want:   []string{`spec.nvidia.kernelModuleType: Unsupported value: "auto"`},
		},
		"gate label in the node selector": {
			reason: "the function sets the driver-version gate itself",
			mutate: func(c *SupremeRAID) {
				c.Spec.NodeSelector = map[string]string{NodeLabel: "true", DriverVersionLabel: "550.90.07"}
			},
			want: []string{"spec.nodeSelector[nvidia.com/cuda.driver-version.full]: set from spec.nvidia.driverVersion"},
		},
		"tolerations": {
			reason: "the API server's and KMM's toleration rules, each with its index",
			mutate: func(c *SupremeRAID) {
				c.Spec.Tolerations = []corev1.Toleration{
					{Key: "storage", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}, // fine
					{Operator: corev1.TolerationOpExists},                                                       // fine: tolerate everything
					{Key: "bad key!", Operator: corev1.TolerationOpExists},
					{Operator: corev1.TolerationOpEqual, Value: "x"},
					{Key: "a", Operator: corev1.TolerationOpExists, Value: "x"},
					{Key: "a", Operator: "In"},
					{Key: "a", Value: "not a label value!"},
					{Key: "a", Effect: "Sometimes"},
					{Key: "a", Effect: corev1.TaintEffectNoSchedule, TolerationSeconds: &secs},
					{Key: "a", Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs}, // fine
				}
			},
			want: []string{
				"spec.tolerations[2].key: name part must consist of",
				"spec.tolerations[3].operator: must be Exists when key is empty",
				"spec.tolerations[4].value: must be empty when operator is Exists",
				`spec.tolerations[5].operator: Unsupported value: "In"`,
				"spec.tolerations[6].value: a valid label must be",
				`spec.tolerations[7].effect: Unsupported value: "Sometimes"`,
				"spec.tolerations[8].tolerationSeconds: only with effect NoExecute",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := kmmConfig()
			tc.mutate(c)
			c.Default()
			var gotPaths, wantPaths []string
			errs := c.Validate()
			for _, e := range errs {
				gotPaths = append(gotPaths, e.Field)
			}
			for _, w := range tc.want {
				path, _, _ := strings.Cut(w, ": ")
				wantPaths = append(wantPaths, path)
			}
			if diff := cmp.Diff(wantPaths, gotPaths); diff != "" {
				t.Fatalf("field paths (-want +got) (%s):\n%s\nerrors: %v", tc.reason, diff, errs.ToAggregate())
			}
			for i, w := range tc.want {
				_, msg, _ := strings.Cut(w, ": ")
				if !strings.Contains(errs[i].Error(), msg) {
					t.Errorf("%s: message %q does not contain %q (%s)", errs[i].Field, errs[i].Error(), msg, tc.reason)
				}
			}
		})
	}
}

func TestSplitImageRef(t *testing.T) {
	cases := map[string]struct{ ref, tag, digest string }{
		"tag":           {"nvcr.io/nvidia/driver:550.90.07-rhcos4.16", "550.90.07-rhcos4.16", ""},
		"digest":        {"nvcr.io/nvidia/driver@sha256:abc", "", "sha256:abc"},
		"both":          {"r.example.com/d:1@sha256:abc", "1", "sha256:abc"},
		"port, no tag":  {"r.example.com:5000/nvidia/driver", "", ""},
		"port and tag":  {"r.example.com:5000/nvidia/driver:550.90.07", "550.90.07", ""},
		"no registry":   {"driver:1", "1", ""},
		"bare name":     {"driver", "", ""},
		"port, digest":  {"r.example.com:5000/d@sha256:abc", "", "sha256:abc"},
		"tag with dots": {"d:550.90.07", "550.90.07", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tag, digest := splitImageRef(tc.ref)
			if tag != tc.tag || digest != tc.digest {
				t.Errorf("splitImageRef(%q) = %q, %q; want %q, %q", tc.ref, tag, digest, tc.tag, tc.digest)
			}
		})
	}
}
