package config

import (
	"strings"
	"testing"
)

func TestCountDocuments(t *testing.T) {
	cases := []struct {
		reason  string
		in      string
		want    int
		wantErr string
	}{
		{"one document, no markers: the fast path", "a: 1\n", 1, ""},
		{"a leading --- starts the one document", "---\na: 1\n", 1, ""},
		{"a trailing --- opens an empty document, which is not a second config", "a: 1\n---\n", 1, ""},
		{"an end marker alone", "a: 1\n...\n", 1, ""},
		{"--- inside a quoted value is not a marker", "a: 'x --- y ...'\n", 1, ""},
		{"two documents", "a: 1\n---\nb: 2\n", 2, ""},
		{"three documents, one of them empty", "a: 1\n---\n---\nb: 2\n---\nc: 3\n", 3, ""},
		{"old Mac line ends separate documents too (the parser's view, not a line split's)", "a: 1\r---\rb: 2\r", 2, ""},
		{"garbage after the first document is a parse error, not ignored", "a: 1\n---\nfoo: [", 1, "did not find expected node content"},
		{"comments only", "# nothing\n---\n# still nothing\n", 0, ""},
	}
	for _, tc := range cases {
		got, err := countDocuments([]byte(tc.in))
		if got != tc.want {
			t.Errorf("%s: countDocuments(%q) = %d, want %d", tc.reason, tc.in, got, tc.want)
		}
		if (err != nil) != (tc.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: countDocuments(%q) error = %v, want %q", tc.reason, tc.in, err, tc.wantErr)
		}
	}
}
