package opa

import (
	"regexp"
	"strings"
)

// shellSafe are words a POSIX shell reads literally: no quoting, globbing, expansion or
// separators.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9@%+=:,./_-]+$`)

// shellQuote quotes s for a POSIX shell so a printed command can be pasted as is: safe words
// stay as they are, anything else is single-quoted with embedded single quotes written '\”.
// A repository URL with `;`, `$(...)` or spaces then reaches helm as one argument.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
