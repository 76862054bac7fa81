package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Decode parses one SupremeRAID document strictly: duplicate keys, unknown fields and wrong
// types are all reported at once, each with its field path, so a typo never silently drops a
// setting. It neither defaults nor validates.
func Decode(data []byte) (*SupremeRAID, field.ErrorList) {
	doc := field.NewPath("<document>")
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(doc, "", "not valid YAML: "+err.Error())}
	}
	if n, err := countDocuments(data); err != nil {
		return nil, field.ErrorList{field.Invalid(doc, "", "not valid YAML: "+err.Error())}
	} else if n > 1 {
		return nil, field.ErrorList{field.Invalid(doc, fmt.Sprintf("%d documents", n), "a config file holds one YAML document (one SupremeRAID object); put each other document in its own file")}
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, field.ErrorList{field.Invalid(doc, "", "not valid YAML: "+err.Error())}
	}
	if _, ok := generic.(map[string]any); !ok {
		return nil, field.ErrorList{field.Invalid(doc, "", "must be a YAML mapping (a SupremeRAID object)")}
	}
	// The shape check walks the whole document first because encoding/json stops at the first
	// wrong type and drops the unknown-field list when it does.
	if errs := checkShape(nil, generic, reflect.TypeOf(SupremeRAID{})); len(errs) > 0 {
		return nil, errs
	}
	cfg := &SupremeRAID{}
	strictErrs, err := sigsjson.UnmarshalStrict(js, cfg, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	var errs field.ErrorList
	for _, se := range strictErrs {
		errs = append(errs, field.Invalid(doc, "", se.Error()))
	}
	if err != nil {
		errs = append(errs, field.Invalid(doc, "", err.Error()))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// checkShape compares a generic JSON value with the Go type it will be decoded into and reports
// every unknown field and every wrong type below it.
func checkShape(p *field.Path, v any, t reflect.Type) field.ErrorList {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // null is "unset"; custom decoders (timestamps, quantities) check themselves
	}
	wrong := func(want string) field.ErrorList {
		return field.ErrorList{field.TypeInvalid(orDoc(p), describe(v), "wrong type: want "+want)}
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return wrong("a mapping")
		}
		var errs field.ErrorList
		for _, k := range sortedKeys(obj) {
			ft := fieldType(t, k)
			if ft == nil {
				detail := "unknown field"
				if allowed := jsonFields(t); len(allowed) > 0 {
					detail += "; allowed here: " + strings.Join(allowed, ", ")
				}
				errs = append(errs, field.Forbidden(child(p, k), detail))
				continue
			}
			errs = append(errs, checkShape(child(p, k), obj[k], ft)...)
		}
		return errs
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return wrong("a mapping")
		}
		var errs field.ErrorList
		for _, k := range sortedKeys(obj) {
			if len(k) > maxStringBytes && !underAnnotations(p) {
				errs = append(errs, field.TooLong(orDoc(p).Key(k), "", maxStringBytes))
				continue
			}
			errs = append(errs, checkShape(orDoc(p).Key(k), obj[k], t.Elem())...)
		}
		return errs
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return wrong("a list")
		}
		var errs field.ErrorList
		for i, item := range list {
			errs = append(errs, checkShape(orDoc(p).Index(i), item, t.Elem())...)
		}
		return errs
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return wrong("a string (quote numbers and versions, e.g. \"1.7.2\")")
		}
		if len(s) > maxStringBytes && !underAnnotations(p) {
			return field.ErrorList{field.TooLong(orDoc(p), "", maxStringBytes)}
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return wrong("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return wrong("an integer")
		}
		if _, err := strconv.ParseInt(n.String(), 10, t.Bits()); err != nil {
			return wrong(fmt.Sprintf("a whole number that fits in %d bits", t.Bits()))
		}
	}
	return nil
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

func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	}
	return fmt.Sprintf("%T", v)
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
