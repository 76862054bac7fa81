package config

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

// MaxInputBytes bounds a config file, and a ResourceList on stdin. The largest sensible config
// (8 drive groups of 1,023 virtual drives with long paths) is a few MiB; a file larger than
// this is a mistake (/dev/zero, a pasted image) and is refused before it is parsed.
const MaxInputBytes = 64 << 20

// maxListEntries bounds every list of a config before its entries are walked. The longest
// legitimate list, a drive group's virtual drives, holds at most 1,023 entries.
const maxListEntries = 4096

// maxNodeVisits bounds the YAML nodes the decoder visits, aliases expanded: a small document
// whose aliases point at aliases (a "billion laughs") would otherwise expand without limit.
const maxNodeVisits = 1 << 20

// Decode parses one SupremeRAID document with YAML 1.2 semantics (the ones kyaml, and so kpt
// and kustomize, use) and checks it against the config's types. Every unknown field, wrong type,
// duplicate key and ambiguous scalar is reported at once, each with its field path, so a typo
// never silently drops a setting. What was understood is decoded all the same: the returned
// config (nil only when the input is not one YAML mapping) holds every well-formed value, and
// a problem's field is left unset, so the validator can report the remaining problems too.
// Decode neither defaults nor validates.
func Decode(data []byte) (*SupremeRAID, field.ErrorList) {
	doc := field.NewPath("<document>")
	if len(data) > MaxInputBytes {
		return nil, field.ErrorList{field.TooLong(doc, "", MaxInputBytes)}
	}
	root, n, err := parseDocuments(data)
	switch {
	case err != nil:
		return nil, field.ErrorList{field.Invalid(doc, "", "not valid YAML: "+err.Error())}
	case n > 1:
		return nil, field.ErrorList{field.Invalid(doc, fmt.Sprintf("%d documents", n), "a config file holds one YAML document (one SupremeRAID object); put each other document in its own file")}
	case root == nil:
		return nil, field.ErrorList{field.Invalid(doc, "", "must be a YAML mapping (a SupremeRAID object); the document is empty")}
	}
	d := &decoder{}
	if target := deref(root); target.Kind != yaml.MappingNode {
		return nil, field.ErrorList{field.Invalid(doc, "", "must be a YAML mapping (a SupremeRAID object), got "+describeNode(target))}
	}
	generic, ok := d.value(nil, root, reflect.TypeOf(SupremeRAID{}))
	if d.aborted != nil {
		return nil, append(d.errs, d.aborted)
	}
	if !ok {
		return nil, d.errs
	}
	js, err := json.Marshal(generic)
	if err != nil {
		return nil, append(d.errs, field.InternalError(doc, err))
	}
	cfg := &SupremeRAID{}
	strictErrs, err := sigsjson.UnmarshalStrict(js, cfg, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	// The walk above removed everything the strict decoder would refuse; anything it still
	// refuses is a gap in the walk, reported rather than hidden.
	for _, se := range strictErrs {
		d.errs = append(d.errs, field.Invalid(doc, "", se.Error()))
	}
	if err != nil {
		return nil, append(d.errs, field.Invalid(doc, "", err.Error()))
	}
	return cfg, d.errs
}

// decoder walks a YAML node tree and the Go type it describes together, building the generic
// JSON value of what is well-formed and collecting a problem for everything else.
type decoder struct {
	errs    field.ErrorList
	visits  int
	aborted *field.Error // set when the document is too costly to walk; stops the walk
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// value returns the generic JSON value of n as type t. ok is false when n is not a t (the
// problem is recorded): the caller then leaves the field unset.
func (d *decoder) value(p *field.Path, n *yaml.Node, t reflect.Type) (any, bool) {
	if d.aborted != nil {
		return nil, false
	}
	if d.visits++; d.visits > maxNodeVisits {
		d.aborted = field.Invalid(orDoc(p), "", fmt.Sprintf("the document expands (aliases included) to more than %d YAML nodes; write it out without nested aliases", maxNodeVisits))
		return nil, false
	}
	n = deref(n)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNullNode(n) {
		return nil, true // null is "unset"
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return d.custom(p, n, t)
	}
	wrong := func(want string) (any, bool) {
		d.errs = append(d.errs, field.TypeInvalid(orDoc(p), describeNode(n), "wrong type: want "+want))
		return nil, false
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return wrong("a mapping")
		}
		out := map[string]any{}
		entries := d.mapping(p, n, true)
		for _, k := range sortedKeys(entries) {
			ft := fieldType(t, k)
			if ft == nil {
				detail := "unknown field"
				if allowed := jsonFields(t); len(allowed) > 0 {
					detail += "; allowed here: " + strings.Join(allowed, ", ")
				}
				d.errs = append(d.errs, field.Forbidden(child(p, k), detail))
				continue
			}
			if v, ok := d.value(child(p, k), entries[k], ft); ok {
				out[k] = v
			}
		}
		return out, true
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return wrong("a mapping")
		}
		out := map[string]any{}
		entries := d.mapping(p, n, false)
		for _, k := range sortedKeys(entries) {
			if len(k) > maxStringBytes && !underAnnotations(p) {
				d.errs = append(d.errs, field.TooLong(orDoc(p).Key(k), "", maxStringBytes))
				continue
			}
			if i := strings.IndexFunc(k, isControl); i >= 0 && !underAnnotations(p) {
				d.errs = append(d.errs, field.Invalid(orDoc(p).Key(k), k, fmt.Sprintf("the key contains the control character %q at byte %d", k[i:i+1], i)))
				continue
			}
			if v, ok := d.value(orDoc(p).Key(k), entries[k], t.Elem()); ok {
				out[k] = v
			}
		}
		return out, true
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return wrong("a list")
		}
		// Length first: a list of 50,000 bad entries is one problem, not 50,000.
		if len(n.Content) > maxListEntries {
			d.errs = append(d.errs, field.TooMany(orDoc(p), len(n.Content), maxListEntries))
			return nil, false
		}
		out := make([]any, len(n.Content))
		for i, item := range n.Content {
			// A bad entry stays in place as null, so the indices of the others do not move.
			out[i], _ = d.value(orDoc(p).Index(i), item, t.Elem())
		}
		return out, true
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return wrong("a string")
		}
		// A plain off, y or 1:20 is a string in YAML 1.2, as kyaml (kpt, kustomize) reads it
		// too, so it is taken as one: refusing it would make render and kustomize differ,
		// because kustomize quotes some such values (list entries' name:) before the
		// function sees them. Numbers, with or without a leading zero, are refused below.
		if tag, _ := resolve(n); tag != strTag {
			return wrong("a string (quote numbers and versions, e.g. \"1.7.2\")")
		}
		if len(n.Value) > maxStringBytes && !underAnnotations(p) {
			d.errs = append(d.errs, field.TooLong(orDoc(p), "", maxStringBytes))
			return nil, false
		}
		// No setting of a config holds a control character; one in a path, name or URL
		// would reach a node file, a shell command or a terminal.
		if i := strings.IndexFunc(n.Value, isControl); i >= 0 && !underAnnotations(p) {
			d.errs = append(d.errs, field.Invalid(orDoc(p), n.Value, fmt.Sprintf("contains the control character %q at byte %d; no setting holds one", n.Value[i:i+1], i)))
			return nil, false
		}
		return n.Value, true
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode {
			return wrong("true or false")
		}
		tag, amb := resolve(n)
		if amb != "" {
			return d.ambiguous(p, n, amb, "true or false")
		}
		if tag != boolTag {
			return wrong("true or false")
		}
		return strings.EqualFold(n.Value, "true"), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode {
			return wrong("an integer")
		}
		tag, amb := resolve(n)
		if amb != "" {
			return d.ambiguous(p, n, amb, "an integer")
		}
		if tag != intTag {
			if tag == floatTag && !finite(n.Value) {
				return wrong("an integer (" + n.Value + " is not a finite number)")
			}
			return wrong("an integer")
		}
		v, err := parseInt(n.Value, t.Bits())
		if err != nil {
			return wrong(fmt.Sprintf("a whole number that fits in %d bits", t.Bits()))
		}
		return json.Number(strconv.FormatInt(v, 10)), true
	}
	// Kinds the config does not use: decode the natural value and let the strict decoder judge.
	return d.natural(p, n)
}

// custom decodes a value of a type with its own JSON decoder (metav1.Time in metadata) and
// reports its failure at the field's path, not as a message naming no field.
func (d *decoder) custom(p *field.Path, n *yaml.Node, t reflect.Type) (any, bool) {
	v, ok := d.natural(p, n)
	if !ok {
		return nil, false
	}
	js, err := json.Marshal(v)
	if err == nil {
		err = reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(js)
	}
	if err != nil {
		d.errs = append(d.errs, field.Invalid(orDoc(p), describeNode(n), err.Error()))
		return nil, false
	}
	return v, true
}

// natural is the generic value of a node without a Go type to guide it (YAML 1.2 core schema).
func (d *decoder) natural(p *field.Path, n *yaml.Node) (any, bool) {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		out := map[string]any{}
		entries := d.mapping(p, n, false)
		for _, k := range sortedKeys(entries) {
			if v, ok := d.value(orDoc(p).Key(k), entries[k], reflect.TypeOf((*any)(nil)).Elem()); ok {
				out[k] = v
			}
		}
		return out, true
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, item := range n.Content {
			out[i], _ = d.natural(orDoc(p).Index(i), item)
		}
		return out, true
	}
	tag, amb := resolve(n)
	switch {
	case amb != "":
		return d.ambiguous(p, n, amb, "a value")
	case tag == nullTag:
		return nil, true
	case tag == boolTag:
		return strings.EqualFold(n.Value, "true"), true
	case tag == intTag:
		if v, err := parseInt(n.Value, 64); err == nil {
			return json.Number(strconv.FormatInt(v, 10)), true
		}
	case tag == floatTag:
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
		}
		d.errs = append(d.errs, field.Invalid(orDoc(p), n.Value, "not a finite number"))
		return nil, false
	}
	return n.Value, true
}

// mapping returns the entries of a mapping node by key, merge keys (`<<`) applied as YAML 1.1
// and kyaml define them: the mapping's own keys win over merged ones, and an earlier merged
// mapping over a later. A key given twice, a non-string key or a bad merge is a problem.
func (d *decoder) mapping(p *field.Path, n *yaml.Node, fields bool) map[string]*yaml.Node {
	own := map[string]*yaml.Node{}
	line := map[string]int{}
	var merged []map[string]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errs = append(d.errs, field.Invalid(orDoc(p), describeNode(k), "mapping keys must be strings"))
			continue
		}
		if k.Tag == mergeTag || (k.Value == "<<" && k.Style == 0 && k.Tag != strTag) {
			merged = append(merged, d.mergeSources(p, v, fields)...)
			continue
		}
		if first, dup := line[k.Value]; dup {
			kp := orDoc(p).Key(k.Value)
			if fields {
				kp = child(p, k.Value)
			}
			d.errs = append(d.errs, field.Invalid(kp, "", fmt.Sprintf("key given twice (lines %d and %d): YAML tools keep different ones; remove one", first, k.Line)))
			continue
		}
		line[k.Value] = k.Line
		own[k.Value] = v
	}
	for _, m := range merged {
		for k, v := range m {
			if _, set := own[k]; !set {
				own[k] = v
			}
		}
	}
	return own
}

// mergeSources returns the mappings a merge key names: one mapping or a list of them, earlier
// ones winning.
func (d *decoder) mergeSources(p *field.Path, v *yaml.Node, fields bool) []map[string]*yaml.Node {
	v = deref(v)
	var srcs []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		srcs = []*yaml.Node{v}
	case yaml.SequenceNode:
		srcs = v.Content
	}
	var out []map[string]*yaml.Node
	for i := len(srcs) - 1; i >= 0; i-- { // later first, so earlier ones overwrite below
		s := deref(srcs[i])
		if s.Kind != yaml.MappingNode {
			d.errs = append(d.errs, field.Invalid(orDoc(p).Key("<<"), describeNode(s), "a merge key takes a mapping or a list of mappings"))
			continue
		}
		out = append(out, d.mapping(p, s, fields))
	}
	// Earlier sources win: apply them last.
	res := map[string]*yaml.Node{}
	for _, m := range out {
		for k, n := range m {
			res[k] = n
		}
	}
	if len(res) == 0 {
		return nil
	}
	return []map[string]*yaml.Node{res}
}

// ambiguous records a plain scalar that YAML 1.1 tools read otherwise than YAML 1.2 ones.
func (d *decoder) ambiguous(p *field.Path, n *yaml.Node, why, want string) (any, bool) {
	var fix string
	switch want {
	case "true or false":
		fix = "write true or false"
	case "an integer":
		fix = "write the number in plain decimal without leading zeros"
	default:
		fix = fmt.Sprintf("quote it (\"%s\") if it is a string", n.Value)
	}
	d.errs = append(d.errs, field.Invalid(orDoc(p), n.Value, fmt.Sprintf("ambiguous YAML on line %d: %s; want %s: %s", n.Line, why, want, fix)))
	return nil, false
}

const (
	nullTag  = "!!null"
	boolTag  = "!!bool"
	intTag   = "!!int"
	floatTag = "!!float"
	strTag   = "!!str"
	mergeTag = "!!merge"
)

var (
	intRe    = lazyRE(`^[-+]?[0-9]+$|^0x[0-9a-fA-F]+$`)
	floatRe  = lazyRE(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$`)
	zeroRe   = lazyRE(`^[-+]?0[0-9]+$`)
	octal12  = lazyRE(`^0o[0-7]+$`)
	sexaRe   = lazyRE(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)
	binRe    = lazyRE(`^[-+]?0b[01_]+$`)
	underRe  = lazyRE(`^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9_]*)?)$`)
	bool11   = map[string]bool{"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "n": true, "N": true, "no": true, "No": true, "NO": true, "on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true}
	explicit = map[string]bool{nullTag: true, boolTag: true, intTag: true, floatTag: true, strTag: true}
)

// resolve returns the YAML 1.2 core-schema tag of a scalar and, for a plain scalar that a
// YAML 1.1 parser (go-yaml v2, PyYAML, sigs.k8s.io/yaml) reads as something else, why. Quoted
// and block scalars are strings; an explicit standard tag is honoured.
func resolve(n *yaml.Node) (tag, ambiguous string) {
	if n.Style&yaml.TaggedStyle != 0 && explicit[n.ShortTag()] {
		return n.ShortTag(), ""
	}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return strTag, ""
	}
	v := n.Value
	switch {
	case v == "" || v == "~" || v == "null" || v == "Null" || v == "NULL":
		return nullTag, ""
	case v == "true" || v == "True" || v == "TRUE" || v == "false" || v == "False" || v == "FALSE":
		return boolTag, ""
	case bool11[v]:
		return strTag, fmt.Sprintf("%q is a string in YAML 1.2 but a boolean in YAML 1.1", v)
	case zeroRe.MatchString(v):
		return intTag, fmt.Sprintf("%s has a leading zero: decimal in YAML 1.2, octal (or a string) in YAML 1.1", v)
	case octal12.MatchString(v):
		return intTag, fmt.Sprintf("%s is octal in YAML 1.2 but a string in YAML 1.1", v)
	case intRe.MatchString(v):
		return intTag, ""
	case floatRe.MatchString(v):
		return floatTag, ""
	case sexaRe.MatchString(v) && strings.ContainsAny(v, "0123456789"):
		return strTag, fmt.Sprintf("%s is a string in YAML 1.2 but a base-60 number in YAML 1.1", v)
	case binRe.MatchString(v) || strings.Contains(v, "_") && underRe.MatchString(v):
		return strTag, fmt.Sprintf("%s is a string in YAML 1.2 but a number in YAML 1.1", v)
	}
	return strTag, ""
}

func parseInt(v string, bits int) (int64, error) {
	if strings.HasPrefix(v, "0x") {
		u, err := strconv.ParseUint(v[2:], 16, bits)
		if err != nil || u > math.MaxInt64 {
			return 0, fmt.Errorf("out of range")
		}
		return int64(u), nil
	}
	return strconv.ParseInt(strings.TrimPrefix(v, "+"), 10, bits)
}

func finite(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// deref follows aliases (and a document node) to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch {
		case n.Kind == yaml.AliasNode && n.Alias != nil:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) == 1:
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

func isNullNode(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	tag, _ := resolve(n)
	return tag == nullTag
}

// describeNode names what a node is, and where, for messages.
func describeNode(n *yaml.Node) string {
	var what string
	switch n.Kind {
	case yaml.MappingNode:
		what = "a mapping"
	case yaml.SequenceNode:
		what = "a list"
	case yaml.ScalarNode:
		switch tag, _ := resolve(n); tag {
		case intTag, floatTag:
			what = "a number"
		case boolTag:
			what = "a boolean"
		case nullTag:
			what = "null"
		default:
			what = "a string"
		}
	default:
		what = "a YAML node"
	}
	if n.Line > 0 {
		what += fmt.Sprintf(" (line %d)", n.Line)
	}
	return what
}

func child(p *field.Path, name string) *field.Path {
	if p == nil {
		return field.NewPath(name)
	}
	return p.Child(name)
}

func orDoc(p *field.Path) *field.Path {
	if p == nil {
		return field.NewPath("<document>")
	}
	return p
}

func fieldType(t reflect.Type, name string) reflect.Type {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag == name {
			return f.Type
		}
		if tag == "" && f.Anonymous {
			if ft := fieldType(f.Type, name); ft != nil {
				return ft
			}
		}
	}
	return nil
}

func jsonFields(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		switch {
		case tag == "-":
		case tag == "" && f.Anonymous:
			names = append(names, jsonFields(f.Type)...)
		case tag != "":
			names = append(names, tag)
		}
	}
	return names
}
