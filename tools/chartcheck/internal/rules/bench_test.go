package rules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/check"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// BenchmarkCheck_Releases checks a cluster of n releases of a service
// (Deployment, Service, HPA, PDB each) with every rule: the time per op
// should grow about tenfold from 100 to 1,000, as the cluster does.
func BenchmarkCheck_Releases(b *testing.B) {
	for _, n := range []int{100, 1000} {
		var y strings.Builder
		for i := range n {
			fmt.Fprintf(&y, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-%[1]d, namespace: ns-%[1]d}
spec:
  selector: {matchLabels: {app: web-%[1]d}}
  template:
    metadata: {labels: {app: web-%[1]d}}
    spec:
      containers:
        - name: web
          image: example.com/web:1.0.0
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web-%[1]d, namespace: ns-%[1]d}
spec:
  selector: {app: web-%[1]d}
  ports: [{name: http, port: 80}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web-%[1]d, namespace: ns-%[1]d}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-%[1]d}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-%[1]d, namespace: ns-%[1]d}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web-%[1]d}}
`, i)
		}
		objs, err := manifest.Parse([]byte(y.String()), manifest.Source{File: "releases.yaml"})
		require.NoError(b, err)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				check.Run(check.Input{Cluster: "bench", Objects: objs})
			}
		})
	}
}
