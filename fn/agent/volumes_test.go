package agent

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSameDevice(t *testing.T) {
	dir := t.TempDir()
	a := sparseFile(t, dir, "a", 1)
	b := sparseFile(t, dir, "b", 1)
	link := filepath.Join(dir, "gdg0n1")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		source string
		dev    string
		want   bool
	}{
		"same path":     {reason: "identical paths match", source: a, dev: a, want: true},
		"symlink":       {reason: "mountinfo shows the resolved device (/dev/loopN) for a /dev/gdg link", source: a, dev: link, want: true},
		"other":         {reason: "another device is not ours", source: b, dev: link, want: false},
		"not a path":    {reason: "a pseudo source (tmpfs) never matches", source: "tmpfs", dev: a, want: false},
		"missing paths": {reason: "unresolvable paths only match if identical", source: dir + "/x", dev: dir + "/y", want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := sameDevice(tc.source, tc.dev); got != tc.want {
				t.Errorf("%s: sameDevice(%q, %q) = %v", tc.reason, tc.source, tc.dev, got)
			}
		})
	}
}
