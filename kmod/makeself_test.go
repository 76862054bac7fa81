package kmod

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tarOf returns an uncompressed tar holding one file, named as makeself names members (./x).
func tarOf(t *testing.T, name, content string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	if err := w.WriteHeader(&tar.Header{Name: "./" + name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// compress compresses data with Go's gzip or with an external program (xz, bzip2, zstd).
func compress(t *testing.T, format string, data []byte) []byte {
	t.Helper()
	switch format {
	case "tar":
		return data
	case "gzip":
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(data)
		w.Close()
		return b.Bytes()
	}
	path := needTools(t, format)[format]
	cmd := exec.Command(path, "-c")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s -c: %v", format, err)
	}
	return out
}

// selfExtractor writes header lines, then the payloads, as makeself lays out a .run. style
// "skip" records the header length as makeself >= 2.4 does; "offset" computes it inline as
// makeself 2.1 (and NVIDIA's .run) do. sizes overrides the recorded payload sizes.
func selfExtractor(t *testing.T, style string, sizes string, extra []string, payloads ...[]byte) string {
	t.Helper()
	if sizes == "" {
		var s []string
		for _, p := range payloads {
			s = append(s, fmt.Sprint(len(p)))
		}
		sizes = strings.Join(s, " ")
	}
	lines := []string{
		"#!/bin/sh",
		`touch "${FIXTURE_MARKER_DIR:?}/header-ran"`,
		`filesizes="` + sizes + `"`,
	}
	lines = append(lines, extra...)
	// The header length counts the line that records it, and the final exit.
	n := len(lines) + 2
	switch style {
	case "skip":
		lines = append(lines, fmt.Sprintf(`skip="%d"`, n))
	case "offset":
		lines = append(lines, fmt.Sprintf("offset=`head -n %d \"$0\" | wc -c | tr -d \" \"`", n))
	case "offset-indented":
		lines = append(lines, fmt.Sprintf("    offset=`head -n %d \"$1\" | wc -c | tr -d \" \"`", n))
	default:
		lines = append(lines, "# no layout line")
	}
	lines = append(lines, "exit 0")
	var b bytes.Buffer
	b.WriteString(strings.Join(lines, "\n") + "\n")
	for _, p := range payloads {
		b.Write(p)
	}
	p := filepath.Join(t.TempDir(), "x.run")
	if err := os.WriteFile(p, b.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExtractMakeself unpacks makeself layouts of several generations and payload formats with
// build.sh's extract_makeself, never executing the archive.
func TestExtractMakeself(t *testing.T) {
	script := writeScript(t)
	for _, tc := range []struct {
		name, reason, style, sizes string
		extra                      []string
		formats                    []string // one payload per entry
		wantFiles                  map[string]string
		wantErr                    string // regexp; empty means success
	}{
		{name: "skip-gzip", reason: "makeself 2.4 with gzip (SupremeRAID's installer)", style: "skip",
			formats: []string{"gzip"}, wantFiles: map[string]string{"p0.txt": "payload 0"}},
		{name: "offset-xz", reason: "makeself 2.1 layout with xz (NVIDIA's .run)", style: "offset",
			formats: []string{"xz"}, wantFiles: map[string]string{"p0.txt": "payload 0"}},
		{name: "offset-indented-bzip2", reason: "the inline offset line may be indented and use $1", style: "offset-indented",
			formats: []string{"bzip2"}, wantFiles: map[string]string{"p0.txt": "payload 0"}},
		{name: "skip-zstd", reason: "makeself --zstd", style: "skip",
			formats: []string{"zstd"}, wantFiles: map[string]string{"p0.txt": "payload 0"}},
		{name: "skip-plain-tar", reason: "makeself --nocomp", style: "skip",
			formats: []string{"tar"}, wantFiles: map[string]string{"p0.txt": "payload 0"}},
		{name: "two-payloads", reason: "makeself --append concatenates payloads; filesizes lists each", style: "skip",
			formats: []string{"gzip", "xz"}, wantFiles: map[string]string{"p0.txt": "payload 0", "p1.txt": "payload 1"}},
		{name: "not-makeself", reason: "no layout line at all", style: "none",
			formats: []string{"gzip"}, wantErr: `is not a makeself archive: no skip= or offset=` + "`head -n N`" + ` line in its header`},
		{name: "no-filesizes", reason: "the payload sizes are needed", style: "skip", sizes: " ",
			formats: []string{"gzip"}, wantErr: `is not a makeself archive: no filesizes= line in its header`},
		{name: "encrypted", reason: "makeself --ssl-encrypt payloads cannot be read", style: "skip",
			extra: []string{`decrypt_cmd="openssl enc -aes-256-cbc -d"`}, formats: []string{"gzip"},
			wantErr: `is an encrypted makeself archive; that is not supported`},
		{name: "truncated", reason: "a short file is caught before unpacking", style: "skip", sizes: "999999",
			formats: []string{"gzip"}, wantErr: `is truncated: its header announces \d+ bytes, the file has \d+`},
		{name: "unknown-format", reason: "payloads of unknown format are refused by magic bytes", style: "skip",
			formats: []string{"junk"}, wantErr: `unknown payload format at byte \d+ \(magic 6a756e6b2121\)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var payloads [][]byte
			for i, f := range tc.formats {
				if f == "junk" {
					payloads = append(payloads, []byte("junk!!junk!!"))
					continue
				}
				payloads = append(payloads, compress(t, f, tarOf(t, fmt.Sprintf("p%d.txt", i), fmt.Sprintf("payload %d", i))))
			}
			run := selfExtractor(t, tc.style, tc.sizes, tc.extra, payloads...)
			markers, dest := markerDir(t), filepath.Join(t.TempDir(), "out")
			_, stderr, ok := callSnippet(t, script, scriptEnv(t, markerEnv+"="+markers), `extract_makeself "$1" "$2"`, run, dest)
			assertNotExecuted(t, markers)
			if tc.wantErr != "" {
				if ok {
					t.Fatalf("%s: extraction succeeded, want error %q", tc.reason, tc.wantErr)
				}
				if !regexp.MustCompile(`graid-kmod-build: error: .*` + tc.wantErr).MatchString(stderr) {
					t.Errorf("%s: stderr does not match %q:\n%s", tc.reason, tc.wantErr, stderr)
				}
				return
			}
			if !ok {
				t.Fatalf("%s: extraction failed:\n%s", tc.reason, stderr)
			}
			entries, _ := os.ReadDir(dest)
			if len(entries) != len(tc.wantFiles) {
				t.Errorf("%s: extracted %d entries, want %d", tc.reason, len(entries), len(tc.wantFiles))
			}
			for name, want := range tc.wantFiles {
				got, err := os.ReadFile(filepath.Join(dest, name))
				if err != nil || string(got) != want {
					t.Errorf("%s: %s = %q (%v), want %q", tc.reason, name, got, err, want)
				}
			}
		})
	}
}
