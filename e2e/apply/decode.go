// Package apply puts rendered manifests into a real API server the way a
// GitOps tool would (server-side apply, strict field validation, CRDs and
// Namespaces first) and checks that the server stored every field the
// manifest set.
package apply

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Object is one manifest document and where it came from.
type Object struct {
	// Source names the document for error messages, "<file or command>#<index>".
	Source string
	// JSON is the document exactly as rendered, converted to JSON; it is
	// the apply request body, so what the server sees is what the tool
	// emitted, not a re-encoding.
	JSON []byte
	*unstructured.Unstructured
}

// Decode splits a multi-document YAML stream into objects. Empty documents
// are skipped; duplicate keys, documents without apiVersion, kind or
// metadata.name, and List kinds are errors (a rendered output must be a
// flat stream of named objects).
func Decode(data []byte, source string) ([]Object, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []Object
	var errs []error
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: reading YAML document %d: %w", source, i, err)
		}
		src := fmt.Sprintf("%s#%d", source, i)
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src, err))
			continue
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue // empty document, e.g. a trailing "---"
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			errs = append(errs, fmt.Errorf("%s: not a Kubernetes object: %w", src, err))
			continue
		}
		if err := checkIdentity(u); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src, err))
			continue
		}
		objs = append(objs, Object{Source: src, JSON: js, Unstructured: u})
	}
	return objs, errors.Join(errs...)
}

func checkIdentity(u *unstructured.Unstructured) error {
	var missing []string
	if u.GetAPIVersion() == "" {
		missing = append(missing, "apiVersion")
	}
	if u.GetKind() == "" {
		missing = append(missing, "kind")
	}
	if u.GetName() == "" {
		missing = append(missing, "metadata.name")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %v (kind %q): every rendered object needs apiVersion, kind and metadata.name",
			missing, u.GetKind())
	}
	if u.IsList() {
		return fmt.Errorf("%s is a list: render a flat stream of objects instead", u.GetKind())
	}
	return nil
}

// ID is "<group/version> <kind> <namespace>/<name>", for messages.
func (o Object) ID() string {
	ns := o.GetNamespace()
	if ns == "" {
		return fmt.Sprintf("%s %s %s", o.GetAPIVersion(), o.GetKind(), o.GetName())
	}
	return fmt.Sprintf("%s %s %s/%s", o.GetAPIVersion(), o.GetKind(), ns, o.GetName())
}
