package check_test

import (
	"testing"

	"github.com/doc-search/gitops/tools/chartcheck/internal/check"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// FuzzCheck_Manifests feeds arbitrary YAML through the intake and every
// check: whatever parses must be checked without a panic, and every finding
// must point at the input file. Seeds: testdata/fuzz/FuzzCheck_Manifests.
func FuzzCheck_Manifests(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := manifest.Parse(data, manifest.Source{File: "fuzz.yaml"})
		if err != nil {
			return
		}
		for _, prod := range []bool{false, true} {
			for _, fd := range check.Run(check.Input{Cluster: "fuzz", Prod: prod, Objects: objs}) {
				if fd.Rule == "" || fd.Message == "" {
					t.Fatalf("finding without rule or message: %+v", fd)
				}
				if fd.Source.File != "fuzz.yaml" {
					t.Fatalf("finding points at %q: %+v", fd.Source.File, fd)
				}
			}
		}
	})
}
