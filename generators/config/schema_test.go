package config

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
	"supremeraid.dev/supremeraid-fn/internal/testtool"
)

// TestJSONSchemaUpToDate: the committed JSON Schema is exactly what the committed CRD derives to.
func TestJSONSchemaUpToDate(t *testing.T) {
	got, err := JSONSchemaFromCRD(CRD())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(JSONSchema()), string(got)); diff != "" {
		t.Errorf("schema/supremeraid.schema.json is stale; run `make generate` (-committed +derived):\n%s", diff)
	}
}

// TestCRDUpToDate regenerates the CRD from the Go types with the pinned controller-gen and
// compares it with the committed one.
func TestCRDUpToDate(t *testing.T) {
	cg := testtool.Find(t, "controller-gen", "CONTROLLER_GEN", "make tools")
	out := t.TempDir()
	cmd := exec.Command(cg, "crd:crdVersions=v1", "paths=./...", "output:crd:artifacts:config="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(filepath.Join(out, "supremeraid.dev_supremeraids.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(CRD()), string(got)); diff != "" {
		t.Errorf("schema/supremeraid.dev_supremeraids.yaml is stale; run `make generate` (-committed +generated):\n%s", diff)
	}
}

// TestSchemaMatchesTypes walks the Go types and the JSON Schema together: every JSON field of
// the types is a schema property and every schema property is a field, at every level.
func TestSchemaMatchesTypes(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(JSONSchema(), &s); err != nil {
		t.Fatal(err)
	}
	spec := s["properties"].(map[string]any)["spec"].(map[string]any)
	compareLevel(t, "spec", reflect.TypeOf(Spec{}), spec)
}

func compareLevel(t *testing.T, path string, typ reflect.Type, schema map[string]any) {
	t.Helper()
	typ = elem(typ)
	switch typ.Kind() {
	case reflect.Struct:
		props, _ := schema["properties"].(map[string]any)
		var schemaNames []string
		for k := range props {
			schemaNames = append(schemaNames, k)
		}
		sort.Strings(schemaNames)
		typeNames := jsonFields(typ)
		sort.Strings(typeNames)
		if diff := cmp.Diff(typeNames, schemaNames); diff != "" {
			t.Errorf("%s: fields differ (-types +schema):\n%s", path, diff)
			return
		}
		for _, n := range typeNames {
			compareLevel(t, path+"."+n, fieldType(typ, n), props[n].(map[string]any))
		}
	case reflect.Slice:
		if items, ok := schema["items"].(map[string]any); ok {
			compareLevel(t, path+"[]", typ.Elem(), items)
		} else {
			t.Errorf("%s: a list in the types, no items in the schema", path)
		}
	}
}

func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSONSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("supremeraid.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("supremeraid.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestSchemaAcceptsEveryValidConfig validates the examples and golden success configs with a
// real JSON Schema validator, and checks that it rejects what the decoder rejects. (The overlays'
// base config is partial by design; the examples tests validate each patched result.)
func TestSchemaAcceptsEveryValidConfig(t *testing.T) {
	sch := compileSchema(t)
	var files []string
	for _, pattern := range []string{"../../fn/krm/testdata/success/*/config.yaml", "../../examples/*/supremeraid.yaml"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) < 2 {
		t.Fatalf("found only %d configs", len(files))
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			if err := sch.Validate(loadYAML(t, f)); err != nil {
				t.Errorf("schema rejects a valid config: %v", err)
			}
		})
	}
	for name, bad := range map[string]string{
		"typo":        "apiVersion: supremeraid.dev/v1alpha1\nkind: SupremeRAID\nspec:\n  namspace: x\n",
		"wrong kind":  "apiVersion: supremeraid.dev/v1alpha1\nkind: Other\nspec: {}\n",
		"bad level":   "apiVersion: supremeraid.dev/v1alpha1\nkind: SupremeRAID\nspec:\n  raid: {driveGroups: [{raidLevel: raid7}]}\n",
		"too many dg": "apiVersion: supremeraid.dev/v1alpha1\nkind: SupremeRAID\nspec:\n  raid: {driveGroups: [{}, {}, {}, {}, {}, {}, {}, {}, {}]}\n",
	} {
		var v any
		if err := yaml.Unmarshal([]byte(bad), &v); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err == nil {
			t.Errorf("%s: schema accepts an invalid config", name)
		}
	}
}

func loadYAML(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(js)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
