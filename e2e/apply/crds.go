package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// IsCRD reports whether obj is a CustomResourceDefinition.
func IsCRD(obj Object) bool {
	gvk := obj.GroupVersionKind()
	return gvk.Group == "apiextensions.k8s.io" && gvk.Kind == "CustomResourceDefinition"
}

// InstallCRDs applies the CRDs among objs and waits until each is
// Established and NamesAccepted and every version it serves is in
// discovery, so custom resources can be applied next. timeout bounds the
// wait per CRD, it is not a performance assertion. Warnings (e.g.
// "unrecognized format" in an upstream schema) are returned, not failed:
// the schemas are upstream's, not ours.
func (a *Applier) InstallCRDs(ctx context.Context, objs []Object, timeout time.Duration) ([]Result, error) {
	var results []Result
	for _, obj := range objs {
		if !IsCRD(obj) {
			continue
		}
		r, err := a.Apply(ctx, obj)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	a.ResetMapping()
	for _, r := range results {
		if err := a.waitServed(ctx, r.Stored, timeout); err != nil {
			return results, err
		}
	}
	return results, nil
}

func (a *Applier) waitServed(ctx context.Context, crd *unstructured.Unstructured, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	var gvks []schema.GroupVersionKind
	for _, v := range versions {
		m, _ := v.(map[string]any)
		if served, _ := m["served"].(bool); served {
			name, _ := m["name"].(string)
			gvks = append(gvks, schema.GroupVersionKind{Group: group, Version: name, Kind: kind})
		}
	}
	obj := Object{Source: "CRD " + crd.GetName(), Unstructured: crd}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := "not checked yet"
	for {
		state, err := a.crdState(ctx, obj)
		switch {
		case err != nil:
			// A read cut short by the deadline says nothing new; keep
			// the last real state for the error.
			if ctx.Err() == nil {
				last = err.Error()
			}
		case state != "":
			last = state
		default:
			missing := 0
			for _, gvk := range gvks {
				if !a.Served(gvk) {
					missing++
				}
			}
			if missing == 0 {
				return nil
			}
			last = fmt.Sprintf("%d served version(s) not yet in discovery", missing)
			a.ResetMapping()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("CRD %s not ready within %v: %s", crd.GetName(), timeout, last)
		case <-tick.C:
		}
	}
}

// crdState returns "" when Established and NamesAccepted are True, else a
// description of what is not yet so (with the condition's message, e.g. a
// name conflict).
func (a *Applier) crdState(ctx context.Context, obj Object) (string, error) {
	u, err := a.Get(ctx, obj)
	if err != nil {
		return "", err
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	status := map[string]string{}
	messages := map[string]string{}
	for _, c := range conds {
		m, _ := c.(map[string]any)
		t, _ := m["type"].(string)
		status[t], _ = m["status"].(string)
		messages[t], _ = m["message"].(string)
	}
	var errs []error
	for _, want := range []string{"NamesAccepted", "Established"} {
		if status[want] != "True" {
			errs = append(errs, fmt.Errorf("%s=%q (%s)", want, status[want], messages[want]))
		}
	}
	if len(errs) == 0 {
		return "", nil
	}
	return errors.Join(errs...).Error(), nil
}
