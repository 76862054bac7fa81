package cli

// Docs that cannot lie: every console transcript in README.md and docs/*.md is the output of
// running its commands on checked-in files. A transcript is marked with the directory it runs in:
//
//	<!-- transcript: fn/cli/testdata/transcripts -->
//	```console
//	$ supremeraid-fn validate broken.yaml
//	(output)
//	```
//
// TestTranscripts runs each `$ supremeraid-fn ...` line through Main (what the binary runs) in
// that directory and fails when the output differs; `make transcripts` (UPDATE_GOLDEN=1)
// rewrites the blocks. A console block without the marker fails too, so no transcript is
// written by hand.

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

var transcriptMarker = regexp.MustCompile(`^<!-- transcript: (\S+) -->$`)

// transcriptFiles are the documents whose transcripts are checked, relative to the repository.
func transcriptFiles(t *testing.T, root string) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	return append([]string{filepath.Join(root, "README.md")}, docs...)
}

// renderTranscripts returns doc with every marked console block rewritten from the commands'
// output, and the number of blocks; an unmarked console block is an error.
func renderTranscripts(t *testing.T, root, name, doc string) (string, int) {
	t.Helper()
	lines := strings.SplitAfter(doc, "\n")
	var out strings.Builder
	blocks := 0
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\n")
		if line == "```console" {
			t.Errorf("%s:%d: console block without a <!-- transcript: DIR --> marker line before it", name, i+1)
		}
		m := transcriptMarker.FindStringSubmatch(line)
		out.WriteString(lines[i])
		if m == nil {
			continue
		}
		require.Less(t, i+1, len(lines), "%s:%d: marker at the end of the file", name, i+1)
		require.Equal(t, "```console", strings.TrimRight(lines[i+1], "\n"), "%s:%d: the marker must be followed by a ```console fence", name, i+2)
		out.WriteString(lines[i+1])
		end := i + 2
		for end < len(lines) && strings.TrimRight(lines[end], "\n") != "```" {
			end++
		}
		require.Less(t, end, len(lines), "%s:%d: unclosed console block", name, i+2)
		for _, l := range lines[i+2 : end] {
			cmdline, ok := strings.CutPrefix(strings.TrimRight(l, "\n"), "$ ")
			if !ok {
				continue // output: regenerated below
			}
			out.WriteString(l)
			out.WriteString(runTranscriptCommand(t, filepath.Join(root, m[1]), name, cmdline))
		}
		out.WriteString(lines[end])
		blocks++
		i = end
	}
	return out.String(), blocks
}

// runTranscriptCommand runs one `supremeraid-fn ARGS` line in dir: stdout, then stderr.
func runTranscriptCommand(t *testing.T, dir, name, cmdline string) string {
	t.Helper()
	args := strings.Fields(cmdline)
	require.NotEmpty(t, args)
	require.Equal(t, "supremeraid-fn", args[0], "%s: a transcript runs supremeraid-fn only: %q", name, cmdline)
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	Main(args[1:], Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	return stdout.String() + stderr.String()
}

func TestTranscripts(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	total := 0
	for _, file := range transcriptFiles(t, root) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		name, _ := filepath.Rel(root, file)
		got, n := renderTranscripts(t, root, name, string(data))
		total += n
		if os.Getenv("UPDATE_GOLDEN") == "1" && got != string(data) {
			require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
			continue
		}
		if diff := cmp.Diff(string(data), got); diff != "" {
			t.Errorf("%s: a transcript is not what the command prints (-doc +actual; `make transcripts` rewrites it):\n%s", name, diff)
		}
	}
	require.Positive(t, total, "no transcripts found")
}

// TestTranscriptsDetectDrift: the check fails on a transcript edited by hand.
func TestTranscriptsDetectDrift(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	doc := "<!-- transcript: fn/cli/testdata/transcripts -->\n```console\n$ supremeraid-fn validate broken.yaml\nbroken.yaml: 1 problem(s); nothing generated\n```\n"
	got, n := renderTranscripts(t, root, "drift.md", doc)
	require.Equal(t, 1, n)
	require.NotEqual(t, doc, got)
	require.Contains(t, got, "broken.yaml: 3 problem(s); nothing generated\n")
}
