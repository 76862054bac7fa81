package render

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mkfile(t *testing.T, root, rel string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x: y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDiscover(t *testing.T) {
	cases := map[string]struct {
		reason  string
		files   []string
		dirs    []string
		want    []Case
		wantErr string
	}{
		"examples and overlays": {
			reason: "every supremeraid.yaml at any depth under examples/ and every overlay dir but base, in a stable order",
			files: []string{
				"overlays/base/kustomization.yaml",
				"overlays/base/supremeraid.yaml",
				"overlays/lab/kustomization.yaml",
				"overlays/prod/Kustomization",
				"overlays/README.md",
				"examples/kustomize/supremeraid.yaml",
				"examples/kustomize/kustomization.yaml",
				"examples/kpt/pkg/supremeraid.yaml",
				"examples/argocd/plugin.yaml",
			},
			want: []Case{
				{Kind: Example, Path: "examples/kpt/pkg/supremeraid.yaml"},
				{Kind: Example, Path: "examples/kustomize/supremeraid.yaml"},
				{Kind: Overlay, Path: "overlays/lab"},
				{Kind: Overlay, Path: "overlays/prod"},
			},
		},
		"nothing yet": {
			reason: "a tree without examples/ or overlays/ has no cases; the caller decides whether that is an error",
		},
		"overlay without kustomization": {
			reason:  "a directory under overlays/ that cannot build must be reported, never skipped",
			files:   []string{"overlays/good/kustomization.yml"},
			dirs:    []string{"overlays/broken"},
			wantErr: "overlays/broken: no kustomization.yaml",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range tc.files {
				mkfile(t, root, f)
			}
			for _, d := range tc.dirs {
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Discover(root)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s:\n got %v\nwant %v", tc.reason, got, tc.want)
			}
		})
	}
}

func TestCommand(t *testing.T) {
	tools := Tools{Fn: "/bin/supremeraid-fn", Kustomize: "/bin/kustomize"}
	cases := map[string]struct {
		reason  string
		c       Case
		tools   Tools
		want    string
		wantErr string
	}{
		"example": {
			reason: "an example config is rendered by the fn's own CLI",
			c:      Case{Kind: Example, Path: "examples/kpt/supremeraid.yaml"}, tools: tools,
			want: "/bin/supremeraid-fn render /repo/examples/kpt/supremeraid.yaml",
		},
		"overlay": {
			reason: "an overlay is built by kustomize with exec functions enabled, as a user would",
			c:      Case{Kind: Overlay, Path: "overlays/lab"}, tools: tools,
			want: "/bin/kustomize build --enable-alpha-plugins --enable-exec /repo/overlays/lab",
		},
		"no fn": {
			reason: "a missing binary is a clear error",
			c:      Case{Kind: Example, Path: "examples/a/supremeraid.yaml"}, wantErr: "no supremeraid-fn binary",
		},
		"unknown kind": {
			reason: "a bad kind is an error listing the allowed ones",
			c:      Case{Kind: "chart", Path: "x"}, tools: tools, wantErr: `unknown case kind "chart" (want "example" or "overlay")`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			bin, args, err := tc.c.Command("/repo", tc.tools)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if got := strings.Join(append([]string{bin}, args...), " "); err != nil || got != tc.want {
				t.Errorf("%s: got %q, %v; want %q", tc.reason, got, err, tc.want)
			}
		})
	}
}

func TestRenderReportsAFailedCommandWithItsCase(t *testing.T) {
	root := t.TempDir()
	c := Case{Kind: Overlay, Path: "overlays/lab"}
	_, err := c.Render(context.Background(), root, Tools{Kustomize: "/nonexistent/kustomize"})
	if err == nil || !strings.Contains(err.Error(), "overlay/lab") {
		t.Errorf("error = %v, want one naming the case overlay/lab", err)
	}
}

func TestEnvPutsTheFnUnderTestFirstOnPath(t *testing.T) {
	cases := map[string]struct {
		reason  string
		environ []string
		tools   Tools
		want    []string
	}{
		"prepended": {
			reason:  "kustomize must find the binary under test before any other supremeraid-fn",
			environ: []string{"HOME=/root", "PATH=/usr/local/bin:/usr/bin"},
			tools:   Tools{Fn: "/repo/bin/supremeraid-fn"},
			want:    []string{"HOME=/root", "PATH=/repo/bin:/usr/local/bin:/usr/bin"},
		},
		"no PATH at all": {
			reason:  "a missing PATH becomes just the fn's directory",
			environ: []string{"HOME=/root"},
			tools:   Tools{Fn: "/repo/bin/supremeraid-fn"},
			want:    []string{"HOME=/root", "PATH=/repo/bin"},
		},
		"no fn": {
			reason:  "without a fn binary the environment is passed through",
			environ: []string{"PATH=/usr/bin"},
			want:    []string{"PATH=/usr/bin"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Env(tc.environ, tc.tools); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: Env = %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestCaseName(t *testing.T) {
	for _, tc := range []struct {
		c    Case
		want string
	}{
		{Case{Kind: Example, Path: "examples/kpt/supremeraid.yaml"}, "example/kpt/supremeraid.yaml"},
		{Case{Kind: Overlay, Path: "overlays/lab"}, "overlay/lab"},
	} {
		if got := tc.c.Name(); got != tc.want {
			t.Errorf("Name(%v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}
