package kubemgmt

import (
	"context"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"supremeraid.dev/supremeraid-fn/e2e/opachart"
)

// Replicated is one resource copied into OPA.
type Replicated struct {
	// Path is where in OPA's data the objects went, e.g.
	// "kubernetes/namespaces" (data.kubernetes.namespaces).
	Path string
	// Names of the objects, sorted.
	Names []string
}

// ReplicateCluster copies every object of each cluster-scoped resource in
// m.ReplicateCluster into OPA as kube-mgmt's initial sync does: one
// PUT /v1/data/<replicate-path>/<resource> holding the map
// name -> object, each object as the API server lists it (apiVersion, kind,
// metadata with labels and annotations, spec, status).
func ReplicateCluster(ctx context.Context, dyn dynamic.Interface, opa OPA, m opachart.Mgmt) ([]Replicated, error) {
	var out []Replicated
	for _, gvr := range m.ReplicateCluster {
		list, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return out, fmt.Errorf("listing %s for replication: %w", gvr, err)
		}
		objects := make(map[string]any, len(list.Items))
		names := make([]string, 0, len(list.Items))
		for _, item := range list.Items {
			if item.GetNamespace() != "" {
				return out, fmt.Errorf("%s %s/%s is namespaced: mgmt.replicate.cluster takes cluster-scoped resources", gvr, item.GetNamespace(), item.GetName())
			}
			objects[item.GetName()] = item.Object
			names = append(names, item.GetName())
		}
		sort.Strings(names)
		path := m.ReplicatePath + "/" + gvr.Resource
		if err := opa.PutData(ctx, path, objects); err != nil {
			return out, fmt.Errorf("replicating %s into data.%s: %w", gvr, path, err)
		}
		out = append(out, Replicated{Path: path, Names: names})
	}
	return out, nil
}
