package kmod

import (
	"os/exec"
	"testing"
)

// TestBuildScriptShellcheck lints build.sh with shellcheck (all checks, bash dialect).
func TestBuildScriptShellcheck(t *testing.T) {
	sc := needTools(t, "shellcheck")["shellcheck"]
	out, err := exec.Command(sc, "--shell=bash", "--severity=style", writeScript(t)).CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck build.sh: %v\n%s", err, out)
	}
}
