package check_test

import (
	"testing"

	"github.com/doc-search/gitops/tools/chartcheck/internal/check"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// FuzzCheck_Manifests feeds arbitrary YAML through the intake and every
// check: whatever parses must be checked without a panic, and every finding
// must point at the input file. Seeds: testdata/fuzz/FuzzCheck_Manifests.
//
// Run it with a short -fuzzminimizetime (make fuzz uses 5s). The seeds are
// whole manifests of a few kilobytes, and go's minimizer tries removing
// every run of bytes from each new input, each removal a full check: at the
// default budget of a minute per new input, the first one found stops all
// other executions for that minute, which reads as a stalled fuzzer. The
// target itself starts no process, and the goroutines of the schema layer
// end with each call.
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
