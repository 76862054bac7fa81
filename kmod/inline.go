package kmod

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// scriptRun renders script as a Dockerfile RUN instruction that writes it to build.sh in the
// working directory and checks its sha256. Heredocs would be simpler but OpenShift Builds and
// kaniko mishandle them, and KMM gives the build no context to COPY from; a printf with one
// single-quoted argument per line survives every Dockerfile parser: inside single quotes the
// shell changes nothing, the parser only joins the backslash-continued lines, and no physical
// line starts with '#' (which the parser would drop as a comment).
func scriptRun(script []byte) (string, error) {
	switch {
	case len(script) == 0:
		return "", fmt.Errorf("kmod: build script is empty")
	case script[len(script)-1] != '\n':
		return "", fmt.Errorf("kmod: build script must end with a newline")
	case bytes.ContainsAny(script, "\r\x00"):
		return "", fmt.Errorf("kmod: build script must not contain carriage returns or NUL bytes")
	case bytes.Contains(script, []byte("<<")):
		// Dockerfile parsers take "<<WORD" in a RUN line for a heredoc, even inside quotes.
		return "", fmt.Errorf("kmod: build script must not contain %q (heredoc syntax)", "<<")
	}
	sum := sha256.Sum256(script)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s, sha256 %s, inlined (see kmod/inline.go).\n", scriptFile, hex.EncodeToString(sum[:]))
	b.WriteString("RUN printf '%s\\n'" + scriptContinuationSpace + "\n")
	for _, line := range strings.Split(strings.TrimSuffix(string(script), "\n"), "\n") {
		b.WriteString(scriptLineIndent + shellQuote(line) + scriptContinuationSpace + "\n")
	}
	b.WriteString(scriptLineIndent + "> " + scriptFile + scriptContinuationSpace + "\n")
	fmt.Fprintf(&b, " && echo '%s  %s' | sha256sum --check --quiet --strict -%s\n", hex.EncodeToString(sum[:]), scriptFile, scriptContinuationSpace)
	b.WriteString(" && chmod 0755 " + scriptFile)
	return b.String(), nil
}

// shellQuote wraps s in single quotes; each embedded quote is closed, escaped and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
