package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
)

// The JSON decoder stops reporting at an object's first type error, so a
// manifest with three wrong fields took three runs to fix, and the object
// was lost to every other rule. dropTypeErrors walks the object's JSON
// beside its Go type, names every value that cannot decode (with list
// indices, which the decoder's message lacks), and removes them, so the
// rest decodes and the rules still see it.

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// dropTypeErrors returns raw without the values that do not fit t, and an
// error per value removed; ok is false when raw is not JSON.
func dropTypeErrors(raw []byte, t reflect.Type) (cleaned []byte, errs []string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, nil, false
	}
	v, _ = fit(v, t, "", &errs)
	out, err := json.Marshal(v)
	if err != nil {
		return nil, nil, false
	}
	return out, errs, true
}

// fit checks v against t; it returns v with misfits removed, and false
// when v itself does not fit (the caller drops it).
func fit(v any, t reflect.Type, path string, errs *[]string) (any, bool) {
	if v == nil {
		return v, true // null decodes into anything (as its zero value)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func(want string) (any, bool) {
		*errs = append(*errs, fmt.Sprintf("field %s: cannot decode %s: want %s", path, describe(v), want))
		return nil, false
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		// Types with their own JSON form (IntOrString, Quantity, Time,
		// RawExtension...): ask them.
		data, err := json.Marshal(v)
		if err != nil {
			return bad(t.Name())
		}
		if err := reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(data); err != nil {
			*errs = append(*errs, fmt.Sprintf("field %s: %v", path, err))
			return nil, false
		}
		return v, true
	}
	switch t.Kind() {
	case reflect.Interface:
		return v, true
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("object")
		}
		fields := jsonFields(t)
		for k, fv := range m {
			ft, known := fields[k]
			if !known {
				continue // the strict decode reports unknown fields
			}
			if nv, ok := fit(fv, ft, join(path, k), errs); ok {
				m[k] = nv
			} else {
				delete(m, k)
			}
		}
		return m, true
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("object")
		}
		for k, fv := range m {
			if nv, ok := fit(fv, t.Elem(), join(path, k), errs); ok {
				m[k] = nv
			} else {
				delete(m, k)
			}
		}
		return m, true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if !ok {
				return bad("base64 string")
			}
			if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				return bad("base64 string")
			}
			return v, true
		}
		l, ok := v.([]any)
		if !ok {
			return bad("list")
		}
		out := l[:0:0]
		for i, e := range l {
			if nv, ok := fit(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs); ok {
				out = append(out, nv)
			}
		}
		return out, true
	case reflect.String:
		if _, ok := v.(string); !ok {
			return bad("string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return bad("boolean")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		i, err := n.Int64()
		if !ok || err != nil || reflect.Zero(t).OverflowInt(i) {
			return bad(t.Kind().String())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		i, err := n.Int64()
		if !ok || err != nil || i < 0 || reflect.Zero(t).OverflowUint(uint64(i)) {
			return bad(t.Kind().String())
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil || math.IsInf(f, 0) {
			return bad(t.Kind().String())
		}
	}
	return v, true
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// describe names a JSON value's type and, for scalars, its value.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("string %q", x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps a struct's JSON field names to their types, with the
// fields of inlined (embedded) structs.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	fieldCache.Store(t, out)
	return out
}
