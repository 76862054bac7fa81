package reference

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// TestPageUpToDate fails when docs/config-reference.md is not what `make generate` writes from
// the current schema; UPDATE_GOLDEN=1 rewrites it.
func TestPageUpToDate(t *testing.T) {
	want, err := Markdown(config.JSONSchema())
	require.NoError(t, err)
	page := filepath.Join("..", "..", "..", "..", Path)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, os.WriteFile(page, []byte(want), 0o644))
	}
	got, err := os.ReadFile(page)
	require.NoError(t, err)
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("%s is out of date; run `make generate` (-want +got):\n%s", Path, d)
	}
}

func TestMarkdownRows(t *testing.T) {
	cases := map[string]struct {
		reason string
		schema string
		want   string
	}{
		"required leaf and enum": {
			reason: "a required field says yes; an enum lists its values, the empty string quoted",
			schema: `{"properties":{"spec":{"required":["a"],"properties":{
				"a":{"type":"string","description":"A is\n  wrapped."},
				"b":{"type":"string","enum":["pt",""],"description":"B | pipe"}}}}}`,
			want: "| `a` | string | yes | A is wrapped. |\n| `b` | `pt` \\| `\"\"` |  | B \\| pipe |\n",
		},
		"nested object and list": {
			reason: "objects get a row of their own; the fields of a list's objects are written path[].field",
			schema: `{"properties":{"spec":{"properties":{
				"o":{"type":"object","description":"O.","properties":{
					"l":{"type":"array","description":"L.","items":{"type":"object","required":["x"],"properties":{
						"x":{"type":"integer","description":"X."}}}}}}}}}}`,
			want: "| `o` | object |  | O. |\n| `o.l` | list of objects |  | L. |\n| `o.l[].x` | integer | yes | X. |\n",
		},
		"maps, lists and tolerations": {
			reason: "maps and scalar lists name their element type; tolerations stop at the list (Kubernetes documents them)",
			schema: `{"properties":{"spec":{"properties":{
				"m":{"type":"object","additionalProperties":{"type":"string"},"description":"M."},
				"s":{"type":"array","items":{"type":"string"},"description":"S."},
				"tolerations":{"type":"array","items":{"type":"object","properties":{"key":{"type":"string"}}},"description":"T."}}}}}`,
			want: "| `m` | map of string |  | M. |\n| `s` | list of string |  | S. |\n| `tolerations` | list of objects |  | T. |\n",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Markdown([]byte(tc.schema))
			require.NoError(t, err)
			assert.Equal(t, header+tc.want, got, tc.reason)
		})
	}
}

func TestMarkdownErrors(t *testing.T) {
	_, err := Markdown([]byte(`{"properties":{}}`))
	assert.ErrorContains(t, err, "no spec property")
	_, err = Markdown([]byte(`not json`))
	assert.ErrorContains(t, err, "reading the JSON Schema")
}
