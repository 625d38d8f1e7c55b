package diff

import (
	gitopsdiff "github.com/argoproj/gitops-engine/pkg/diff"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// maskSecrets hides the values of Secrets the way Argo CD's own diff does
// (stringData folded into data, each value replaced by "+" characters, a
// different count where the two revisions differ), so a pull request
// comment shows that a key changed without showing its value.
func maskSecrets(base, head *unstructured.Unstructured) (*unstructured.Unstructured, *unstructured.Unstructured, error) {
	if !isSecret(base) && !isSecret(head) {
		return base, head, nil
	}
	return gitopsdiff.HideSecretData(base, head, nil)
}

func isSecret(o *unstructured.Unstructured) bool {
	if o == nil {
		return false
	}
	gvk := o.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Secret"
}
