package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"supremeraid.dev/supremeraid-fn/fn/krm"
)

// kustomizationFiles are the names kustomize looks for in a directory.
var kustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// argoCDGenerateCommand is the generate command of the Argo CD config management plugin
// (examples/argocd/plugin.yaml). A directory with a kustomization is built by kustomize, which
// runs this binary as its KRM function, exactly as `kustomize build --enable-alpha-plugins
// --enable-exec` would; a directory that holds only a config is rendered here (less the local-config objects), without a
// kustomize process and a function process per refresh.
func argoCDGenerateCommand() Command {
	return Command{
		Name:    "argocd-generate",
		Usage:   "[DIR]",
		Summary: "Argo CD plugin generate: kustomize build DIR, or render DIR's only config directly",
		Help: `Prints the manifests of an Argo CD application directory (default: the current directory).
With a kustomization file it runs kustomize build --enable-alpha-plugins --enable-exec DIR
(kustomize from PATH), passing its output and exit code through. Without one the directory must
hold exactly one YAML file, a SupremeRAID config, which is rendered as by render FILE, less the
local-config objects kustomize drops: the objects kustomize would build from it, in emission
order.`,
		Run: func(env Env, fs *flag.FlagSet, args []string) int {
			dir := "."
			switch len(args) {
			case 0:
			case 1:
				dir = args[0]
			default:
				return usageError(env, "argocd-generate", "takes at most one DIR argument")
			}
			for _, k := range kustomizationFiles {
				if _, err := os.Stat(filepath.Join(dir, k)); err == nil {
					return kustomizeBuild(env, dir)
				}
			}
			file, err := onlyConfig(dir)
			if err != nil {
				fmt.Fprintf(env.Stderr, "supremeraid-fn argocd-generate: %v\n", err)
				return 1
			}
			data, name, code := readConfigArg(env, "argocd-generate", []string{file})
			if code != 0 {
				return code
			}
			return renderData(env, "argocd-generate", data, name, krm.RenderApplied)
		},
	}
}

// onlyConfig returns the one YAML file of dir.
func onlyConfig(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var yamls []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			yamls = append(yamls, n)
		}
	}
	switch len(yamls) {
	case 1:
		return filepath.Join(dir, yamls[0]), nil
	case 0:
		return "", fmt.Errorf("%s has no kustomization and no YAML file: put the SupremeRAID config there, or a kustomization.yaml that lists it under generators", dir)
	default:
		return "", fmt.Errorf("%s has no kustomization and %d YAML files (%s): without a kustomization it must hold only the SupremeRAID config; add a kustomization.yaml listing the config under generators and the other files under resources",
			dir, len(yamls), strings.Join(yamls, ", "))
	}
}

// kustomizeBuild runs kustomize build on dir with the function enabled, output passed through.
func kustomizeBuild(env Env, dir string) int {
	cmd := exec.Command("kustomize", "build", "--enable-alpha-plugins", "--enable-exec", dir)
	cmd.Stdout, cmd.Stderr = env.Stdout, env.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(env.Stderr, "supremeraid-fn argocd-generate: running kustomize: %v\n", err)
		return 1
	}
}
