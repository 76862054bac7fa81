// Package kubemgmt does for the e2e what the kube-mgmt sidecar does next to
// OPA in the opa-kube-mgmt chart: it loads policy (and data) ConfigMaps into
// OPA and replicates Kubernetes objects into OPA's data, with kube-mgmt's
// REST calls, ids, paths, ordering and retry rule, so the generated policy
// meets OPA exactly as it would in a cluster.
//
// kube-mgmt itself is not in the Go module proxy the build machines can
// reach, so it cannot be built here. What is reproduced, from kube-mgmt's
// pkg/configmap/configmap.go and pkg/data/generic.go:
//
//   - a ConfigMap in one of --namespaces labelled openpolicyagent.org/data=opa
//     is data, else one labelled openpolicyagent.org/policy=rego is policy;
//   - its keys are loaded in sorted order, one request each: policy as
//     PUT /v1/policies/<namespace>/<name>/<key>, data as
//     PUT /v1/data/<namespace>/<name>/<key>. OPA compiles each module with
//     those already loaded, so a module that uses a rule of a later key fails
//     on that pass;
//   - errors are collected, and the ConfigMap gets the annotations
//     openpolicyagent.org/kube-mgmt-status ({"status":"ok"} or "error" with
//     the errors) and openpolicyagent.org/kube-mgmt-retries. A policy
//     ConfigMap with errors is loaded again while that retries count is not
//     "0" (kube-mgmt reacts to its own annotation update): 2 retries after
//     the first pass, so at most 3 passes;
//   - cluster-scoped replicated resources are stored as the map
//     name -> object (the object as the API server returns it) at
//     data.<replicate-path>.<resource> (PUT /v1/data/<path>/<resource>),
//     kube-mgmt's initial full sync.
//
// Not reproduced: the informers that keep watching afterwards. The tests
// create every namespace and ConfigMap before loading, so the initial sync
// is the whole story.
package kubemgmt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"supremeraid.dev/supremeraid-fn/e2e/opachart"
	"supremeraid.dev/supremeraid-fn/e2e/opaserver"
)

// kube-mgmt's annotations and retry budget.
const (
	StatusAnnotation  = "openpolicyagent.org/kube-mgmt-status"
	RetriesAnnotation = "openpolicyagent.org/kube-mgmt-retries"
	DefaultRetries    = 2
)

// OPA is the part of the OPA REST API kube-mgmt uses.
type OPA interface {
	PutPolicy(ctx context.Context, id string, module []byte) error
	PutData(ctx context.Context, path string, value any) error
}

var _ OPA = (*opaserver.Server)(nil)

// Loaded is the outcome for one ConfigMap.
type Loaded struct {
	Namespace, Name string
	Policy          bool
	// IDs are the policy ids or data paths, in load order.
	IDs []string
	// Passes is how many times the ConfigMap was loaded.
	Passes int
	// Errors are those of the last pass (empty when it loaded).
	Errors []error
	// Status is the kube-mgmt-status annotation the ConfigMap was given.
	Status string
}

// OK reports whether the last pass loaded every key.
func (l Loaded) OK() bool { return len(l.Errors) == 0 }

// LoadConfigMaps loads every matching ConfigMap in m.Namespaces, sorted by
// namespace and name, and annotates each with its status as kube-mgmt does.
// The returned error is about the harness (listing, patching); load errors
// are in each Loaded.
func LoadConfigMaps(ctx context.Context, kube kubernetes.Interface, opa OPA, m opachart.Mgmt) ([]Loaded, error) {
	var cms []corev1.ConfigMap
	for _, ns := range m.Namespaces {
		if ns == "*" {
			ns = metav1.NamespaceAll
		}
		list, err := kube.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("listing ConfigMaps in %q: %w", ns, err)
		}
		cms = append(cms, list.Items...)
	}
	sort.Slice(cms, func(i, j int) bool {
		if cms[i].Namespace != cms[j].Namespace {
			return cms[i].Namespace < cms[j].Namespace
		}
		return cms[i].Name < cms[j].Name
	})
	var out []Loaded
	for i := range cms {
		cm := &cms[i]
		match, policy := matches(cm, m)
		if !match {
			continue
		}
		l, err := load(ctx, kube, opa, cm, policy)
		if err != nil {
			return out, err
		}
		out = append(out, l)
	}
	return out, nil
}

// matches is kube-mgmt's DefaultConfigMapMatcher: data label first, then
// policy label, each only when enabled.
func matches(cm *corev1.ConfigMap, m opachart.Mgmt) (match, policy bool) {
	if m.EnableData && cm.Labels[opachart.DataLabel] == opachart.DataValue {
		return true, false
	}
	if m.EnablePolicies && cm.Labels[opachart.PolicyLabel] == opachart.PolicyValue {
		return true, true
	}
	return false, false
}

// load runs kube-mgmt's syncAdd for cm until it succeeds or kube-mgmt would
// stop retrying.
func load(ctx context.Context, kube kubernetes.Interface, opa OPA, cm *corev1.ConfigMap, policy bool) (Loaded, error) {
	l := Loaded{Namespace: cm.Namespace, Name: cm.Name, Policy: policy}
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	retriesAnn, hasRetries := cm.Annotations[RetriesAnnotation]
	for {
		l.Passes++
		l.IDs, l.Errors = l.IDs[:0], nil
		for _, key := range keys {
			id := cm.Namespace + "/" + cm.Name + "/" + key
			l.IDs = append(l.IDs, id)
			if err := put(ctx, opa, id, cm.Data[key], policy); err != nil {
				l.Errors = append(l.Errors, fmt.Errorf("%s: %w", id, err))
			}
		}
		retries := 0
		if len(l.Errors) > 0 && policy {
			retries = nextRetries(retriesAnn, hasRetries)
		}
		status, err := statusJSON(l.Errors)
		if err != nil {
			return l, err
		}
		l.Status = status
		changed, err := annotate(ctx, kube, cm, status, retries)
		if err != nil {
			return l, err
		}
		retriesAnn, hasRetries = strconv.Itoa(retries), true
		// kube-mgmt loads again on its own update event when the retries
		// annotation is not "0"; an update that changed nothing is no event.
		if l.OK() || !changed || retriesAnn == "0" {
			return l, nil
		}
	}
}

func put(ctx context.Context, opa OPA, id, value string, policy bool) error {
	if policy {
		return opa.PutPolicy(ctx, id, []byte(value))
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(value), &data); err != nil {
		return fmt.Errorf("data is not a JSON object: %w", err)
	}
	return opa.PutData(ctx, id, data)
}

// nextRetries is kube-mgmt's countdown after a failed pass: 2 when there is
// no annotation or it is 0, else one less.
func nextRetries(current string, present bool) int {
	if !present {
		return DefaultRetries
	}
	r, err := strconv.Atoi(current)
	switch {
	case err != nil:
		return 0
	case r > 0:
		return r - 1
	case r == 0:
		return DefaultRetries
	}
	return 0
}

// statusJSON is the kube-mgmt-status value: {"status":"ok"}, or "error" with
// the error (one) or the list of errors (several).
func statusJSON(errs []error) (string, error) {
	if len(errs) == 0 {
		return `{"status":"ok"}`, nil
	}
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	var detail any = msgs
	if len(msgs) == 1 {
		detail = msgs[0]
	}
	b, err := json.Marshal(map[string]any{"status": "error", "error": detail})
	if err != nil {
		return "", fmt.Errorf("encoding kube-mgmt status: %w", err)
	}
	return string(b), nil
}

// annotate writes the two annotations with a strategic merge patch, as
// kube-mgmt does, and reports whether they changed (the patch then changes
// the ConfigMap's resourceVersion, which is what makes kube-mgmt's informer
// deliver an update).
func annotate(ctx context.Context, kube kubernetes.Interface, cm *corev1.ConfigMap, status string, retries int) (bool, error) {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		StatusAnnotation:  status,
		RetriesAnnotation: strconv.Itoa(retries),
	}}})
	if err != nil {
		return false, fmt.Errorf("encoding annotation patch: %w", err)
	}
	changed := cm.Annotations[StatusAnnotation] != status || cm.Annotations[RetriesAnnotation] != strconv.Itoa(retries)
	got, err := kube.CoreV1().ConfigMaps(cm.Namespace).Patch(ctx, cm.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return false, fmt.Errorf("annotating ConfigMap %s/%s with its kube-mgmt status: %w", cm.Namespace, cm.Name, err)
	}
	*cm = *got
	return changed, nil
}

// Failed joins the errors of every ConfigMap that did not load.
func Failed(loaded []Loaded) error {
	var errs []error
	for _, l := range loaded {
		if !l.OK() {
			errs = append(errs, fmt.Errorf("ConfigMap %s/%s after %d passes: %w", l.Namespace, l.Name, l.Passes, errors.Join(l.Errors...)))
		}
	}
	return errors.Join(errs...)
}
