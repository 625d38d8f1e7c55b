package rules

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

func init() {
	register("rbac-cluster-admin-binding", checkRbacClusterAdminBinding)
	register("rbac-wildcard", checkRbacWildcard)
	register("rbac-secrets-cluster-wide", checkRbacSecretsClusterWide)
	register("rbac-privilege-escalation", checkRbacPrivilegeEscalation)
}

// rbacOperators are the controllers whose charts need wide RBAC to do
// their job, by their roles' app.kubernetes.io/name label, with why: the
// usual suppressions, so rbac-wildcard, rbac-secrets-cluster-wide and
// rbac-privilege-escalation speak of the roles nobody expects to be wide.
// A binding to cluster-admin is reported for them too.
var rbacOperators = map[string]string{
	"argocd-application-controller":             "applies every kind Argo CD syncs, in every namespace",
	"argocd-server":                             "shows, diffs and deletes the resources of every Application",
	"argocd-notifications-controller":           "reads the Secrets its notification services name",
	"argo-rollouts":                             "reads the Secrets of analysis providers and manages traffic routers",
	"argo-workflows-server":                     "reads workflow artifacts' Secrets in the namespaces it manages",
	"argo-workflows-workflow-controller":        "runs workflows' pods with their Secrets in the namespaces it manages",
	"ingress-nginx":                             "reads the TLS Secrets that Ingresses of any namespace name",
	"kube-state-metrics":                        "exports metrics about every object, Secrets included",
	"grafana":                                   "its sidecar loads dashboards and datasources from labelled Secrets",
	"kube-prometheus-stack-prometheus-operator": "writes Prometheus and Alertmanager configuration Secrets",
	"prometheus-operator":                       "writes Prometheus and Alertmanager configuration Secrets",
	"cert-manager":                              "writes certificates into Secrets of any namespace",
	"external-secrets":                          "writes Secrets from external stores into any namespace",
	"sealed-secrets":                            "writes the Secrets it unseals into any namespace",
}

// operatorRole reports whether the role belongs to a known operator.
func operatorRole(o *Object) bool {
	_, ok := rbacOperators[o.Object.Object.GetLabels()["app.kubernetes.io/name"]]
	return ok
}

// roleRules is one Role or ClusterRole with its rules.
type roleRules struct {
	obj     *Object
	cluster bool
	rules   []rbacv1.PolicyRule
}

// roles returns the Roles and ClusterRoles, but those of known operators.
func (c *Cluster) roles() []roleRules {
	return memoized(c, "roles", func() []roleRules {
		var out []roleRules
		for _, o := range c.Objects {
			switch t := o.Typed.(type) {
			case *rbacv1.ClusterRole:
				if !operatorRole(o) {
					out = append(out, roleRules{o, true, t.Rules})
				}
			case *rbacv1.Role:
				if !operatorRole(o) {
					out = append(out, roleRules{o, false, t.Rules})
				}
			}
		}
		return out
	})
}

func checkRbacClusterAdminBinding(c *Cluster) {
	for _, o := range c.Objects {
		var ref rbacv1.RoleRef
		switch t := o.Typed.(type) {
		case *rbacv1.ClusterRoleBinding:
			ref = t.RoleRef
		case *rbacv1.RoleBinding:
			ref = t.RoleRef
		default:
			continue
		}
		if ref.Kind == "ClusterRole" && ref.Name == "cluster-admin" {
			c.report(o, "roleRef", "binds the cluster-admin ClusterRole: its subjects can do anything %s", bindingScope(o))
		}
	}
}

func bindingScope(o *Object) string {
	if o.Object.Object.GetKind() == "RoleBinding" {
		return "in namespace " + o.Object.Object.GetNamespace()
	}
	return "in every namespace"
}

func checkRbacWildcard(c *Cluster) {
	for _, r := range c.roles() {
		for i, pr := range r.rules {
			switch {
			case slices.Contains(pr.Verbs, "*"):
				c.report(r.obj, fmt.Sprintf("rules[%d].verbs", i), "rule grants every verb (*) on %s", describeResources(pr))
			case slices.Contains(pr.Resources, "*"):
				c.report(r.obj, fmt.Sprintf("rules[%d].resources", i), "rule grants %s on every resource (*) of API groups %s", strings.Join(pr.Verbs, ", "), describeGroups(pr))
			}
		}
	}
}

func describeResources(pr rbacv1.PolicyRule) string {
	if len(pr.NonResourceURLs) > 0 {
		return "URLs " + strings.Join(pr.NonResourceURLs, ", ")
	}
	return strings.Join(pr.Resources, ", ") + " of API groups " + describeGroups(pr)
}

func describeGroups(pr rbacv1.PolicyRule) string {
	gs := make([]string, len(pr.APIGroups))
	for i, g := range pr.APIGroups {
		if g == "" {
			g = `""`
		}
		gs[i] = g
	}
	return strings.Join(gs, ", ")
}

// readsSecrets reports whether the rule lets its subjects read Secrets.
func readsSecrets(pr rbacv1.PolicyRule) bool {
	group := slices.Contains(pr.APIGroups, "") || slices.Contains(pr.APIGroups, "*")
	res := slices.Contains(pr.Resources, "secrets") || slices.Contains(pr.Resources, "*")
	read := slices.ContainsFunc(pr.Verbs, func(v string) bool { return v == "get" || v == "list" || v == "watch" || v == "*" })
	return group && res && read && len(pr.ResourceNames) == 0
}

func checkRbacSecretsClusterWide(c *Cluster) {
	bound := map[string][]*Object{} // ClusterRole name -> ClusterRoleBindings
	for _, o := range c.Objects {
		if b, ok := o.Typed.(*rbacv1.ClusterRoleBinding); ok && b.RoleRef.Kind == "ClusterRole" {
			bound[b.RoleRef.Name] = append(bound[b.RoleRef.Name], o)
		}
	}
	for _, r := range c.roles() {
		if !r.cluster {
			continue
		}
		name := r.obj.Object.Object.GetName()
		if len(bound[name]) == 0 {
			continue
		}
		for i, pr := range r.rules {
			if readsSecrets(pr) {
				c.report(r.obj, fmt.Sprintf("rules[%d]", i), "grants reading Secrets in every namespace (bound by %s): every credential of the cluster", bound[name][0].Ref())
				break
			}
		}
	}
}

// escalationVerbs let a subject gain permissions it was not given.
var escalationVerbs = []string{"escalate", "bind", "impersonate"}

func checkRbacPrivilegeEscalation(c *Cluster) {
	for _, r := range c.roles() {
		for i, pr := range r.rules {
			var found []string
			for _, v := range escalationVerbs {
				if slices.Contains(pr.Verbs, v) {
					found = append(found, v)
				}
			}
			if len(found) > 0 {
				c.report(r.obj, fmt.Sprintf("rules[%d].verbs", i), "rule grants %s on %s: its subjects can give themselves permissions they do not have", strings.Join(found, ", "), describeResources(pr))
			}
		}
	}
}
