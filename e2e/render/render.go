// Package render produces the manifests the cluster e2e applies: every
// example config rendered by the supremeraid-fn binary and every kustomize
// overlay built by the real kustomize binary (which runs the same binary as
// an exec KRM function).
package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// ConfigFile is the file name of an example's SupremeRAID config.
const ConfigFile = "supremeraid.yaml"

// Kind says how a Case is rendered.
type Kind string

const (
	// Example is examples/**/supremeraid.yaml, rendered with
	// `supremeraid-fn render <file>`.
	Example Kind = "example"
	// Overlay is overlays/<name>/, built with
	// `kustomize build --enable-alpha-plugins --enable-exec <dir>`.
	Overlay Kind = "overlay"
)

// Case is one input to render.
type Case struct {
	Kind Kind
	// Path is relative to the repository root, slash-separated: a config
	// file for Example, a directory for Overlay.
	Path string
}

// Name identifies the case in test names, e.g. "example/kpt/supremeraid.yaml".
func (c Case) Name() string {
	return string(c.Kind) + "/" + strings.TrimPrefix(c.Path, string(c.Kind)+"s/")
}

// Tools are the binaries Render runs.
type Tools struct {
	Fn        string // supremeraid-fn
	Kustomize string
}

// BaseOverlay is the directory under overlays/ that holds the config every
// cluster shares; it is a resource of the other overlays, not one itself.
const BaseOverlay = "base"

// Discover lists the cases under root in a stable order: examples first,
// then overlays (every directory of overlays/ but base), each sorted by
// path. An overlays/<name> directory without a kustomization file is an
// error, not a silently skipped case.
func Discover(root string) ([]Case, error) {
	var cases []Case
	examples := filepath.Join(root, "examples")
	err := filepath.WalkDir(examples, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == examples {
				return fs.SkipDir
			}
			return err
		}
		if !d.IsDir() && d.Name() == ConfigFile {
			cases = append(cases, Case{Kind: Example, Path: rel(root, path)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing examples: %w", err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "overlays"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("listing overlays: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || e.Name() == BaseOverlay {
			continue
		}
		dir := filepath.Join(root, "overlays", e.Name())
		if !hasKustomization(dir) {
			errs = append(errs, fmt.Errorf("overlays/%s: no kustomization.yaml, kustomization.yml or Kustomization; every overlay must build", e.Name()))
			continue
		}
		cases = append(cases, Case{Kind: Overlay, Path: rel(root, dir)})
	}
	sort.SliceStable(cases, func(i, j int) bool {
		if cases[i].Kind != cases[j].Kind {
			return cases[i].Kind == Example
		}
		return cases[i].Path < cases[j].Path
	})
	return cases, errors.Join(errs...)
}

func hasKustomization(dir string) bool {
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

func rel(root, path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

// Command returns the program and arguments that render c. They run in
// root, so relative exec paths in function annotations resolve as they do
// for a user at the repository root.
func (c Case) Command(root string, tools Tools) (string, []string, error) {
	abs := filepath.Join(root, filepath.FromSlash(c.Path))
	switch c.Kind {
	case Example:
		if tools.Fn == "" {
			return "", nil, fmt.Errorf("%s: no supremeraid-fn binary given", c.Name())
		}
		return tools.Fn, []string{"render", abs}, nil
	case Overlay:
		if tools.Kustomize == "" {
			return "", nil, fmt.Errorf("%s: no kustomize binary given", c.Name())
		}
		return tools.Kustomize, []string{"build", "--enable-alpha-plugins", "--enable-exec", abs}, nil
	}
	return "", nil, fmt.Errorf("%s: unknown case kind %q (want %q or %q)", c.Name(), c.Kind, Example, Overlay)
}

// Env returns environ with the directory of tools.Fn first on PATH. The
// overlays name their function `exec: supremeraid-fn` (found on PATH, as in
// the Argo CD plugin image), so this makes kustomize run the very binary
// under test, not whichever one PATH would find.
func Env(environ []string, tools Tools) []string {
	if tools.Fn == "" {
		return environ
	}
	dir := filepath.Dir(tools.Fn)
	out := make([]string, 0, len(environ)+1)
	path := dir
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			if v != "" {
				path = dir + string(os.PathListSeparator) + v
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PATH="+path)
}

// Render runs the case's command and returns its standard output. A
// non-zero exit is an error carrying the command's standard error, which is
// where kustomize and the function report what went wrong.
func (c Case) Render(ctx context.Context, root string, tools Tools) ([]byte, error) {
	bin, args, err := c.Command(root, tools)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = root
	cmd.Env = Env(os.Environ(), tools)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w\nstderr:\n%s", c.Name(), bin, strings.Join(args, " "), err, stderr.String())
	}
	if len(bytes.TrimSpace(stdout.Bytes())) == 0 {
		return nil, fmt.Errorf("%s: %s %s printed no manifests (stderr: %s)", c.Name(), bin, strings.Join(args, " "), stderr.String())
	}
	return stdout.Bytes(), nil
}
