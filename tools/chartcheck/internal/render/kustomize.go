package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// kustomizationNames are the file names Kustomize accepts, in its order.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// kustomizationFile names the kustomization file in dir, or "" if none.
func kustomizationFile(dir string) string {
	for _, n := range kustomizationNames {
		if fi, err := os.Stat(filepath.Join(dir, n)); err == nil && !fi.IsDir() {
			return n
		}
	}
	return ""
}

const originAnnotation = "config.kubernetes.io/origin"

// kustomize builds dir in-process with the options `kustomize build`
// uses by default (which is how Argo CD runs it). opts are the
// Application's spec.source.kustomize edits: Argo CD applies them with
// `kustomize edit` on the checked-out kustomization file; here they are
// applied to an in-memory copy, so the working tree is never written.
func (r *renderer) kustomize(dir string, opts *v1alpha1.ApplicationSourceKustomize, base manifest.Source, env *v1alpha1.Env) ([]manifest.Object, error) {
	name := kustomizationFile(dir)
	if name == "" {
		return nil, fmt.Errorf("%s: no kustomization file", r.rel(dir))
	}
	fs := &editFS{FileSystem: filesys.MakeFsOnDisk(), root: filepath.Join(dir, name)}
	if opts != nil {
		fs.edit = func(k map[string]any) error { return applyKustomizeEdits(k, opts, env) }
	}
	ko := krusty.MakeDefaultOptions()
	ko.Reorder = krusty.ReorderOptionUnspecified
	resMap, err := krusty.MakeKustomizer(ko).Run(fs, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", r.rel(dir), err)
	}
	var out []manifest.Object
	for _, res := range resMap.Resources() {
		file := r.rel(filepath.Join(dir, name))
		annos := res.GetAnnotations()
		if o, ok := annos[originAnnotation]; ok && !fs.userOrigin {
			file = r.originFile(dir, o, file)
			delete(annos, originAnnotation)
			if err := res.SetAnnotations(annos); err != nil {
				return nil, err
			}
		}
		data, err := res.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", r.rel(dir), err)
		}
		src := base
		src.File = file
		objs, err := manifest.Parse(data, src)
		if err != nil {
			return nil, err
		}
		for i := range objs {
			objs[i].Source.Line = r.lineOf(file, objs[i])
		}
		out = append(out, objs...)
	}
	return out, nil
}

// originFile turns Kustomize's origin annotation into a repository path:
// the resource file, or for generated objects the kustomization file that
// configured the generator.
func (r *renderer) originFile(dir, anno, fallback string) string {
	var o struct {
		Path         string `json:"path"`
		Repo         string `json:"repo"`
		ConfiguredIn string `json:"configuredIn"`
	}
	if err := yaml.Unmarshal([]byte(anno), &o); err != nil || o.Repo != "" {
		return fallback
	}
	p := o.Path
	if p == "" {
		p = o.ConfiguredIn
	}
	if p == "" {
		return fallback
	}
	abs := filepath.Join(dir, p)
	if !within(abs, r.opts.RepoRoot) {
		return fallback
	}
	return r.rel(abs)
}

// lineOf finds where obj starts in its source file: the object there of the
// same kind whose name the rendered name contains (Kustomize may add a
// prefix or suffix). 0 when not found.
func (r *renderer) lineOf(file string, obj manifest.Object) int {
	path := filepath.Join(r.opts.RepoRoot, file)
	name := obj.Object.GetName()
	if l, ok := r.files.line(path, obj.Object.GetKind(), name); ok {
		return l
	}
	objs := r.files.objects(path)
	best, bestLen := 0, -1
	for _, o := range objs {
		if o.Object.GetKind() != obj.Object.GetKind() {
			continue
		}
		n := o.Object.GetName()
		if n == name {
			return o.Source.Line
		}
		if strings.Contains(name, n) && len(n) > bestLen {
			best, bestLen = o.Source.Line, len(n)
		}
	}
	return best
}

// editFS is the disk, except that kustomization files read through it ask
// for origin annotations (so every object names its file) and the root one
// carries the Application's edits.
type editFS struct {
	filesys.FileSystem
	root string
	edit func(map[string]any) error
	// userOrigin is set when a kustomization already asks for origin
	// annotations: they are then part of the output and kept.
	userOrigin bool
}

func (f *editFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil || !isKustomizationName(filepath.Base(path)) {
		return data, err
	}
	k := map[string]any{}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return data, nil // let Kustomize report the error with its own words
	}
	if k == nil {
		k = map[string]any{}
	}
	if filepath.Clean(path) == filepath.Clean(f.root) && f.edit != nil {
		if err := f.edit(k); err != nil {
			return nil, fmt.Errorf("applying spec.source.kustomize to %s: %w", path, err)
		}
	}
	meta, _ := k["buildMetadata"].([]any)
	for _, m := range meta {
		if m == types.OriginAnnotations {
			f.userOrigin = true
		}
	}
	if !f.userOrigin {
		k["buildMetadata"] = append(meta, types.OriginAnnotations)
	}
	return yaml.Marshal(k)
}

func isKustomizationName(n string) bool {
	for _, k := range kustomizationNames {
		if n == k {
			return true
		}
	}
	return false
}

// applyKustomizeEdits does to a kustomization what Argo CD's `kustomize
// edit` calls do (util/kustomize in Argo CD), in the same order.
func applyKustomizeEdits(k map[string]any, o *v1alpha1.ApplicationSourceKustomize, env *v1alpha1.Env) error {
	if o.NamePrefix != "" {
		k["namePrefix"] = o.NamePrefix
	}
	if o.NameSuffix != "" {
		k["nameSuffix"] = o.NameSuffix
	}
	if len(o.Images) > 0 {
		if err := setImages(k, o.Images, env); err != nil {
			return err
		}
	}
	if len(o.Replicas) > 0 {
		list, _ := k["replicas"].([]any)
		for _, rep := range o.Replicas {
			count, err := rep.GetIntCount()
			if err != nil {
				return fmt.Errorf("replicas %s: %w", rep.Name, err)
			}
			replaced := false
			for i, e := range list {
				if m, ok := e.(map[string]any); ok && m["name"] == rep.Name {
					list[i] = map[string]any{"name": rep.Name, "count": count}
					replaced = true
				}
			}
			if !replaced {
				list = append(list, map[string]any{"name": rep.Name, "count": count})
			}
		}
		k["replicas"] = list
	}
	if len(o.CommonLabels) > 0 {
		labels := map[string]string{}
		for n, v := range o.CommonLabels {
			labels[n] = env.Envsubst(v)
		}
		if o.LabelWithoutSelector {
			list, _ := k["labels"].([]any)
			pairs := map[string]any{}
			for n, v := range labels {
				pairs[n] = v
			}
			k["labels"] = append(list, map[string]any{"pairs": pairs})
		} else if err := addToMap(k, "commonLabels", "label", labels, o.ForceCommonLabels); err != nil {
			return err
		}
	}
	if len(o.CommonAnnotations) > 0 {
		annos := o.CommonAnnotations
		if o.CommonAnnotationsEnvsubst {
			annos = map[string]string{}
			for n, v := range o.CommonAnnotations {
				annos[n] = env.Envsubst(v)
			}
		}
		if err := addToMap(k, "commonAnnotations", "annotation", annos, o.ForceCommonAnnotations); err != nil {
			return err
		}
	}
	if o.Namespace != "" {
		k["namespace"] = o.Namespace
	}
	if len(o.Patches) > 0 {
		raw, err := yaml.Marshal(o.Patches)
		if err != nil {
			return err
		}
		var patches []any
		if err := yaml.Unmarshal(raw, &patches); err != nil {
			return err
		}
		list, _ := k["patches"].([]any)
		k["patches"] = append(list, patches...)
	}
	if len(o.Components) > 0 {
		list, _ := k["components"].([]any)
		for _, c := range o.Components {
			list = append(list, c)
		}
		k["components"] = list
	}
	return nil
}

// addToMap is `kustomize edit add label|annotation [--force]`.
func addToMap(k map[string]any, field, what string, add map[string]string, force bool) error {
	m, _ := k[field].(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	for n, v := range add {
		if _, ok := m[n]; ok && !force {
			return fmt.Errorf("%s %s already in kustomization file. Use --force to override", what, n)
		}
		m[n] = v
	}
	k[field] = m
	return nil
}

var imageTagPattern = regexp.MustCompile(`^(.*):([a-zA-Z0-9._-]*|\*)$`)

// setImages is `kustomize edit set image ARG...`: each ARG is
// name=newName[:tag][@digest] or name[:tag][@digest]; an image already
// listed keeps what the ARG does not set; the list ends sorted by name.
func setImages(k map[string]any, images v1alpha1.KustomizeImages, env *v1alpha1.Env) error {
	set := map[string]types.Image{}
	for _, raw := range images {
		arg := env.Envsubst(string(raw))
		img, err := parseImageArg(arg)
		if err != nil {
			return fmt.Errorf("image %q: %w", arg, err)
		}
		set[img.Name] = img
	}
	list, _ := k["images"].([]any)
	for _, e := range list {
		raw, err := yaml.Marshal(e)
		if err != nil {
			return err
		}
		var old types.Image
		if err := yaml.Unmarshal(raw, &old); err != nil {
			return fmt.Errorf("images: %w", err)
		}
		if n, ok := set[old.Name]; ok {
			if n.NewName == "" {
				n.NewName = old.NewName
			}
			if n.NewTag == "" && n.Digest == "" {
				n.NewTag, n.Digest = old.NewTag, old.Digest
			}
			set[old.Name] = n
			continue
		}
		set[old.Name] = old
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]any, 0, len(names))
	for _, n := range names {
		img := set[n]
		m := map[string]any{"name": img.Name}
		if img.NewName != "" {
			m["newName"] = img.NewName
		}
		if img.NewTag != "" {
			m["newTag"] = img.NewTag
		}
		if img.Digest != "" {
			m["digest"] = img.Digest
		}
		out = append(out, m)
	}
	k["images"] = out
	return nil
}

func parseImageArg(arg string) (types.Image, error) {
	if s := strings.Split(arg, "="); len(s) == 2 {
		name, tag, digest, err := parseImageOverwrite(s[1], true)
		return types.Image{Name: s[0], NewName: name, NewTag: tag, Digest: digest}, err
	}
	name, tag, digest, err := parseImageOverwrite(arg, false)
	return types.Image{Name: name, NewTag: tag, Digest: digest}, err
}

func parseImageOverwrite(arg string, newName bool) (name, tag, digest string, err error) {
	if d := strings.Split(arg, "@"); len(d) > 1 {
		return d[0], "", d[1], nil
	}
	if t := imageTagPattern.FindStringSubmatch(arg); len(t) == 3 {
		return t[1], t[2], "", nil
	}
	if arg != "" && newName {
		return arg, "", "", nil
	}
	return "", "", "", errors.New("invalid format of image, use one of the following options: <image>=<newimage>:<newtag> or <image>=<newimage>@<digest> or <image>=<newimage> or <image>:<newtag> or <image>@<digest>")
}
