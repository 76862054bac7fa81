// Package binaries finds the external programs the e2e tests run (a real
// kube-apiserver and etcd, the supremeraid-fn binary, kustomize, OPA) and applies
// the team's rule for missing tools: skip with a stated reason, unless
// SUPREMERAID_REQUIRE_TOOLS=1, in which case fail, so `make test` and
// `make e2e` can never pass by skipping.
package binaries

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireEnv turns a missing tool from a skip into a failure.
const RequireEnv = "SUPREMERAID_REQUIRE_TOOLS"

// productModule is the go.mod module line that marks the repository root.
const productModule = "module supremeraid.dev/supremeraid-fn\n"

// Tool names a program, the environment variable that may point at it and
// the make target that installs it into <repo>/bin.
type Tool struct {
	Name    string
	EnvVar  string
	Install string
}

// The tools the e2e tests use. The Makefile exports each EnvVar.
var (
	KubeAPIServer = Tool{Name: "kube-apiserver", EnvVar: "KUBE_APISERVER", Install: "make tools-e2e"}
	Etcd          = Tool{Name: "etcd", EnvVar: "ETCD", Install: "make tools-e2e"}
	SupremeRAIDFn = Tool{Name: "supremeraid-fn", EnvVar: "SUPREMERAID_FN", Install: "make build"}
	Kustomize     = Tool{Name: "kustomize", EnvVar: "KUSTOMIZE", Install: "make tools"}
	// OPA is the admission webhook backend (`opa run --server`).
	OPA = Tool{Name: "opa", EnvVar: "OPA", Install: "make tools-e2e"}
	// Helm renders the real opa-kube-mgmt chart (`helm template`).
	Helm = Tool{Name: "helm", EnvVar: "HELM", Install: "make tools"}
)

// Find returns the path of tool: $EnvVar if set, else <repo>/bin/<name>, else
// the first <name> on PATH. An EnvVar that is set but names no executable is
// an error, not a fall-through, so a typo in the Makefile cannot make a test
// silently pick up some other binary.
func (tool Tool) Find() (string, error) {
	if p := os.Getenv(tool.EnvVar); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", tool.EnvVar, p, err)
		}
		return p, nil
	}
	if root, err := RepoRoot(); err == nil {
		p := filepath.Join(root, "bin", tool.Name)
		if executable(p) == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(tool.Name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found: %s is unset, no <repo>/bin/%s, none on PATH; install it with `%s`",
		tool.Name, tool.EnvVar, tool.Name, tool.Install)
}

// Require returns the paths of tools in order. If any is missing it skips
// the test with the reason, or fails it when RequireEnv is "1".
func Require(t testing.TB, tools ...Tool) []string {
	t.Helper()
	paths, missing := findAll(tools)
	if missing != nil {
		if required() {
			t.Fatalf("%v (%s=1, so a missing tool fails the test instead of skipping it)", missing, RequireEnv)
			return nil
		}
		t.Skipf("skipping: %v (set %s=1 to make this a failure)", missing, RequireEnv)
		return nil
	}
	return paths
}

func findAll(tools []Tool) ([]string, error) {
	paths := make([]string, 0, len(tools))
	var errs []error
	for _, tool := range tools {
		p, err := tool.Find()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, p)
	}
	return paths, errors.Join(errs...)
}

func required() bool { return os.Getenv(RequireEnv) == "1" }

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

// RepoRoot returns the directory of the product module (the parent of this
// e2e module), found by walking up from the working directory; go test runs
// each package in its own directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding repository root: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(skipComments(data), []byte(productModule)) {
			return dir, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("finding repository root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding repository root: no go.mod declaring " +
				"supremeraid.dev/supremeraid-fn above the working directory")
		}
		dir = parent
	}
}

// skipComments drops leading comment and blank lines of a go.mod.
func skipComments(data []byte) []byte {
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) != 0 && !bytes.HasPrefix(trimmed, []byte("//")) {
			return data
		}
		data = rest
	}
	return data
}
