// Package manifest is the data chartcheck passes from its renderer to its
// checks and outputs: rendered Kubernetes objects, each with where it came from.
package manifest

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Source says where a rendered object came from, so a finding can point a
// person at the file and line to change.
type Source struct {
	// Cluster is the cluster folder name, e.g. "prod"; empty for plain
	// manifests given on the command line.
	Cluster string `json:"cluster,omitempty"`
	// Application is the Argo CD Application that rendered the object; empty
	// for objects built directly from the cluster folder.
	Application string `json:"application,omitempty"`
	// File is the repository-relative path of the template or manifest file
	// (for Helm, the chart template named by its "# Source:" comment).
	File string `json:"file,omitempty"`
	// Line is the 1-based line in File where the object starts; 0 if unknown.
	Line int `json:"line,omitempty"`
	// Namespace is the destination namespace of the Application: Argo CD
	// applies namespaced objects that name no namespace there.
	Namespace string `json:"namespace,omitempty"`
}

// String renders the source as "file:line", or "file" when the line is unknown.
func (s Source) String() string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}

// Object is one rendered Kubernetes object and its source.
type Object struct {
	Source Source
	Object *unstructured.Unstructured
}

// ID names an object uniquely within a cluster: group/kind/namespace/name.
func (o Object) ID() string {
	gvk := o.Object.GroupVersionKind()
	return fmt.Sprintf("%s/%s/%s/%s", gvk.Group, gvk.Kind, o.Object.GetNamespace(), o.Object.GetName())
}

// Ref is the short human form used in messages: Kind/namespace/name or Kind/name.
func (o Object) Ref() string {
	if ns := o.Object.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s/%s/%s", o.Object.GetKind(), ns, o.Object.GetName())
	}
	return fmt.Sprintf("%s/%s", o.Object.GetKind(), o.Object.GetName())
}
