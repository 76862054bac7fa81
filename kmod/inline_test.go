package kmod

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// writeViaRun parses dockerfile with BuildKit's parser, finds the RUN that writes build.sh and
// runs its command with shell, as a builder would, in a fresh directory; it returns the file.
func writeViaRun(t *testing.T, dockerfile, shell string) []byte {
	t.Helper()
	b, out, err := runWriteRun(t, dockerfile, shell)
	if err != nil {
		t.Fatalf("%s -c <the RUN>: %v\n%s", shell, err, out)
	}
	return b
}

// runWriteRun is writeViaRun returning the RUN's failure instead of failing the test.
func runWriteRun(t *testing.T, dockerfile, shell string) ([]byte, []byte, error) {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(dockerfile))
	if err != nil {
		t.Fatalf("parsing: %v", err)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("reading instructions: %v", err)
	}
	var cmdline []string
	for _, s := range stages {
		for _, c := range s.Commands {
			if r, ok := c.(*instructions.RunCommand); ok && strings.Contains(strings.Join(r.CmdLine, " "), "> "+scriptFile) {
				if !r.PrependShell || len(r.CmdLine) != 1 {
					t.Fatalf("the RUN writing %s must be one shell-form command, got %q", scriptFile, r.CmdLine)
				}
				cmdline = r.CmdLine
			}
		}
	}
	if cmdline == nil {
		t.Fatalf("no RUN writes %s", scriptFile)
	}
	dir := t.TempDir()
	cmd := exec.Command(shell, "-c", cmdline[0])
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, out, err
	}
	st, err := os.Stat(filepath.Join(dir, scriptFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o755 {
		t.Errorf("%s mode %v, want 0755", scriptFile, st.Mode().Perm())
	}
	b, err := os.ReadFile(filepath.Join(dir, scriptFile))
	if err != nil {
		t.Fatal(err)
	}
	return b, nil, nil
}

// TestInlinedScriptRoundTrips: what the Dockerfile's RUN writes, read by the real Dockerfile
// parser and run by dash and bash (RHEL's /bin/sh), is byte for byte the embedded build.sh.
func TestInlinedScriptRoundTrips(t *testing.T) {
	shells := needTools(t, "sh", "bash", "sha256sum")
	for _, src := range []InstallerSource{InstallerFromURL, InstallerFromImage} {
		text, err := Dockerfile(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range []string{"sh", "bash"} {
			t.Run(string(src)+"/"+sh, func(t *testing.T) {
				if got := writeViaRun(t, text, shells[sh]); !bytes.Equal(got, BuildScript()) {
					t.Errorf("the RUN wrote %d bytes that differ from build.sh (%d bytes)", len(got), len(BuildScript()))
				}
			})
		}
	}
}

// TestInlinedScriptIsChecked: if the inlined text is altered (a hand edit of the ConfigMap, a
// parser that joins lines differently), the RUN fails on the sha256 check instead of building
// with a different script.
func TestInlinedScriptIsChecked(t *testing.T) {
	sh := needTools(t, "sh", "sha256sum")["sh"]
	text, err := Dockerfile(InstallerFromURL)
	if err != nil {
		t.Fatal(err)
	}
	const line = "    'set -euo pipefail' \\\n"
	if !strings.Contains(text, line) {
		t.Fatalf("the Dockerfile has no line %q", line)
	}
	tampered := strings.Replace(text, line, "    'set -eu' \\\n", 1)
	_, out, err := runWriteRun(t, tampered, sh)
	if err == nil {
		t.Fatal("the RUN accepted an altered script")
	}
	if !strings.Contains(string(out), "build.sh: FAILED") {
		t.Errorf("the RUN failed without sha256sum's verdict: %s", out)
	}
}

// TestScriptRunQuoting: lines that trip up naive inlining (quotes, trailing backslashes, lines
// that look like Dockerfile comments, empty lines, tabs, $, backticks, non-ASCII) survive.
func TestScriptRunQuoting(t *testing.T) {
	shells := needTools(t, "sh", "bash", "sha256sum")
	script := []byte("#!/bin/sh\n" +
		"# a comment line\n" +
		"\n" +
		"\techo 'single' \"double\" it's\n" +
		"echo continued \\\n" +
		"  line\n" +
		"   # indented comment\n" +
		"x=$HOME y=${PATH} z=`date` w=$(id -u)\n" +
		"printf '%s\\n' \"\\\\\" 'a\\b'\n" +
		"trailing spaces   \n" +
		"ünïcödé ✓\n" +
		"'\n" +
		"\\\n")
	run, err := scriptRun(script)
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := "FROM scratch\n" + run + "\n"
	for _, sh := range []string{"sh", "bash"} {
		if got := writeViaRun(t, dockerfile, shells[sh]); !bytes.Equal(got, script) {
			t.Errorf("%s: wrote\n%q\nwant\n%q", sh, got, script)
		}
	}
}

// TestScriptRunRejects: inputs the inlining cannot carry faithfully are errors.
func TestScriptRunRejects(t *testing.T) {
	for _, tc := range []struct {
		name, reason, script, want string
	}{
		{"empty", "nothing to inline", "", "kmod: build script is empty"},
		{"no-final-newline", "printf '%s\\n' always ends with a newline", "echo hi", "kmod: build script must end with a newline"},
		{"carriage-return", "a CR would change the script", "echo hi\r\n", "kmod: build script must not contain carriage returns or NUL bytes"},
		{"nul", "shell arguments cannot hold NUL", "echo \x00\n", "kmod: build script must not contain carriage returns or NUL bytes"},
		{"heredoc", "Dockerfile parsers read << as a heredoc", "cat <<EOF\nx\nEOF\n", `kmod: build script must not contain "<<" (heredoc syntax)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scriptRun([]byte(tc.script))
			if err == nil || err.Error() != tc.want {
				t.Errorf("%s: got error %v, want %q", tc.reason, err, tc.want)
			}
		})
	}
}
