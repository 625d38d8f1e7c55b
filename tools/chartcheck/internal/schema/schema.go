// Package schema decodes rendered objects strictly into their Go types, or
// validates them against the schema of a CRD rendered in the same cluster.
package schema

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	argov1alpha1 "github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// Result is what the schema layer made of one object.
type Result struct {
	// Typed is the decoded object; nil when the kind is unknown, only a
	// CRD describes it, or decoding failed.
	Typed runtime.Object
	// Errors name the field at fault.
	Errors []string
	// Unchecked is true when neither a Go type nor a CRD describes the kind.
	Unchecked bool
}

var (
	decoderOnce sync.Once
	strict      runtime.Decoder
	typer       *runtime.Scheme
)

// decoder builds the scheme on first use: registering Argo CD's and the
// Prometheus Operator's types costs time that `chartcheck rules` should
// not pay.
func decoder() (runtime.Decoder, *runtime.Scheme) {
	decoderOnce.Do(func() {
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
		typer = s
		strict = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, s, s, kjson.SerializerOptions{Strict: true})
	})
	return strict, typer
}

// Validator validates the objects of one cluster.
type Validator struct {
	crds map[schema.GroupVersionKind]*crdSchema
	// crdErrors are problems with the rendered CRDs themselves, keyed by
	// the CRD's ID; they surface on the CRD object.
	crdErrors map[string][]string
}

// New prepares a validator for a cluster: it reads the schemas of every
// CustomResourceDefinition among objs.
func New(objs []manifest.Object) *Validator {
	v := &Validator{crds: map[schema.GroupVersionKind]*crdSchema{}, crdErrors: map[string][]string{}}
	for _, o := range objs {
		gvk := o.Object.GroupVersionKind()
		if gvk.Group != apiextensionsv1.GroupName || gvk.Kind != "CustomResourceDefinition" {
			continue
		}
		res := v.decodeTyped(o)
		crd, ok := res.Typed.(*apiextensionsv1.CustomResourceDefinition)
		if !ok {
			continue
		}
		for _, ver := range crd.Spec.Versions {
			key := schema.GroupVersionKind{Group: crd.Spec.Group, Version: ver.Name, Kind: crd.Spec.Names.Kind}
			s, err := newCRDSchema(ver.Schema)
			if err != nil {
				v.crdErrors[o.ID()] = append(v.crdErrors[o.ID()], fmt.Sprintf("spec.versions[%s].schema: %v", ver.Name, err))
				continue
			}
			v.crds[key] = s
		}
	}
	return v
}

// Validate decodes one object strictly, or checks it against its CRD.
func (v *Validator) Validate(o manifest.Object) Result {
	gvk := o.Object.GroupVersionKind()
	_, s := decoder()
	c, hasCRD := v.crds[gvk]
	switch {
	case hasCRD && s.Recognizes(gvk):
		// The CRD rendered with the cluster is what its API server
		// enforces, and may be newer than the Go types: its schema decides
		// validity; the Go type still serves the rules.
		res := v.decodeTyped(o)
		res.Errors = c.validate(o.Object.UnstructuredContent())
		return res
	case s.Recognizes(gvk):
		res := v.decodeTyped(o)
		res.Errors = append(res.Errors, v.crdErrors[o.ID()]...)
		return res
	case hasCRD:
		return Result{Errors: c.validate(o.Object.UnstructuredContent())}
	}
	return Result{Unchecked: true}
}

func (v *Validator) decodeTyped(o manifest.Object) Result {
	dec, _ := decoder()
	raw, err := json.Marshal(o.Object.Object)
	if err != nil {
		return Result{Errors: []string{fmt.Sprintf("encoding object: %v", err)}}
	}
	obj, _, err := dec.Decode(raw, nil, nil)
	var res Result
	if err != nil {
		if strictErr, ok := runtime.AsStrictDecodingError(err); ok && obj != nil {
			res.Typed = obj
			for _, e := range strictErr.Errors() {
				res.Errors = append(res.Errors, e.Error())
			}
			sort.Strings(res.Errors)
			return res
		}
		return Result{Errors: []string{cleanDecodeError(err)}}
	}
	res.Typed = obj
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
