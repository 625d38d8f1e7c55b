package rules

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

func init() {
	register("image-tag-latest", checkImageTagLatest)
	register("image-digest-required-prod", checkImageDigestRequiredProd)
}

func checkImageTagLatest(c *Cluster) {
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		_, tag, digest := splitImage(ct.Image)
		switch {
		case digest != "":
		case tag == "":
			c.report(w.obj, containerPath(w, init, ct.Name)+".image", "container %q image %q has no tag", ct.Name, ct.Image)
		case tag == "latest":
			c.report(w.obj, containerPath(w, init, ct.Name)+".image", "container %q image %q uses the latest tag", ct.Name, ct.Image)
		}
	})
}

func checkImageDigestRequiredProd(c *Cluster) {
	if !c.Prod {
		return
	}
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		if _, _, digest := splitImage(ct.Image); digest == "" {
			c.report(w.obj, containerPath(w, init, ct.Name)+".image",
				"container %q image %q is not pinned by digest in a prod cluster", ct.Name, ct.Image)
		}
	})
}

// splitImage splits "repo[:tag][@digest]"; a registry port is not a tag.
func splitImage(image string) (repo, tag, digest string) {
	if i := strings.Index(image, "@"); i >= 0 {
		image, digest = image[:i], image[i+1:]
	}
	if i := strings.LastIndex(image, ":"); i >= 0 && !strings.Contains(image[i+1:], "/") {
		return image[:i], image[i+1:], digest
	}
	return image, "", digest
}
