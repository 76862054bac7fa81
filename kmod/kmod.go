// Package kmod holds the recipe of KMM's in-cluster build of SupremeRAID's kernel modules: the
// Dockerfile template and the build script it runs. The files are embedded so the kmm generator
// puts exactly the tested text into the Dockerfile ConfigMap.
package kmod

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed Dockerfile.tmpl
var dockerfileTemplate string

//go:embed build.sh
var buildScript []byte

// Paths inside the built image.
const (
	// ModulesDir is where KMM expects the modules: ModulesDir/<kernel>/...; depmod -b /opt has run.
	ModulesDir = "/opt/lib/modules"
	// ModuleSubdir is the directory under ModulesDir/<kernel> holding the modules: extra, as DKMS
	// uses on RHEL whatever the vendor's DEST_MODULE_LOCATION says.
	ModuleSubdir = "extra"
	// UserspaceDir holds the installer RPM's files (usr/bin/graid_server, usr/bin/graidctl, ...)
	// for the node DaemonSet, plus MANIFEST (sorted file list) and BUILD-INFO (KEY=value lines).
	UserspaceDir = "/opt/graid"
	// FirmwareDir is the Module's modprobe.firmwarePath: KMM copies its contents to the node's
	// firmware directory (/var/lib/firmware by default) before modprobe and removes them before
	// modprobe -r, so what is under it is on the host exactly while the modules are loaded.
	FirmwareDir = "/firmware"
	// RecordSubdir, under FirmwareDir in the image and under the node's firmware directory,
	// holds RecordFile: a copy of UserspaceDir's BUILD-INFO for the node pod's wait-modules.
	RecordSubdir = "supremeraid"
	// RecordFile is the build record's name: KEY=value lines, MODULES and SRCVERSION_<module>.
	RecordFile = "BUILD-INFO"
)

// Build arguments. KMM sets DTK_AUTO and KERNEL_FULL_VERSION itself; the Module's build.buildArgs
// must set the others that BuildArgs lists for the chosen InstallerSource.
const (
	ArgDTKAuto              = "DTK_AUTO"
	ArgKernelFullVersion    = "KERNEL_FULL_VERSION"
	ArgDriverVersion        = "GRAID_DRIVER_VERSION"
	ArgInstallerSHA256      = "GRAID_INSTALLER_SHA256"
	ArgInstallerURL         = "GRAID_INSTALLER_URL"
	ArgInstallerSecret      = "GRAID_INSTALLER_SECRET"
	ArgInstallerImage       = "GRAID_INSTALLER_IMAGE"
	ArgInstallerFile        = "GRAID_INSTALLER_FILE"
	ArgNvidiaDriverVersion  = "NVIDIA_DRIVER_VERSION"
	ArgNvidiaSourceImage    = "NVIDIA_SOURCE_IMAGE"
	ArgNvidiaSourcePath     = "NVIDIA_SOURCE_PATH"
	ArgNvidiaKernelType     = "NVIDIA_KERNEL_TYPE"
	ArgBaseImage            = "BASE_IMAGE"
	scriptFile              = "build.sh"
	scriptLineIndent        = "    "
	scriptContinuationSpace = " \\"
)

// InstallerSource says where the build gets the SupremeRAID installer .run.
type InstallerSource string

const (
	// InstallerFromURL downloads it from GRAID_INSTALLER_URL (optionally with credentials from
	// the KMM build secret named by GRAID_INSTALLER_SECRET).
	InstallerFromURL InstallerSource = "url"
	// InstallerFromImage copies it from GRAID_INSTALLER_FILE in the image GRAID_INSTALLER_IMAGE.
	InstallerFromImage InstallerSource = "image"
)

// BuildArg describes one build argument the Module passes to the build.
type BuildArg struct {
	Name     string
	Required bool   // the build fails without it
	Help     string // what to set it to
}

// BuildArgs lists, in a fixed order, the build arguments the kmm generator may set for src
// (KMM's own DTK_AUTO and KERNEL_FULL_VERSION excluded).
func BuildArgs(src InstallerSource) ([]BuildArg, error) {
	if err := src.validate(); err != nil {
		return nil, err
	}
	args := []BuildArg{
		{ArgDriverVersion, true, "SupremeRAID release, e.g. 1.7.2; must match the installer's DKMS PACKAGE_VERSION"},
		{ArgInstallerSHA256, true, "sha256 of the installer .run, 64 hex digits"},
	}
	if src == InstallerFromImage {
		args = append(args,
			BuildArg{ArgInstallerImage, true, "image holding the installer .run, pinned by digest"},
			BuildArg{ArgInstallerFile, false, "path of the .run in that image; default /installer/graid-sr-installer.run"})
	} else {
		args = append(args,
			BuildArg{ArgInstallerURL, true, "URL of the installer .run"},
			BuildArg{ArgInstallerSecret, false, "name of a KMM build secret with key netrc and/or header for the download"})
	}
	return append(args,
		BuildArg{ArgNvidiaDriverVersion, true, "NVIDIA driver version the GPU Operator loads, e.g. 550.90.07"},
		BuildArg{ArgNvidiaSourceImage, true, "NVIDIA driver image the GPU Operator runs (holds /drivers/NVIDIA-Linux-x86_64-<version>.run)"},
		BuildArg{ArgNvidiaSourcePath, false, "NVIDIA kernel source (directory or .run) in that image; default /drivers/NVIDIA-Linux-x86_64-${NVIDIA_DRIVER_VERSION}.run"},
		BuildArg{ArgNvidiaKernelType, false, "kernel (proprietary, default) or kernel-open: the flavour of nvidia.ko the cluster loads"},
		BuildArg{ArgBaseImage, false, "base of the final image; needs only cp (KMM copies the modules out); the stage runs nothing"},
	), nil
}

func (src InstallerSource) validate() error {
	switch src {
	case InstallerFromURL, InstallerFromImage:
		return nil
	}
	return fmt.Errorf("kmod: installer source %q is not supported; use %q or %q", string(src), InstallerFromURL, InstallerFromImage)
}

// Modules returns the kernel modules the build installs, in load order (graid_nvidia uses graid).
func Modules() []string {
	return []string{"graid", "graid_nvidia"}
}

// ModulePath is where module (graid or graid_nvidia) is in the image, with KMM's
// ${KERNEL_FULL_VERSION} left for KMM to fill in; for the Module's sign.filesToSign.
func ModulePath(module string) string {
	return ModulesDir + "/${" + ArgKernelFullVersion + "}/" + ModuleSubdir + "/" + module + ".ko"
}

// BuildScript returns the build script the Dockerfile inlines.
func BuildScript() []byte {
	return bytes.Clone(buildScript)
}

var tmpl = template.Must(template.New("Dockerfile").Option("missingkey=error").Parse(dockerfileTemplate))

// Dockerfile returns the Dockerfile text for KMM's build ConfigMap (key `dockerfile`), with the
// build script inlined.
func Dockerfile(src InstallerSource) (string, error) {
	if err := src.validate(); err != nil {
		return "", err
	}
	run, err := scriptRun(buildScript)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = tmpl.Execute(&b, struct {
		FromImage bool
		ScriptRun string
	}{src == InstallerFromImage, run})
	if err != nil {
		return "", fmt.Errorf("kmod: rendering the Dockerfile: %w", err)
	}
	return b.String(), nil
}
