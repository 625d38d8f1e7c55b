// Package schema decodes rendered objects strictly into their Go types, or
// validates them against the schema of a CRD rendered in the same cluster.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	argov1alpha1 "github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	kjson "sigs.k8s.io/json"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/parallel"
)

// Result is what the schema layer made of one object.
type Result struct {
	// Typed is the decoded object; nil when the kind is unknown, only a
	// CRD describes it, or decoding failed. Objects with the same content
	// share one Typed value: it is read-only.
	Typed runtime.Object
	// Errors name the field at fault.
	Errors []string
	// Unchecked is true when neither a Go type nor a CRD describes the kind.
	Unchecked bool
}

// typeScheme is built on first use: registering Argo CD's and the
// Prometheus Operator's types costs time that `chartcheck rules` should
// not pay.
var typeScheme = sync.OnceValue(func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		scheme.AddToScheme,
		apiextensionsv1.AddToScheme,
		monitoringv1.AddToScheme,
		monitoringv1alpha1.AddToScheme,
		argov1alpha1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(fmt.Sprintf("building scheme: %v", err)) // static registrations
		}
	}
	return s
})

// ValidateAll validates the objects of one cluster, in parallel: each is
// decoded strictly into its Go type, or checked against the schema of a
// CRD among objs.
func ValidateAll(objs []manifest.Object) []Result {
	out := make([]Result, len(objs))
	s := typeScheme()
	// Objects of a known kind are written as JSON, then each distinct
	// text is decoded once: rendered clusters repeat whole objects (the
	// same CRDs from two charts or two releases), and the strict decode of
	// a CRD's schema is the costliest step here.
	raws := make([][]byte, len(objs))
	parallel.For(len(objs), func(i int) {
		if !s.Recognizes(objs[i].Object.GroupVersionKind()) {
			return
		}
		raw, err := json.Marshal(objs[i].Object.Object)
		if err != nil {
			out[i] = Result{Errors: []string{fmt.Sprintf("encoding object: %v", err)}}
			return
		}
		raws[i] = raw
	})
	first := make([]int, len(objs)) // index of the first object with the same JSON
	var distinct []int
	seed := maphash.MakeSeed()
	byHash := map[uint64][]int{}
	for i, raw := range raws {
		first[i] = i
		if raw == nil {
			continue
		}
		h := maphash.Bytes(seed, raw)
		for _, j := range byHash[h] {
			if bytes.Equal(raws[j], raw) { // apiVersion and kind are in the text
				first[i] = j
				break
			}
		}
		if first[i] == i {
			byHash[h] = append(byHash[h], i)
			distinct = append(distinct, i)
		}
	}
	parallel.For(len(distinct), func(k int) {
		i := distinct[k]
		out[i] = decodeTyped(s, objs[i].Object.GroupVersionKind(), raws[i])
	})
	for i, j := range first {
		if j != i {
			// Shared, not copied: copying a CRD's typed schema costs
			// as much as decoding it, and the rules only read.
			out[i] = Result{Typed: out[j].Typed, Errors: slices.Clone(out[j].Errors)}
		}
	}
	// The CRDs rendered with the cluster. Their validators are built only
	// for kinds that have objects here: building one costs more than
	// validating many objects.
	crds := map[schema.GroupVersionKind]*crdSchema{}
	for i, o := range objs {
		crd, ok := out[i].Typed.(*apiextensionsv1.CustomResourceDefinition)
		if !ok {
			continue
		}
		for _, ver := range crd.Spec.Versions {
			key := schema.GroupVersionKind{Group: crd.Spec.Group, Version: ver.Name, Kind: crd.Spec.Names.Kind}
			crds[key] = &crdSchema{crd: o, version: ver.Name, validation: ver.Schema}
		}
	}
	parallel.For(len(objs), func(i int) {
		gvk := objs[i].Object.GroupVersionKind()
		c, hasCRD := crds[gvk]
		switch {
		case hasCRD:
			// The CRD rendered with the cluster is what its API server
			// enforces, and may be newer than the Go types: its schema
			// decides validity; a Go type still serves the rules.
			errs, err := c.validate(objs[i].Object.UnstructuredContent())
			if err != nil {
				errs = []string{fmt.Sprintf("schema of %s version %s in %s: %v", gvk.Kind, c.version, c.crd.Source, err)}
			}
			out[i].Errors = errs
		case !s.Recognizes(gvk):
			out[i] = Result{Unchecked: true}
		}
	})
	return out
}

// decodeTyped decodes raw, an object's JSON, strictly into the Go type of
// gvk as the API
// machinery's strict JSON serializer does (sigs.k8s.io/json, unknown and
// duplicate fields reported with their path), minus the serializer's first
// pass that only reads apiVersion and kind, which the object already has.
//
// The reflection converter (runtime.DefaultUnstructuredConverter) would
// skip the JSON text, but it caches field names by copying its whole cache
// for each new struct field: in one run over a few hundred objects of many
// kinds, building that cache costs more than writing and reading the JSON.
func decodeTyped(s *runtime.Scheme, gvk schema.GroupVersionKind, raw []byte) Result {
	obj, err := s.New(gvk)
	if err != nil {
		return Result{Errors: []string{err.Error()}}
	}
	strictErrs, err := kjson.UnmarshalStrict(raw, obj)
	var typeErrs []string
	if err != nil {
		// A type error: name every one, and decode the rest so that
		// the object's other rules still run on what could be read.
		cleaned, errs, ok := dropTypeErrors(raw, reflect.TypeOf(obj))
		if !ok || len(errs) == 0 {
			return Result{Errors: []string{cleanDecodeError(err)}}
		}
		if obj, err = s.New(gvk); err != nil {
			return Result{Errors: []string{err.Error()}}
		}
		if strictErrs, err = kjson.UnmarshalStrict(cleaned, obj); err != nil {
			return Result{Errors: append(errs, cleanDecodeError(err))}
		}
		typeErrs = errs
	}
	res := Result{Typed: obj, Errors: typeErrs}
	for _, e := range strictErrs {
		res.Errors = append(res.Errors, e.Error())
	}
	sort.Strings(res.Errors)
	return res
}

// cleanDecodeError shortens encoding/json's type errors, which name the Go
// struct, to the field path people write.
func cleanDecodeError(err error) string {
	msg := err.Error()
	// e.g. `json: cannot unmarshal string into Go struct field
	// Container.spec.template.spec.containers.ports of type int32`
	const marker = "into Go struct field "
	if i := strings.Index(msg, marker); i >= 0 {
		rest := msg[i+len(marker):]
		if dot := strings.Index(rest, "."); dot >= 0 {
			rest = rest[dot+1:]
		}
		what := strings.TrimPrefix(msg[:i], "json: ")
		what = strings.TrimPrefix(what, "cannot unmarshal ")
		return fmt.Sprintf("field %s: cannot decode %s", strings.Replace(rest, " of type ", ": want ", 1), strings.TrimSpace(what))
	}
	return msg
}
