package opa

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// testSettings are the settings every decision test runs with.
func testSettings() Settings {
	return Settings{
		PodLabel:      "supremeraid.dev/inject",
		ContainerPath: "/data",
		HostBasePath:  "/var/mnt/supremeraid/vd0",
		VolumeName:    DefaultVolumeName,
		Namespaces:    []string{"project1", "project2", "plain", "noids", "badids", "rootuser", "rootgroup", "bigid", "unsynced", "rootfs"},
		// What SettingsFor derives from the default config (meta.VolumeNodeSelector).
		NodeSelector: map[string]string{
			"feature.node.kubernetes.io/supremeraid":         "true",
			"nvidia.com/cuda.driver-version.full":            "550.90.07",
			"kmm.node.kubernetes.io/supremeraid.graid.ready": "",
		},
	}
}

// testNamespace is a Namespace as kube-mgmt replicates it.
func testNamespace(name string, labels, annotations map[string]string) map[string]any {
	meta := map[string]any{"name": name}
	if labels != nil {
		meta["labels"] = labels
	}
	if annotations != nil {
		meta["annotations"] = annotations
	}
	return map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": meta}
}

var enabled = map[string]string{"openpolicyagent.org/webhook": "enabled", "supremeraid.dev/tenant": "true"}

func ids(user, group, fsGroup string) map[string]string {
	a := map[string]string{}
	for k, v := range map[string]string{
		"supremeraid.dev/run-as-user":  user,
		"supremeraid.dev/run-as-group": group,
		"supremeraid.dev/fs-group":     fsGroup,
	} {
		if v != "-" {
			a[k] = v
		}
	}
	return a
}

// testNamespaces is the replicated data the decision tests run against;
// "missing" and "unsynced" (a tenant) are deliberately absent.
func testNamespaces() map[string]any {
	nss := []map[string]any{
		testNamespace("project1", enabled, ids("1000", "100", "2000")),
		testNamespace("project2", enabled, ids("1001", "101", "-")),
		testNamespace("plain", nil, ids("1000", "100", "2000")),
		testNamespace("ignored", map[string]string{"openpolicyagent.org/webhook": "ignore"}, ids("1000", "100", "2000")),
		testNamespace("stranger", enabled, ids("1000", "100", "2000")),
		testNamespace("noids", enabled, nil),
		testNamespace("badids", enabled, ids("1e3", "-5", "abc")),
		testNamespace("rootuser", enabled, ids("0", "0", "-")),
		testNamespace("rootgroup", enabled, ids("1000", "0", "-")),
		testNamespace("bigid", enabled, ids("2147483648", "100", "0100")),
		testNamespace("rootfs", nil, ids("1000", "100", "0")),
	}
	out := map[string]any{}
	for _, ns := range nss {
		out[ns["metadata"].(map[string]any)["name"].(string)] = ns
	}
	return out
}

// prepare compiles the policy (with settings unless s is nil) against the
// given namespaces, the way OPA serves it: modules from the ConfigMap,
// namespaces under data.kubernetes.namespaces.
func prepare(tb testing.TB, query string, s *Settings, namespaces map[string]any) rego.PreparedEvalQuery {
	tb.Helper()
	var files []File
	var err error
	if s != nil {
		files, err = Modules(*s)
	} else {
		files, err = PolicyFiles()
	}
	if err != nil {
		tb.Fatalf("loading modules: %v", err)
	}
	// Round-trip through JSON so the store holds what kube-mgmt would PUT.
	b, err := json.Marshal(map[string]any{"kubernetes": map[string]any{"namespaces": namespaces}})
	if err != nil {
		tb.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		tb.Fatal(err)
	}
	opts := []func(*rego.Rego){
		rego.Query(query),
		rego.Store(inmem.NewFromObject(data)),
		// Builtin errors (e.g. to_number on a bad string) would silently make
		// a rule undefined in production; here they fail the test.
		rego.StrictBuiltinErrors(true),
	}
	for _, f := range files {
		opts = append(opts, rego.Module(f.Name, f.Content))
	}
	// The chart loads the default decision from /bootstrap.
	podLabel := "supremeraid.dev/inject"
	if s != nil {
		podLabel = s.PodLabel
	}
	opts = append(opts, rego.Module("bootstrap/"+BootstrapPolicyName+".rego", BootstrapPolicy(podLabel)))
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		tb.Fatalf("preparing %s: %v", query, err)
	}
	return pq
}

// evalJSON evaluates pq on a JSON input and returns the single value as JSON.
func evalJSON(tb testing.TB, pq rego.PreparedEvalQuery, input []byte) ([]byte, bool) {
	tb.Helper()
	var in any
	if err := json.Unmarshal(input, &in); err != nil {
		tb.Fatalf("test input is not JSON: %v\n%s", err, input)
	}
	rs, err := pq.Eval(context.Background(), rego.EvalInput(in))
	if err != nil {
		tb.Fatalf("evaluating: %v", err)
	}
	if len(rs) == 0 {
		return nil, false
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		tb.Fatalf("want one result with one expression, got %+v", rs)
	}
	out, err := json.Marshal(rs[0].Expressions[0].Value)
	if err != nil {
		tb.Fatal(err)
	}
	return out, true
}
