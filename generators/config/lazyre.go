package config

import (
	"regexp"
	"sync"
)

// lazyRegexp is a regular expression compiled on first use: function mode runs the validator
// once per process, and `version`, `schema` and the node agent not at all, so none of them
// should pay for compiling every pattern at start-up.
type lazyRegexp struct{ re func() *regexp.Regexp }

// lazyPatterns lists every pattern lazyRE was given, so a test can compile them all.
var lazyPatterns []string

func lazyRE(expr string) lazyRegexp {
	lazyPatterns = append(lazyPatterns, expr)
	return lazyRegexp{sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

func (l lazyRegexp) MatchString(s string) bool { return l.re().MatchString(s) }

func (l lazyRegexp) FindStringSubmatch(s string) []string { return l.re().FindStringSubmatch(s) }
