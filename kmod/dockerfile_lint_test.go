package kmod

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"supremeraid.dev/supremeraid-fn/internal/dockerfiletest"
)

// parseDockerfile parses text as BuildKit does, failing on any parser or linter warning.
func parseDockerfile(t *testing.T, text string) (*parser.Node, []instructions.Stage, []instructions.ArgCommand) {
	t.Helper()
	return dockerfiletest.Parse(t, text)
}

var varRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// reporter is the part of *testing.T the lint uses, so a test can run the lint on broken input
// and collect what it reports.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// collector records lint reports instead of failing.
type collector struct{ msgs []string }

func (c *collector) Helper() {}
func (c *collector) Errorf(format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

// TestDockerfileContract checks, for each installer source, the FROM/ARG contract KMM relies on
// and the rules the build follows, on the exact text the generator puts in the ConfigMap.
func TestDockerfileContract(t *testing.T) {
	for _, src := range []InstallerSource{InstallerFromURL, InstallerFromImage} {
		t.Run(string(src), func(t *testing.T) {
			text, err := Dockerfile(src)
			if err != nil {
				t.Fatal(err)
			}
			ast, stages, metaArgs := parseDockerfile(t, text)
			lintDockerfile(t, src, text, ast, stages, metaArgs)
		})
	}
}

// lintDockerfile reports every broken rule to t.
func lintDockerfile(t reporter, src InstallerSource, text string, ast *parser.Node, stages []instructions.Stage, metaArgs []instructions.ArgCommand) {
	t.Helper()
	meta := map[string]bool{}
	var metaOrder []string
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			meta[kv.Key] = true
			metaOrder = append(metaOrder, kv.Key)
			if kv.Value != nil {
				checkImageRef(t, "ARG "+kv.Key+" default", *kv.Value)
			}
		}
	}
	// KMM: ARG DTK_AUTO before the first FROM, and the builder stage FROM ${DTK_AUTO}.
	if !meta[ArgDTKAuto] {
		t.Errorf("ARG %s must come before the first FROM (global ARGs: %v)", ArgDTKAuto, metaOrder)
	}
	if len(stages) < 2 {
		t.Errorf("want a builder stage and a final stage, got %d stages", len(stages))
		return
	}
	builder := slices.IndexFunc(stages, func(s instructions.Stage) bool { return s.Name == "builder" })
	if builder < 0 {
		t.Errorf("no stage named builder")
		return
	}
	if got := stages[builder].SourceCode; got != "FROM ${DTK_AUTO} AS builder" {
		t.Errorf("builder stage starts with %q, want %q", got, "FROM ${DTK_AUTO} AS builder")
	}

	declared := map[string]bool{ArgDTKAuto: meta[ArgDTKAuto]}
	for k := range meta {
		declared[k] = true
	}
	seen := map[string]bool{}
	for i, s := range stages {
		if seen[s.Name] && s.Name != "" {
			t.Errorf("stage name %q used twice", s.Name)
		}
		// FROM may use only global ARGs; a literal image must be pinned.
		refs := varRef.FindAllStringSubmatch(s.BaseName, -1)
		if len(refs) == 0 {
			checkImageRef(t, "FROM of stage "+fmt.Sprint(i), s.BaseName)
		}
		for _, r := range refs {
			if !meta[r[1]] {
				t.Errorf("stage %d: FROM uses %s, which is not a global ARG", i, r[1])
			}
		}
		inStage := map[string]bool{}
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					if kv.Value != nil {
						checkRefs(t, i, c.String(), *kv.Value, inStage)
					}
					inStage[kv.Key] = true
					declared[kv.Key] = true
				}
			case *instructions.RunCommand:
				// Variables in RUN are the shell's; build args reach it as environment.
				if len(c.Files) > 0 {
					t.Errorf("stage %d: RUN with a heredoc: %s", i, firstLine(c.String()))
				}
				if len(c.FlagsUsed) > 0 {
					t.Errorf("stage %d: RUN uses flags %v (not supported by every KMM builder)", i, c.FlagsUsed)
				}
			case *instructions.AddCommand:
				t.Errorf("stage %d: ADD is not allowed (downloads go through build.sh's sha256 check): %s", i, c.String())
			case *instructions.CopyCommand:
				if c.From != "" && !seen[c.From] {
					t.Errorf("stage %d: COPY --from=%s names no earlier stage", i, c.From)
				}
				checkRefs(t, i, c.String(), c.String(), inStage)
			case fmt.Stringer:
				checkRefs(t, i, c.String(), c.String(), inStage)
			default:
				t.Errorf("stage %d: unexpected instruction %s", i, c.Name())
			}
		}
		seen[s.Name] = true
	}
	for _, n := range ast.Children {
		if len(n.Heredocs) > 0 {
			t.Errorf("heredoc at line %d: OpenShift Builds and kaniko do not handle them reliably", n.StartLine)
		}
	}
	if regexp.MustCompile(`(?i):latest\b`).MatchString(text) {
		t.Errorf("the Dockerfile mentions a :latest tag")
	}

	// Every build arg the generator may set is declared, and nothing else is.
	args, err := BuildArgs(src)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	want := []string{ArgDTKAuto, ArgKernelFullVersion}
	for _, a := range args {
		want = append(want, a.Name)
	}
	var got []string
	for k := range declared {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("declared ARGs %v, want exactly BuildArgs plus KMM's: %v", got, want)
	}

	// The builder writes build.sh before running it, with the build args as its environment.
	b := stages[builder]
	builderArgs := map[string]bool{}
	write, build := -1, -1
	for j, c := range b.Commands {
		switch c := c.(type) {
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				builderArgs[kv.Key] = true
			}
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			if strings.Contains(line, "> "+scriptFile) {
				write = j
			}
			if strings.Contains(line, "./"+scriptFile) {
				build = j
				wantPath := src == InstallerFromImage
				if strings.Contains(line, "GRAID_INSTALLER_PATH=/build/graid-installer.run") != wantPath {
					t.Errorf("the build RUN %q: GRAID_INSTALLER_PATH set = %v, want %v", line, !wantPath, wantPath)
				}
			}
		}
	}
	if write < 0 || build < 0 || write > build {
		t.Errorf("builder must write %s (command %d) before running it (command %d)", scriptFile, write, build)
	}
	for _, a := range append(args, BuildArg{Name: ArgKernelFullVersion}) {
		if !meta[a.Name] && !builderArgs[a.Name] {
			t.Errorf("build arg %s is declared neither globally nor in the builder stage, so build.sh would not see it", a.Name)
		}
	}

	// The final stage: modules at /opt/lib/modules/${KERNEL_FULL_VERSION}/ as built.sh left them
	// (depmod run, host link made), and no RUN: KMM needs only cp in the image, and a stage
	// that runs nothing needs no package repository or network at build time.
	final := stages[len(stages)-1]
	if final.BaseName != "${"+ArgBaseImage+"}" {
		t.Errorf("final stage FROM %q, want ${%s}", final.BaseName, ArgBaseImage)
	}
	const moddir = "/opt/lib/modules/${KERNEL_FULL_VERSION}/"
	const recordDir = FirmwareDir + "/"
	copied, recordCopied := -1, false
	for j, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			if c.From == "builder" && c.DestPath == moddir && slices.Equal(c.SourcePaths, []string{moddir}) {
				copied = j
			}
			if c.From == "builder" && c.DestPath == recordDir && slices.Equal(c.SourcePaths, []string{recordDir}) {
				recordCopied = true
			}
		case *instructions.RunCommand:
			t.Errorf("final stage must not RUN anything (it would need a shell, packages or network): RUN %s", strings.Join(c.CmdLine, " "))
		}
	}
	if copied < 0 {
		t.Errorf("final stage does not COPY --from=builder %s %s", moddir, moddir)
	}
	if !recordCopied {
		t.Errorf("final stage does not COPY --from=builder %s %s (the build record KMM's firmwarePath puts on the node)", recordDir, recordDir)
	}
}

// checkRefs reports variables used in an instruction before the stage declares them with ARG.
func checkRefs(t reporter, stage int, instr, text string, declared map[string]bool) {
	t.Helper()
	for _, r := range varRef.FindAllStringSubmatch(text, -1) {
		if !declared[r[1]] {
			t.Errorf("stage %d: %q uses ${%s} before ARG %s in that stage", stage, firstLine(instr), r[1], r[1])
		}
	}
}

// checkImageRef fails for an image reference without a tag or digest, or tagged latest.
func checkImageRef(t reporter, what, ref string) {
	t.Helper()
	if !strings.Contains(ref, "/") && !strings.Contains(ref, ":") {
		return // not an image (a path or a version)
	}
	if strings.HasPrefix(ref, "/") {
		return
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	if !strings.Contains(name, ":") && !strings.Contains(ref, "@sha256:") {
		t.Errorf("%s: image %q has no tag or digest", what, ref)
	}
	if strings.HasSuffix(ref, ":latest") {
		t.Errorf("%s: image %q uses the latest tag", what, ref)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestLintCatchesBrokenContracts feeds the lint broken Dockerfiles and checks that it reports
// the broken rule, so a lint that checks nothing cannot pass.
func TestLintCatchesBrokenContracts(t *testing.T) {
	good, err := Dockerfile(InstallerFromURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, reason, from, to, wantMsg string
	}{
		{"no-global-dtk", "ARG DTK_AUTO must precede the first FROM", "ARG DTK_AUTO\n", "",
			"ARG DTK_AUTO must come before the first FROM"},
		{"builder-not-dtk", "the builder must be FROM ${DTK_AUTO}", "FROM ${DTK_AUTO} AS builder", "FROM ${BASE_IMAGE} AS builder",
			`builder stage starts with "FROM ${BASE_IMAGE} AS builder"`},
		{"final-no-kernel-arg", "the final stage uses KERNEL_FULL_VERSION, so must declare it",
			"FROM ${BASE_IMAGE}\nARG KERNEL_FULL_VERSION\n", "FROM ${BASE_IMAGE}\n", "uses ${KERNEL_FULL_VERSION} before ARG KERNEL_FULL_VERSION"},
		{"final-run", "the final stage runs nothing (no microdnf, no network)", "COPY --from=builder /opt/graid/ /opt/graid/\n",
			"COPY --from=builder /opt/graid/ /opt/graid/\nRUN microdnf install -y kmod\n", "final stage must not RUN anything"},
		{"no-module-copy", "the final stage must hold the modules", "COPY --from=builder /opt/lib/modules/${KERNEL_FULL_VERSION}/ ", "COPY --from=builder /opt/lib/modules/ ",
			"final stage does not COPY --from=builder"},
		{"latest", "no latest tags", "ubi-minimal:9.6", "ubi-minimal:latest", "uses the latest tag"},
		{"untagged", "images are pinned", "ubi-minimal:9.6", "ubi-minimal", "has no tag or digest"},
		{"heredoc", "no heredocs", "NVIDIA_SOURCE=/build/nvidia-source ./build.sh", "<<EOF\nNVIDIA_SOURCE=/build/nvidia-source ./build.sh\nEOF",
			"RUN with a heredoc"},
		{"mount", "no RUN --mount", "RUN NVIDIA_SOURCE=", "RUN --mount=type=cache,target=/x NVIDIA_SOURCE=", "RUN uses flags [mount]"},
		{"add", "no ADD", "WORKDIR /build\n", "WORKDIR /build\nADD https://example.com/x /x\n", "ADD is not allowed"},
		{"undeclared-build-arg", "build.sh reads its settings from build args the builder declares", "ARG GRAID_INSTALLER_SHA256\n", "",
			"declared neither globally nor in the builder stage"},
		{"no-record-copy", "the final stage must hold the build record for KMM's firmwarePath", "COPY --from=builder /firmware/ /firmware/\n", "",
			"final stage does not COPY --from=builder /firmware/"},
		{"copy-from-unknown", "COPY --from must name an earlier stage", "COPY --from=builder /opt/graid/", "COPY --from=build /opt/graid/",
			"COPY --from=build names no earlier stage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("test case text %q not in the Dockerfile", tc.from)
			}
			bad := strings.Replace(good, tc.from, tc.to, 1)
			res, err := parser.Parse(strings.NewReader(bad))
			if err != nil {
				t.Fatalf("%s: the broken Dockerfile must still parse: %v", tc.reason, err)
			}
			stages, metaArgs, err := instructions.Parse(res.AST, nil)
			if err != nil {
				t.Fatalf("%s: the broken Dockerfile must still parse: %v", tc.reason, err)
			}
			var c collector
			lintDockerfile(&c, InstallerFromURL, bad, res.AST, stages, metaArgs)
			if !slices.ContainsFunc(c.msgs, func(m string) bool { return strings.Contains(m, tc.wantMsg) }) {
				t.Errorf("%s: the lint did not report %q; it reported %q", tc.reason, tc.wantMsg, c.msgs)
			}
		})
	}
}
