package manifest

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

func unstructuredInt(o Object, fields ...string) (int64, bool, error) {
	return unstructured.NestedInt64(o.Object.Object, fields...)
}
