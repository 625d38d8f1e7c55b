package schema

import (
	"fmt"
	"sync"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
)

// crdSchema validates custom resources as the API server would: the
// OpenAPI validation, then pruning to find fields the schema does not know.
type crdSchema struct {
	crd        manifest.Object
	version    string
	validation *apiextensionsv1.CustomResourceValidation

	once       sync.Once
	err        error
	validator  validation.SchemaValidator
	structural *structuralschema.Structural
}

func (c *crdSchema) build() {
	c.validator, c.structural, c.err = newCRDSchema(c.validation)
}

func newCRDSchema(v *apiextensionsv1.CustomResourceValidation) (validation.SchemaValidator, *structuralschema.Structural, error) {
	if v == nil || v.OpenAPIV3Schema == nil {
		// A CRD version without a schema accepts anything.
		return nil, nil, nil
	}
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.OpenAPIV3Schema, internal, nil); err != nil {
		return nil, nil, fmt.Errorf("converting schema: %w", err)
	}
	val, _, err := validation.NewSchemaValidator(internal)
	if err != nil {
		return nil, nil, fmt.Errorf("building validator: %w", err)
	}
	st, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, nil, fmt.Errorf("schema is not structural: %w", err)
	}
	return val, st, nil
}

// validate builds the validator on first use and checks obj with it.
func (c *crdSchema) validate(obj map[string]any) ([]string, error) {
	c.once.Do(c.build)
	if c.err != nil {
		return nil, c.err
	}
	if c.validator == nil {
		return nil, nil
	}
	var out []string
	for _, e := range validation.ValidateCustomResource(nil, obj, c.validator) {
		out = append(out, e.Error())
	}
	// Pruning mutates: work on a copy.
	cp := runtime.DeepCopyJSON(obj)
	opts := structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}
	for _, p := range pruning.PruneWithOptions(cp, c.structural, true, opts) {
		out = append(out, fmt.Sprintf("unknown field %q", p))
	}
	return out, nil
}
