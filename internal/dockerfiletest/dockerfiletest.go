// Package dockerfiletest reads a Dockerfile the way BuildKit does, for the tests of every
// Dockerfile the project writes or generates (the release image, the KMM build, the node image).
package dockerfiletest

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Parse parses text with BuildKit's parser and instruction reader and fails t on any parser
// warning or linter finding (every rule, experimental ones included).
func Parse(t testing.TB, text string) (*parser.Node, []instructions.Stage, []instructions.ArgCommand) {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parsing the Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile parser warning: %s", w.Short)
	}
	lint := linter.New(&linter.Config{
		ExperimentalAll: true,
		Warn: func(rule, _, _, msg string, loc []parser.Range) {
			t.Errorf("Dockerfile lint %s at %v: %s", rule, loc, msg)
		},
	})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatalf("reading the Dockerfile's instructions: %v", err)
	}
	return res.AST, stages, metaArgs
}
