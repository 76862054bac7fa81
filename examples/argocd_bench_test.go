package examples_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkArgoCDGenerate is the plugin's generate command on the README example, as the
// repo-server runs it per refresh: in a directory with a kustomization (kustomize build, which
// starts supremeraid-fn as its KRM function) and in a directory holding only the config (one
// supremeraid-fn process). cpu-ms/op is the CPU time of the command and every process it
// waited for. Needs bin/supremeraid-fn and bin/kustomize (make build, make tools).
func BenchmarkArgoCDGenerate(b *testing.B) {
	bin, err := filepath.Abs(filepath.Join("..", "bin"))
	if err != nil {
		b.Fatal(err)
	}
	for _, tool := range []string{"supremeraid-fn", "kustomize"} {
		if _, err := os.Stat(filepath.Join(bin, tool)); err != nil {
			b.Skipf("needs %s: %v", filepath.Join(bin, tool), err)
		}
	}
	direct := b.TempDir()
	cfg, err := os.ReadFile(filepath.Join("kustomize", "supremeraid.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(direct, "supremeraid.yaml"), cfg, 0o644); err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, tc := range []struct{ name, dir string }{
		{"kustomization", "kustomize"}, // examples/kustomize: its exec path is ../../bin/supremeraid-fn
		{"config-only", direct},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var cpu time.Duration
			n := 0
			for b.Loop() {
				cmd := exec.Command(filepath.Join(bin, "supremeraid-fn"), "argocd-generate")
				cmd.Dir, cmd.Env = tc.dir, env
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Run(); err != nil {
					b.Fatalf("argocd-generate in %s: %v\n%s", tc.dir, err, stderr.Bytes())
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				n++
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "cpu-ms/op")
		})
	}
}
