//go:build e2e

package e2e

import "strings"

// visitorsLeftOut are the Kustomize patches that leave visitors and what it
// needs out of a served clone, until the e2e has a node to run them on:
//   - sealed-secrets, whose chart comes from a remote Helm repository;
//   - visitors, whose PreSync migration Job needs a Pod that runs, and
//     minikube's postgresql, a StatefulSet, for the same reason;
//   - shout and minikube's redis, ports and minikube's jaeger, and users,
//     whose Applications and projects the served clone does not yet follow.
//
// kustomization is the cluster's kustomization.yaml: only the Applications
// it holds are left out.
func visitorsLeftOut(kustomization string) (patches []any, names []string) {
	names = []string{"sealed-secrets", "visitors"}
	if strings.Contains(kustomization, "postgresql/application.yaml") {
		names = append(names, "postgresql")
	}
	// shout and minikube's redis: not followed to the served clone yet, so
	// they are left out rather than left pointing at GitHub.
	names = append(names, "shout")
	if strings.Contains(kustomization, "redis/application.yaml") {
		names = append(names, "redis")
	}
	names = append(names, "ports")
	if strings.Contains(kustomization, "jaeger/application.yaml") {
		names = append(names, "jaeger")
	}
	names = append(names, "users")
	for _, n := range names {
		patches = append(patches, map[string]any{
			"patch": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + n + "\n  namespace: argocd\n$patch: delete\n",
		})
	}
	return patches, names
}
