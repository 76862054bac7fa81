package kmod

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestDockerfileIsDeterministic: the ConfigMap text is byte-identical across calls.
func TestDockerfileIsDeterministic(t *testing.T) {
	for _, src := range []InstallerSource{InstallerFromURL, InstallerFromImage} {
		a, errA := Dockerfile(src)
		b, errB := Dockerfile(src)
		if errA != nil || errB != nil || a != b {
			t.Errorf("%s: two renderings differ (errors %v, %v)", src, errA, errB)
		}
	}
	url, _ := Dockerfile(InstallerFromURL)
	image, _ := Dockerfile(InstallerFromImage)
	if url == image {
		t.Error("the url and image variants are identical")
	}
}

// TestUnknownInstallerSource: a bad source is an error naming the allowed ones, never a panic.
func TestUnknownInstallerSource(t *testing.T) {
	const want = `kmod: installer source "s3" is not supported; use "url" or "image"`
	if _, err := Dockerfile("s3"); err == nil || err.Error() != want {
		t.Errorf("Dockerfile: got %v, want %q", err, want)
	}
	if _, err := BuildArgs("s3"); err == nil || err.Error() != want {
		t.Errorf("BuildArgs: got %v, want %q", err, want)
	}
}

// TestBuildArgs lists what the generator must and may pass, per source, in a fixed order.
func TestBuildArgs(t *testing.T) {
	for _, tc := range []struct {
		src               InstallerSource
		required, allowed string
	}{
		{InstallerFromURL,
			"GRAID_DRIVER_VERSION GRAID_INSTALLER_SHA256 GRAID_INSTALLER_URL NVIDIA_DRIVER_VERSION NVIDIA_SOURCE_IMAGE",
			"GRAID_INSTALLER_SECRET NVIDIA_SOURCE_PATH NVIDIA_KERNEL_TYPE BASE_IMAGE"},
		{InstallerFromImage,
			"GRAID_DRIVER_VERSION GRAID_INSTALLER_SHA256 GRAID_INSTALLER_IMAGE NVIDIA_DRIVER_VERSION NVIDIA_SOURCE_IMAGE",
			"GRAID_INSTALLER_FILE NVIDIA_SOURCE_PATH NVIDIA_KERNEL_TYPE BASE_IMAGE"},
	} {
		args, err := BuildArgs(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		var required, optional []string
		for _, a := range args {
			if a.Help == "" {
				t.Errorf("%s: %s has no help text", tc.src, a.Name)
			}
			if a.Required {
				required = append(required, a.Name)
			} else {
				optional = append(optional, a.Name)
			}
		}
		if got := strings.Join(required, " "); got != tc.required {
			t.Errorf("%s: required %q, want %q", tc.src, got, tc.required)
		}
		if got := strings.Join(optional, " "); got != tc.allowed {
			t.Errorf("%s: optional %q, want %q", tc.src, got, tc.allowed)
		}
	}
}

// TestBuildScriptIsEmbeddedCopy: BuildScript is build.sh as on disk, and callers cannot change it.
func TestBuildScriptIsEmbeddedCopy(t *testing.T) {
	onDisk, err := os.ReadFile("build.sh")
	if err != nil {
		t.Fatal(err)
	}
	got := BuildScript()
	if !bytes.Equal(got, onDisk) {
		t.Fatal("BuildScript differs from build.sh")
	}
	got[0] = 'X'
	if BuildScript()[0] != '#' {
		t.Error("changing the returned slice changed the embedded script")
	}
}

// TestModulePath: the paths KMM signs, with KMM's variable left in.
func TestModulePath(t *testing.T) {
	var got []string
	for _, m := range Modules() {
		got = append(got, ModulePath(m))
	}
	want := "/opt/lib/modules/${KERNEL_FULL_VERSION}/extra/graid.ko /opt/lib/modules/${KERNEL_FULL_VERSION}/extra/graid_nvidia.ko"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}
