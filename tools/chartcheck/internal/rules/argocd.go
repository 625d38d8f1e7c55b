package rules

import (
	"strconv"

	argov1alpha1 "github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// SyncWaveAnnotation orders what Argo CD applies within one sync.
const SyncWaveAnnotation = "argocd.argoproj.io/sync-wave"

// inCluster is the name and address Argo CD gives the cluster it runs in.
const (
	inClusterName   = "in-cluster"
	inClusterServer = "https://kubernetes.default.svc"
)

func init() {
	register("argocd-project-missing", checkArgocdProjectMissing)
	register("argocd-project-denies-source", checkArgocdProjectDeniesSource)
	register("argocd-project-denies-destination", checkArgocdProjectDeniesDestination)
	register("argocd-sync-wave-order", checkArgocdSyncWaveOrder)
}

func checkArgocdProjectMissing(c *Cluster) {
	projects := c.appProjects()
	for _, a := range c.applications() {
		name := projectName(a.app)
		if _, ok := projects[name]; !ok && name != "default" {
			c.report(a.obj, "spec.project", "project %q is not defined in the cluster", name)
		}
	}
}

func checkArgocdProjectDeniesSource(c *Cluster) {
	projects := c.appProjects()
	for _, a := range c.applications() {
		proj, ok := projects[projectName(a.app)]
		if !ok {
			continue
		}
		for i, src := range a.app.Spec.GetSources() {
			if !proj.IsSourcePermitted(src) {
				c.report(a.obj, sourcePath(a.app, i)+".repoURL", "project %q does not allow source repository %q", proj.Name, src.RepoURL)
			}
		}
	}
}

func checkArgocdProjectDeniesDestination(c *Cluster) {
	projects := c.appProjects()
	for _, a := range c.applications() {
		proj, ok := projects[projectName(a.app)]
		if !ok {
			continue
		}
		dst := a.app.Spec.Destination
		// Argo CD resolves the in-cluster name and address to each
		// other before it checks the project.
		if dst.Server == "" && dst.Name == inClusterName {
			dst.Server = inClusterServer
		}
		if dst.Name == "" && dst.Server == inClusterServer {
			dst.Name = inClusterName
		}
		ok, err := proj.IsDestinationPermitted(dst, func(string) ([]*argov1alpha1.Cluster, error) { return nil, nil })
		if err == nil && !ok {
			c.report(a.obj, "spec.destination", "project %q does not allow destination server %q name %q namespace %q", proj.Name, a.app.Spec.Destination.Server, a.app.Spec.Destination.Name, dst.Namespace)
		}
	}
}

func checkArgocdSyncWaveOrder(c *Cluster) {
	type key struct{ app, what string }
	waves := map[key]int{}
	valid := map[*Object]int{}
	for _, o := range c.Objects {
		v, ok := o.Object.Object.GetAnnotations()[SyncWaveAnnotation]
		w := 0
		if ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				c.report(o, "metadata.annotations."+SyncWaveAnnotation, "sync wave %q is not an integer", v)
				continue
			}
			w = n
		}
		valid[o] = w
		u := o.Object.Object
		switch {
		case u.GetKind() == "Namespace" && u.GroupVersionKind().Group == "":
			waves[key{o.Source.Application, "ns/" + u.GetName()}] = w
		case u.GetKind() == "AppProject" && u.GroupVersionKind().Group == "argoproj.io":
			waves[key{o.Source.Application, "project/" + u.GetName()}] = w
		}
		if crd, ok := o.Typed.(*apiextensionsv1.CustomResourceDefinition); ok {
			waves[key{o.Source.Application, "crd/" + crd.Spec.Group + "/" + crd.Spec.Names.Kind}] = w
		}
	}
	for _, o := range c.Objects {
		w, ok := valid[o]
		if !ok {
			continue
		}
		u := o.Object.Object
		app := o.Source.Application
		if ns := u.GetNamespace(); ns != "" {
			if nw, ok := waves[key{app, "ns/" + ns}]; ok && nw > w {
				c.report(o, "metadata.annotations."+SyncWaveAnnotation, "sync wave %d comes before wave %d of its Namespace %s", w, nw, ns)
			}
		}
		gvk := u.GroupVersionKind()
		if cw, ok := waves[key{app, "crd/" + gvk.Group + "/" + gvk.Kind}]; ok && cw > w {
			c.report(o, "metadata.annotations."+SyncWaveAnnotation, "sync wave %d comes before wave %d of the CustomResourceDefinition of %s", w, cw, gvk.Kind)
		}
		if a, ok := o.Typed.(*argov1alpha1.Application); ok {
			if pw, ok := waves[key{app, "project/" + projectName(a)}]; ok && pw > w {
				c.report(o, "metadata.annotations."+SyncWaveAnnotation, "sync wave %d comes before wave %d of its AppProject %s", w, pw, projectName(a))
			}
		}
	}
}

type application struct {
	obj *Object
	app *argov1alpha1.Application
}

func (c *Cluster) applications() []application {
	var out []application
	for _, o := range c.ofKind("argoproj.io", "Application") {
		if a, ok := o.Typed.(*argov1alpha1.Application); ok {
			out = append(out, application{o, a})
		}
	}
	return out
}

func (c *Cluster) appProjects() map[string]*argov1alpha1.AppProject {
	out := map[string]*argov1alpha1.AppProject{}
	for _, o := range c.ofKind("argoproj.io", "AppProject") {
		if p, ok := o.Typed.(*argov1alpha1.AppProject); ok {
			out[p.Name] = p
		}
	}
	return out
}

func projectName(a *argov1alpha1.Application) string {
	if a.Spec.Project == "" {
		return "default"
	}
	return a.Spec.Project
}

func sourcePath(a *argov1alpha1.Application, i int) string {
	if a.Spec.HasMultipleSources() {
		return "spec.sources[" + strconv.Itoa(i) + "]"
	}
	return "spec.source"
}
