package helmchart

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/e2e/binaries"
)

func webhookWith(cc map[string]any) map[string]any {
	return map[string]any{"webhooks": []any{map[string]any{"name": "w", "clientConfig": cc}}}
}

func TestPointAt(t *testing.T) {
	cases := map[string]struct {
		reason string
		cc     map[string]any
		want   string
	}{
		"service":           {reason: "the chart's Service is replaced by the URL, the bundle set", cc: map[string]any{"service": map[string]any{"name": "opa", "namespace": "opa", "port": 8181}, "caBundle": nil}},
		"service with path": {reason: "OPA answers the default decision at / only", cc: map[string]any{"service": map[string]any{"name": "opa", "path": "/x"}}, want: "has a path"},
		"rendered bundle":   {reason: "with the service CA the chart must render no bundle", cc: map[string]any{"service": map[string]any{"name": "opa"}, "caBundle": "Zm9v"}, want: "rendered a caBundle"},
		"url":               {reason: "a render without a Service is not the chart's", cc: map[string]any{"url": "https://x/"}, want: "does not name its Service"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := webhookWith(tc.cc)
			err := PointAt(w, "https://127.0.0.1:1/", []byte("CA"))
			if tc.want != "" {
				require.ErrorContains(t, err, tc.want, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			cc := w["webhooks"].([]any)[0].(map[string]any)["clientConfig"].(map[string]any)
			assert.Equal(t, map[string]any{"url": "https://127.0.0.1:1/", "caBundle": base64.StdEncoding.EncodeToString([]byte("CA"))}, cc)
		})
	}
}

// TestTemplate renders the real chart with the chart's defaults plus admission control on.
func TestTemplate(t *testing.T) {
	paths := binaries.Require(t, binaries.Helm)
	if paths == nil {
		return
	}
	root, err := binaries.RepoRoot()
	require.NoError(t, err)
	objs, err := Template(context.Background(), paths[0], ChartDir(root), "rel", "ns", []byte("admissionController: {enabled: true, kind: MutatingWebhookConfiguration}\n"))
	require.NoError(t, err)
	w, err := Find(objs, "MutatingWebhookConfiguration")
	require.NoError(t, err)
	assert.Equal(t, "rel-opa-kube-mgmt", w["metadata"].(map[string]any)["name"])
	_, err = Find(objs, "Ingress")
	assert.ErrorContains(t, err, "rendered no Ingress")
	_, err = Template(context.Background(), paths[0], ChartDir(root), "rel", "ns", []byte("replicas: [not, a, number\n"))
	assert.ErrorContains(t, err, "helm template")
}
