package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the server-side apply manager name of every e2e apply.
const FieldManager = "supremeraid-e2e"

// Applier server-side applies objects with fieldValidation=Strict and
// records the warnings the server sends for each request.
type Applier struct {
	Dynamic dynamic.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
	warn    *warnings
}

// NewApplier builds clients for cfg. cfg is copied; its warning handler is
// replaced by one that Apply reports per object.
func NewApplier(cfg *rest.Config) (*Applier, error) {
	w := &warnings{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = w
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building dynamic client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building discovery client: %w", err)
	}
	return &Applier{
		Dynamic: dyn,
		mapper:  restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
		warn:    w,
	}, nil
}

// Result is what the server made of one applied object.
type Result struct {
	Object   Object
	Stored   *unstructured.Unstructured
	Warnings []string
}

// Apply sends obj as a server-side apply patch (fieldManager
// supremeraid-e2e, fieldValidation=Strict, no force: a conflict with
// another manager is an error) and returns the stored object. A namespaced
// object must name its namespace: the rendered output is applied by tools
// whose default namespace is not ours.
func (a *Applier) Apply(ctx context.Context, obj Object) (Result, error) {
	res, err := a.Resource(obj)
	if err != nil {
		return Result{Object: obj}, err
	}
	a.warn.reset()
	stored, err := res.Patch(ctx, obj.GetName(), types.ApplyPatchType, obj.JSON, metav1.PatchOptions{
		FieldManager:    FieldManager,
		FieldValidation: metav1.FieldValidationStrict,
	})
	result := Result{Object: obj, Stored: stored, Warnings: a.warn.take()}
	if err != nil {
		return result, fmt.Errorf("%s (%s): server-side apply rejected: %w", obj.ID(), obj.Source, err)
	}
	return result, nil
}

// Get reads obj back from the server.
func (a *Applier) Get(ctx context.Context, obj Object) (*unstructured.Unstructured, error) {
	res, err := a.Resource(obj)
	if err != nil {
		return nil, err
	}
	u, err := res.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: reading back: %w", obj.ID(), err)
	}
	return u, nil
}

// Resource returns the dynamic client for obj's kind and namespace.
func (a *Applier) Resource(obj Object) (dynamic.ResourceInterface, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): the API server does not serve kind %s: %w; if it is a custom resource, add its CRD to e2e/testdata/crds",
			obj.ID(), obj.Source, gvk, err)
	}
	ns := obj.GetNamespace()
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if ns == "" {
			return nil, fmt.Errorf("%s (%s): %s is namespaced but metadata.namespace is empty; the rendered output must set it",
				obj.ID(), obj.Source, gvk.Kind)
		}
		return a.Dynamic.Resource(mapping.Resource).Namespace(ns), nil
	}
	if ns != "" {
		return nil, fmt.Errorf("%s (%s): %s is cluster-scoped but metadata.namespace is %q", obj.ID(), obj.Source, gvk.Kind, ns)
	}
	return a.Dynamic.Resource(mapping.Resource), nil
}

// ResetMapping forgets cached discovery, e.g. after CRDs were installed.
func (a *Applier) ResetMapping() { a.mapper.Reset() }

// Served reports whether the server serves gvk (after discovery refresh).
func (a *Applier) Served(gvk schema.GroupVersionKind) bool {
	_, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	return err == nil
}

// Check compares stored (the apply response, or a later read) with the
// applied manifest; see Compare.
func (r Result) Check(stored *unstructured.Unstructured) []Difference {
	// Decode the request body itself rather than r.Object's map, so the
	// comparison starts from exactly the bytes the server received.
	applied, err := decodeJSON(r.Object.JSON)
	if err != nil {
		return []Difference{{Path: "(document)", Applied: err.Error()}}
	}
	return Compare(applied, stored.Object)
}

// Fields is the number of values Check compares.
func (r Result) Fields() int {
	applied, err := decodeJSON(r.Object.JSON)
	if err != nil {
		return 0
	}
	return Leaves(applied)
}

// decodeJSON decodes an object keeping integers as int64 (as unstructured
// decoding does for the stored object) instead of float64, so large
// integers are compared exactly.
func decodeJSON(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding applied object: %w", err)
	}
	return convertNumbers(v).(map[string]any), nil
}

func convertNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = convertNumbers(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = convertNumbers(e)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64() // valid JSON numbers always parse as float64
		return f
	}
	return v
}

// warnings collects the Warning headers of the requests Apply makes. Apply
// is sequential; the mutex only guards against client-go calling the
// handler from another goroutine.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) HandleWarningHeader(code int, agent, text string) {
	if code != 299 || text == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warnings) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = nil
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}
