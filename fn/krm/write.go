package krm

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
)

// resourceListHead is how the SDK's serialisation of every ResourceList begins.
const resourceListHead = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"

// writeResourceList serialises rl without reordering it. The SDK's rl.ToYAML() sorts the items
// by apiVersion, kind, namespace and name, and writes an item's head comment in front of its list
// dash. Both hurt under kpt: the emission order is lost, and kpt, which copies each file's
// comments back after a function ran, reads that comment as a different one and writes it twice
// into the package on every render. Here items keep their order (input items first, then the
// generated ones in emission order) and comments stay inside their item. Each item is encoded on
// its own: the YAML encoder keeps every event of a document in one growing slice, so encoding
// the 4,000 objects of a 1,000-tenant config as one document took most of the round trip.
//
// tail (see process) follows the items: final documents as they are, objects encoded.
func writeResourceList(rl *fn.ResourceList, tail []outItem) ([]byte, error) {
	items := rl.Items
	fc := rl.FunctionConfig
	if fc == nil {
		fc = fn.NewEmptyKubeObject()
	}
	rest, err := (&fn.ResourceList{FunctionConfig: fc, Results: rl.Results}).ToYAML()
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(rest, []byte(resourceListHead)) {
		return nil, fmt.Errorf("internal error: the SDK's ResourceList starts %.80q", rest)
	}
	var b bytes.Buffer
	b.Grow(len(rest) + 1024*(len(items)+len(tail)))
	b.WriteString(resourceListHead)
	if len(items)+len(tail) > 0 {
		b.WriteString("items:\n")
		for _, it := range items {
			writeItem(&b, it.String())
		}
		for _, t := range tail {
			if t.obj != nil {
				writeItem(&b, t.obj.String())
			} else {
				writeItem(&b, string(t.doc))
			}
		}
	}
	b.Write(rest[len(resourceListHead):])
	return b.Bytes(), nil
}

// writeItem writes one encoded object as an element of a block sequence at column 0: its first
// line, a head comment or the first key, gets "- ", later lines two spaces (empty lines, inside
// block scalars, stay empty). A head comment so belongs to the item, as kpt wrote it.
func writeItem(b *bytes.Buffer, doc string) {
	first := true
	for _, line := range strings.SplitAfter(doc, "\n") {
		switch {
		case line == "":
			continue
		case first:
			b.WriteString("- ")
			first = false
		case line != "\n":
			b.WriteString("  ")
		}
		b.WriteString(line)
	}
}
