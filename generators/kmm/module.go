package kmm

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/kmod"
)

const (
	// KernelRegexp matches the x86_64 kernels of RHCOS 9: OpenShift 4.14 and 4.15 run
	// 5.14.0-284.*.el9_2, 4.16 to 4.18 5.14.0-427.*.el9_4, 4.19 5.14.0-570.*.el9_6. Real-time
	// kernels are refused on purpose (5.14.0-284.40.1.rt14.325.el9_2.x86_64 up to 4.15,
	// 5.14.0-427.18.1.el9_4.x86_64+rt from 4.16, openshift/driver-toolkit#154): NVIDIA's kernel
	// modules refuse to build for a PREEMPT_RT kernel unless IGNORE_PREEMPT_RT_PRESENCE=1, which
	// NVIDIA does not support, so graid_nvidia has no nvidia.ko to bind to there. The release
	// part is digits and dots only, which leaves both RT forms out; build.sh refuses a
	// PREEMPT_RT kernel too, should a Module be edited to select one.
	KernelRegexp = `^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+(\.[0-9]+)*\.el9(_[0-9]+)?\.x86_64$`
	// ModprobeDirName is modprobe's -d root in the kmod image: the modules are under
	// <dirName>/lib/modules/<kernel>/ and depmod ran with -b <dirName>.
	ModprobeDirName = "/opt"
	// BuildArchLabel and BuildArch place the build on any amd64 node rather than on the
	// SupremeRAID nodes: OpenShift Builds take no tolerations, so tainted storage nodes could
	// never run one, and the build needs no GPU (the Driver Toolkit image brings the headers of
	// the target kernel).
	BuildArchLabel = "kubernetes.io/arch"
	BuildArch      = "amd64"
)

// LoadOrder is the Module's modprobe.modulesLoadingOrder: the module KMM loads by name
// (graid_nvidia) first, then what it needs loaded before it (graid). KMM writes
// `softdep graid_nvidia pre: graid`, so modprobe loads graid then graid_nvidia and
// `modprobe -r` removes graid_nvidia then graid. nvidia.ko itself is not listed: the GPU
// Operator owns it, and the selector's driver-version gate makes sure it is loaded.
func LoadOrder() []string {
	order := kmod.Modules() // load order: graid, graid_nvidia
	slices.Reverse(order)
	return order
}

func module(cfg *config.SupremeRAID) (*Module, error) {
	args, err := buildArgs(cfg)
	if err != nil {
		return nil, err
	}
	order := LoadOrder()
	mapping := KernelMapping{
		Regexp:         KernelRegexp,
		ContainerImage: ContainerImage(cfg),
		Build: &Build{
			BuildArgs:           args,
			Secrets:             buildSecrets(cfg),
			DockerfileConfigMap: &corev1.LocalObjectReference{Name: DockerfileConfigMapName(cfg)},
			Selector:            map[string]string{BuildArchLabel: BuildArch},
		},
		Sign: sign(cfg),
	}
	mod := &Module{
		TypeMeta:   metav1.TypeMeta{APIVersion: APIVersion, Kind: Kind},
		ObjectMeta: meta.Object(cfg, meta.ModuleName(cfg), cfg.Spec.Namespace, Component, meta.WaveOperands),
		Spec: ModuleSpec{
			ModuleLoader: &ModuleLoaderSpec{
				ServiceAccountName: meta.KMMServiceAccount(cfg),
				Container: ModuleLoaderContainerSpec{
					Modprobe: ModprobeSpec{
						ModuleName:          order[0],
						DirName:             ModprobeDirName,
						ModulesLoadingOrder: order,
						// The build record rides along: on the node exactly while these
						// modules are loaded, for the node pod's srcversion check.
						FirmwarePath: kmod.FirmwareDir,
					},
					KernelMappings: []KernelMapping{mapping},
				},
			},
			Selector:    meta.ModuleSelector(cfg),
			Tolerations: cfg.Spec.Tolerations,
		},
	}
	if s := cfg.Spec.Driver.ImageRepoSecret; s != "" {
		mod.Spec.ImageRepoSecret = &corev1.LocalObjectReference{Name: s}
	}
	if err := checkSignPaths(mapping.Sign); err != nil {
		return nil, err
	}
	return mod, nil
}

// buildSecrets mounts the installer download credentials at /run/secrets/<name> in the build,
// where build.sh looks for keys netrc and header.
func buildSecrets(cfg *config.SupremeRAID) []corev1.LocalObjectReference {
	if s := cfg.Spec.Driver.Installer.CredentialsSecret; s != "" {
		return []corev1.LocalObjectReference{{Name: s}}
	}
	return nil
}

// sign has KMM sign both modules after the build (the Secrets hold keys `key` and `cert`).
func sign(cfg *config.SupremeRAID) *Sign {
	s := cfg.Spec.Driver.Sign
	if s == nil {
		return nil
	}
	var files []string
	for _, m := range kmod.Modules() {
		files = append(files, kmod.ModulePath(m))
	}
	return &Sign{
		KeySecret:   &corev1.LocalObjectReference{Name: s.KeySecret},
		CertSecret:  &corev1.LocalObjectReference{Name: s.CertSecret},
		FilesToSign: files,
	}
}

// checkSignPaths repeats KMM's webhook rule that every file to sign lies under modprobe's
// dirName, which holds as long as package kmod keeps its modules under /opt.
func checkSignPaths(s *Sign) error {
	if s == nil {
		return nil
	}
	for _, f := range s.FilesToSign {
		if !strings.HasPrefix(f, ModprobeDirName+"/") {
			return fmt.Errorf("kmod module path %s is not under modprobe's dirName %s", f, ModprobeDirName)
		}
	}
	return nil
}
