package kmm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/kmod"
)

// nvidiaKernelType maps the ClusterPolicy's module flavour to the NVIDIA source directory the
// build compiles against (kmod's NVIDIA_KERNEL_TYPE).
var nvidiaKernelType = map[config.NVIDIAKernelModuleType]string{
	config.NVIDIAProprietary: "kernel",
	config.NVIDIAOpen:        "kernel-open",
}

// installerSource says which variant of the recipe the config needs.
func installerSource(cfg *config.SupremeRAID) kmod.InstallerSource {
	if cfg.Spec.Driver.Installer.Image != "" {
		return kmod.InstallerFromImage
	}
	return kmod.InstallerFromURL
}

// buildArgs returns the Module's build arguments in the order kmod.BuildArgs lists them, leaving
// out optional ones the config does not set (the Dockerfile's defaults apply). Every value the
// config holds must be an argument the recipe declares, so nothing is silently ignored.
func buildArgs(cfg *config.SupremeRAID) ([]BuildArg, error) {
	src := installerSource(cfg)
	declared, err := kmod.BuildArgs(src)
	if err != nil {
		return nil, err
	}
	d, in, nv := &cfg.Spec.Driver, &cfg.Spec.Driver.Installer, &cfg.Spec.NVIDIA
	kernelType, ok := nvidiaKernelType[nv.KernelModuleType]
	if !ok {
		return nil, fmt.Errorf("spec.nvidia.kernelModuleType %q is not supported", nv.KernelModuleType)
	}
	values := map[string]string{
		kmod.ArgDriverVersion:       d.Version,
		kmod.ArgInstallerSHA256:     in.SHA256,
		kmod.ArgInstallerURL:        in.URL,
		kmod.ArgInstallerSecret:     in.CredentialsSecret,
		kmod.ArgInstallerImage:      in.Image,
		kmod.ArgInstallerFile:       in.Path,
		kmod.ArgNvidiaDriverVersion: nv.DriverVersion,
		kmod.ArgNvidiaSourceImage:   nv.DriverImage,
		kmod.ArgNvidiaKernelType:    kernelType,
	}
	var args []BuildArg
	for _, a := range declared {
		v := values[a.Name]
		delete(values, a.Name)
		if v == "" {
			if a.Required {
				return nil, fmt.Errorf("the %s recipe needs build argument %s (%s), but the config leaves it empty", src, a.Name, a.Help)
			}
			continue
		}
		args = append(args, BuildArg{Name: a.Name, Value: v})
	}
	for _, name := range sortedKeys(values) {
		if values[name] != "" {
			return nil, fmt.Errorf("the config sets %s, which the %s recipe does not take", name, src)
		}
	}
	return args, nil
}

// ContainerImage is the kmod image KMM builds, pushes and loads, with KMM's ${KERNEL_FULL_VERSION}
// left for KMM to fill in. KMM reuses an image that already exists, so the tag names everything
// that changes the built modules: the SupremeRAID and NVIDIA versions, and a hash of the
// installer's sha256 and the NVIDIA module flavour. The recipe (the Dockerfile) is not part of
// it: a new release of this function alone never makes KMM replace loaded modules.
func ContainerImage(cfg *config.SupremeRAID) string {
	return fmt.Sprintf("%s:%s-%s-%s-${%s}", cfg.Spec.Driver.KmodImage, cfg.Spec.Driver.Version,
		cfg.Spec.NVIDIA.DriverVersion, inputsHash(cfg), kmod.ArgKernelFullVersion)
}

// inputsHash identifies the sources beyond the two version numbers.
func inputsHash(cfg *config.SupremeRAID) string {
	h := sha256.New()
	fmt.Fprintf(h, "installer-sha256=%s\nnvidia-kernel-module-type=%s\n",
		cfg.Spec.Driver.Installer.SHA256, cfg.Spec.NVIDIA.KernelModuleType)
	return hex.EncodeToString(h.Sum(nil))[:KmodTagHashLength]
}
