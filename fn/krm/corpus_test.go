package krm_test

// The bad-input corpus through the command line (cli.Main, what the binary runs): every case
// must exit 1, name exactly the expected field paths, keep every message short however large
// the input, and emit no generated object. testdata/error holds configs (also checked through
// Load and Process by TestGoldenErrors); testdata/error-resourcelist holds whole ResourceLists
// for the problems only function mode can have (non-KRM items, a foreign functionConfig, ...).

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"

	"supremeraid.dev/supremeraid-fn/fn/cli"
	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// noField marks, in errors.txt, a result about the whole input rather than one field.
const noField = "(none)"

func runCLI(stdin []byte, args ...string) (code int, stdout, stderr []byte) {
	var out, errb bytes.Buffer
	code = cli.Main(args, cli.Env{Stdin: bytes.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.Bytes(), errb.Bytes()
}

// TestCorpusCLI runs every testdata/error config through `render`, `validate` and function
// mode (the config as functionConfig next to an unrelated item).
func TestCorpusCLI(t *testing.T) {
	dirs := caseDirs(t, "error")
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			file := filepath.Join(dir, "config.yaml")
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := readErrorsTxt(t, filepath.Join(dir, "errors.txt"))

			for _, cmd := range []string{"render", "validate"} {
				code, stdout, stderr := runCLI(nil, cmd, file)
				if code != 1 {
					t.Errorf("%s: exit code %d, want 1\nstderr: %.2000s", cmd, code, stderr)
				}
				if len(stdout) != 0 {
					t.Errorf("%s: wrote %d bytes to stdout on error; want none:\n%.500s", cmd, len(stdout), stdout)
				}
				checkStderr(t, cmd, stderr, file+": ", want, true)
			}

			input := wrapRL(string(data), unrelated)
			code, stdout, stderr := runCLI(input)
			if code != 1 {
				t.Errorf("function mode: exit code %d, want 1\nstderr: %.2000s", code, stderr)
			}
			rl := parseOutput(t, stdout)
			checkNothingGenerated(t, input, rl)
			if _, err := fn.ParseResourceList(input); err != nil {
				// The config is not YAML, so neither is the ResourceList around it: kustomize
				// and kpt would have stopped before us. One result says the input is unreadable.
				if len(rl.Results) != 1 || rl.Results[0].Severity != fn.Error {
					t.Errorf("function mode: unreadable input gave results %v; want one error", rl.Results)
				}
				return
			}
			compareResults(t, rl.Results, want)
			checkStderr(t, "function mode", stderr, "supremeraid-fn: ", want, false)
		})
	}
}

// TestCorpusResourceList runs every testdata/error-resourcelist/<case>/resourcelist.yaml
// through function mode.
func TestCorpusResourceList(t *testing.T) {
	dirs := caseDirs(t, "error-resourcelist")
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			input, err := os.ReadFile(filepath.Join(dir, "resourcelist.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			want := readErrorsTxt(t, filepath.Join(dir, "errors.txt"))
			code, stdout, stderr := runCLI(input)
			if code != 1 {
				t.Errorf("exit code %d, want 1\nstderr: %.2000s", code, stderr)
			}
			rl := parseOutput(t, stdout)
			checkNothingGenerated(t, input, rl)
			compareResults(t, rl.Results, want)
			checkStderr(t, "function mode", stderr, "supremeraid-fn: ", want, false)
		})
	}
}

// parseOutput requires the function's stdout to be a ResourceList even on failure: kpt reads
// the results from it.
func parseOutput(t *testing.T, stdout []byte) *fn.ResourceList {
	t.Helper()
	rl, err := fn.ParseResourceList(stdout)
	if err != nil {
		t.Fatalf("stdout is not a ResourceList (%v):\n%.1000s", err, stdout)
	}
	if len(rl.Results) == 0 {
		t.Fatalf("failure without results:\n%.1000s", stdout)
	}
	return rl
}

// checkNothingGenerated: every output item was an input item (same identity and content), so
// nothing was generated, and no input item was dropped.
func checkNothingGenerated(t *testing.T, input []byte, out *fn.ResourceList) {
	t.Helper()
	inItems := map[string]int{}
	if in, err := fn.ParseResourceList(input); err == nil {
		for _, o := range in.Items {
			inItems[strings.TrimSpace(o.String())]++
		}
	}
	for _, o := range out.Items {
		key := strings.TrimSpace(o.String())
		if inItems[key] == 0 {
			what := "an item that was not in the input"
			if o.GetLabel(meta.LabelManagedBy) == meta.ManagedBy {
				what = "a generated item"
			}
			t.Errorf("failed run emitted %s:\n%.500s", what, key)
			continue
		}
		inItems[key]--
	}
	for k, n := range inItems {
		if n > 0 {
			t.Errorf("failed run dropped an input item:\n%.500s", k)
		}
	}
}

func compareResults(t *testing.T, results fn.Results, want []pathMsg) {
	t.Helper()
	var got []pathMsg
	for _, r := range results {
		if r.Severity != fn.Error {
			t.Errorf("result %q has severity %q; want error", r.Message, r.Severity)
		}
		if len(r.Message) > krm.MaxMessage {
			t.Errorf("result message of %d bytes (over %d): %.300s...", len(r.Message), krm.MaxMessage, r.Message)
		}
		path := noField
		if r.Field != nil && r.Field.Path != "" {
			path = r.Field.Path
		}
		got = append(got, pathMsg{path, r.Message})
	}
	comparePaths(t, "function results", want, got)
}

// checkStderr: one line per expected problem, in order, carrying its path (render/validate
// also a summary line), and no line longer than a bounded message.
func checkStderr(t *testing.T, what string, stderr []byte, prefix string, want []pathMsg, summary bool) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(stderr), "\n"), "\n")
	for _, l := range lines {
		if len(l) > krm.MaxMessage+len(prefix)+300 {
			t.Errorf("%s: stderr line of %d bytes: %.300s...", what, len(l), l)
		}
	}
	wantLines := len(want)
	if summary {
		wantLines++
		if last := lines[len(lines)-1]; !strings.HasSuffix(last, fmt.Sprintf("%d problem(s); nothing generated", len(want))) {
			t.Errorf("%s: last stderr line %q is not the summary", what, last)
		}
	}
	if len(lines) != wantLines {
		t.Fatalf("%s: %d stderr lines, want %d:\n%.3000s", what, len(lines), wantLines, stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("%s: stderr line %d = %.300q; want it to start with %q", what, i+1, lines[i], prefix)
		}
		// "PREFIX[FILE: ]PATH: message"
		msg := strings.TrimPrefix(lines[i], prefix)
		if w.path != noField {
			_, after, found := strings.Cut(lines[i], " "+w.path+": ")
			if !found {
				t.Errorf("%s: stderr line %d = %.300q lacks the field path %q", what, i+1, lines[i], w.path)
				continue
			}
			msg = after
		}
		if !regexp.MustCompile("(?s)" + w.msg).MatchString(msg) {
			t.Errorf("%s: stderr line %d = %.300q: message does not match %q", what, i+1, lines[i], w.msg)
		}
	}
}
