package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
)

// FieldManager names this test as the owner of what it applies.
const FieldManager = "docsearch-e2e"

// ApplyOptions chooses how objects are applied.
type ApplyOptions struct {
	// Namespace is used for namespaced objects that name none.
	Namespace string
	// DryRun asks the API server to validate and admit without persisting.
	DryRun bool
}

// DecodeYAML splits a multi-document YAML stream into objects, skipping
// empty documents.
func DecodeYAML(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		objs = append(objs, obj)
	}
}

// Apply server-side applies each object with strict field validation, so an
// unknown or duplicated field is an error rather than silently dropped. The
// REST mapping is discovered afresh on each call, so CRDs applied by an
// earlier call are known.
func (s *Stack) Apply(ctx context.Context, objs []*unstructured.Unstructured, opts ApplyOptions) error {
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(s.Kube.Discovery()))
	var errs []error
	for _, obj := range objs {
		if err := s.applyOne(ctx, mapper, obj, opts); err != nil {
			errs = append(errs, fmt.Errorf("%s %s/%s: %w", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

func (s *Stack) applyOne(ctx context.Context, mapper meta.RESTMapper, obj *unstructured.Unstructured, opts ApplyOptions) error {
	gvk := obj.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("mapping %s: %w", gvk, err)
	}
	client := s.Dynamic.Resource(mapping.Resource)
	var ri interface {
		Patch(ctx context.Context, name string, pt types.PatchType, data []byte, options metav1.PatchOptions, subresources ...string) (*unstructured.Unstructured, error)
	} = client
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := obj.GetNamespace()
		if ns == "" {
			ns = opts.Namespace
		}
		if ns == "" {
			ns = "default"
		}
		obj = obj.DeepCopy()
		obj.SetNamespace(ns)
		ri = client.Namespace(ns)
	}
	data, err := obj.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	po := metav1.PatchOptions{FieldManager: FieldManager, Force: ptrTo(true), FieldValidation: "Strict"}
	if opts.DryRun {
		po.DryRun = []string{metav1.DryRunAll}
	}
	_, err = ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, po)
	return err
}

func ptrTo[T any](v T) *T { return &v }
