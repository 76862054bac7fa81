// Package helmchart renders the real opa-kube-mgmt chart with `helm template` and our values:
// the product module's copy of chart 11.0.7 (generators/opa/testdata/chart, templates included,
// provenance there). The e2e registers the webhook configuration the chart renders, changing
// only what the cluster itself would supply: how the API server reaches OPA (a URL on loopback
// instead of the chart's Service, which nothing routes here) and the CA bundle, which on
// OpenShift the service CA injects.
package helmchart

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// ChartDir is the chart inside the repository.
func ChartDir(root string) string {
	return filepath.Join(root, "generators", "opa", "testdata", "chart")
}

// Template runs `helm template <release> <chartDir> --namespace <ns> --values <values>` and
// returns the rendered objects.
func Template(ctx context.Context, helm, chartDir, release, namespace string, values []byte) ([]map[string]any, error) {
	dir, err := os.MkdirTemp("", "helmchart-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	vf := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(vf, values, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, helm, "template", release, chartDir, "--namespace", namespace, "--values", vf)
	// Keep helm away from the user's repositories and cache.
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+dir, "HELM_CONFIG_HOME="+dir, "HELM_DATA_HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("helm template: %w: %s", err, stderr.String())
	}
	var objs []map[string]any
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decoding helm template output: %w", err)
		}
		if m != nil {
			objs = append(objs, m)
		}
	}
	return objs, nil
}

// Find returns the one rendered object of kind.
func Find(objs []map[string]any, kind string) (map[string]any, error) {
	var found map[string]any
	for _, o := range objs {
		if o["kind"] == kind {
			if found != nil {
				return nil, fmt.Errorf("the chart rendered more than one %s", kind)
			}
			found = o
		}
	}
	if found == nil {
		return nil, fmt.Errorf("the chart rendered no %s", kind)
	}
	return found, nil
}

// PointAt makes the rendered webhook configuration call url with caBundle, in place of the
// chart's Service (which must have no path: OPA answers at "/" with its default decision) and
// of the bundle the service CA would inject (which must be empty in the render).
func PointAt(webhook map[string]any, url string, caBundle []byte) error {
	hooks, ok := webhook["webhooks"].([]any)
	if !ok || len(hooks) != 1 {
		return fmt.Errorf("want one webhook, got %v", webhook["webhooks"])
	}
	h := hooks[0].(map[string]any)
	cc, ok := h["clientConfig"].(map[string]any)
	if !ok {
		return errors.New("webhook without clientConfig")
	}
	svc, ok := cc["service"].(map[string]any)
	if !ok {
		return errors.New("the chart's webhook does not name its Service")
	}
	if _, hasPath := svc["path"]; hasPath {
		return fmt.Errorf("the chart's Service reference has a path %v; OPA's default decision is at /", svc["path"])
	}
	if b, set := cc["caBundle"]; set && b != nil && b != "" {
		return fmt.Errorf("the chart rendered a caBundle; with the service CA it must be left to the injector")
	}
	delete(cc, "service")
	delete(cc, "caBundle")
	cc["url"] = url
	cc["caBundle"] = base64.StdEncoding.EncodeToString(caBundle)
	return nil
}

// PodSpec is the pod template of the rendered Deployment (the OPA pod).
func PodSpec(objs []map[string]any) (*corev1.PodSpec, int32, error) {
	d, err := Find(objs, "Deployment")
	if err != nil {
		return nil, 0, err
	}
	var dep appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(d, &dep, true); err != nil {
		return nil, 0, fmt.Errorf("the chart's Deployment: %w", err)
	}
	replicas := int32(1)
	if dep.Spec.Replicas != nil {
		replicas = *dep.Spec.Replicas
	}
	return &dep.Spec.Template.Spec, replicas, nil
}
