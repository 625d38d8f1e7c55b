package check_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/check"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

func load(t *testing.T, name string) []manifest.Object {
	t.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	objs, err := manifest.Parse(data, manifest.Source{File: path})
	require.NoError(t, err)
	return objs
}

// summarize turns findings into "rule object severity" lines.
func summarize(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s", f.Rule, f.Object, f.Severity))
	}
	return out
}

func TestRun_AnnotationSuppressions(t *testing.T) {
	objs := load(t, "suppressions.yaml")
	settings := ruleconfig.Settings{Disable: []string{"pod-security-restricted", "container-root-filesystem-writable", "resources-ephemeral-storage-missing"}}
	got := summarize(check.Run(check.Input{Objects: objs, Settings: settings}))
	assert.ElementsMatch(t, []string{
		// lazy: suppressed, but without a reason.
		"suppression-no-reason Deployment/app/lazy error",
		// stale: the image is pinned now, and one rule ID is misspelled.
		"suppression-unused Deployment/app/stale warning",
		"suppression-unused Deployment/app/stale warning",
		// vendor-exporter has no annotation: its missing CPU request shows.
		"resources-requests-missing Deployment/monitoring/vendor-exporter error",
	}, got)
}

func TestRun_ConfigSettingsAndIgnores(t *testing.T) {
	root, err := ruleconfig.LoadRoot(filepath.Join("testdata", "settings.yaml"))
	require.NoError(t, err)
	objs := load(t, "suppressions.yaml")
	fs := check.Run(check.Input{Objects: objs, Settings: root})
	got := summarize(fs)
	assert.ElementsMatch(t, []string{
		"suppression-no-reason Deployment/app/lazy error",
		"suppression-unused Deployment/app/stale warning",
		"suppression-unused Deployment/app/stale warning",
		// The ignore entry without a selector gives no reason...
		"suppression-no-reason chartcheck.yaml error",
		// ...and neither it nor the one naming no real object matches.
		"suppression-unused chartcheck.yaml warning",
		"suppression-unused chartcheck.yaml warning",
	}, got)
	for _, f := range fs {
		if f.Object == "chartcheck.yaml" {
			assert.Equal(t, filepath.Join("testdata", "settings.yaml"), f.Source.File)
			assert.Positive(t, f.Source.Line)
		}
	}
}

func TestRun_SeverityOverride(t *testing.T) {
	objs := load(t, "suppressions.yaml")
	settings := ruleconfig.Settings{
		Disable:  []string{"pod-security-restricted", "resources-requests-missing", "container-root-filesystem-writable", "resources-ephemeral-storage-missing"},
		Severity: map[string]rules.Severity{"probe-readiness-missing": rules.Info},
	}
	// Strip the annotations so the readiness findings show.
	for _, o := range objs {
		o.Object.SetAnnotations(nil)
	}
	fs := check.Run(check.Input{Objects: objs, Settings: settings})
	require.Len(t, fs, 2)
	for _, f := range fs {
		assert.Equal(t, "probe-readiness-missing", f.Rule)
		assert.Equal(t, rules.Info, f.Severity)
	}
}

func TestRun_EnableOffByDefaultRule(t *testing.T) {
	objs := load(t, "suppressions.yaml")
	off := check.Run(check.Input{Objects: objs})
	on := check.Run(check.Input{Objects: objs, Settings: ruleconfig.Settings{Enable: []string{"resources-cpu-limit-missing"}}})
	count := func(fs []rules.Finding) int {
		n := 0
		for _, f := range fs {
			if f.Rule == "resources-cpu-limit-missing" {
				n++
			}
		}
		return n
	}
	assert.Zero(t, count(off))
	// lazy's annotation suppresses its own; the other three report.
	assert.Equal(t, 3, count(on))
}

// An object with a type error is still read by the other rules: the
// Service selecting it is not reported as selecting nothing.
func TestRun_TypeErrorKeepsTheObjectForOtherRules(t *testing.T) {
	doc := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec:
  replicas: "2"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: example.com/web:1.0.0}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
`
	objs, err := manifest.Parse([]byte(doc), manifest.Source{File: "test.yaml"})
	require.NoError(t, err)
	var on []string
	for _, r := range rules.All() {
		if r.ID != "schema-invalid" && r.ID != "service-selects-nothing" {
			on = append(on, r.ID)
		}
	}
	got := summarize(check.Run(check.Input{Objects: objs, Settings: ruleconfig.Settings{Disable: on}}))
	assert.Equal(t, []string{"schema-invalid Deployment/app/web error"}, got)
}
