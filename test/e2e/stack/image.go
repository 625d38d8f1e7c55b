package stack

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// PauseImage is the sandbox image containerd is configured with. It cannot
// be pulled here: the test builds a stand-in (test/e2e/images/pause) and
// imports it under this name.
const PauseImage = "registry.k8s.io/pause:3.10"

// Image is a container image holding one static binary and nothing else,
// like a distroless static image: no shell, no package manager.
type Image struct {
	// Refs are the names it is imported under (repository:tag).
	Refs []string
	// Binary is the static executable on disk.
	Binary string
	// Path is where it lives in the image; it is the entrypoint.
	Path string
	// User is the numeric uid:gid the image runs as.
	User string
	// Labels are the image config's labels.
	Labels map[string]string
}

// WriteImage packs img into a docker-archive tarball at out, which `ctr
// images import` reads; no registry or container engine is involved.
func WriteImage(img Image, out string) error {
	data, err := os.ReadFile(img.Binary)
	if err != nil {
		return fmt.Errorf("reading %s: %w", img.Binary, err)
	}
	layerTar, err := singleFileLayer(img.Path, data)
	if err != nil {
		return fmt.Errorf("image %v: %w", img.Refs, err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return fmt.Errorf("image %v: layer: %w", img.Refs, err)
	}
	image, err := mutate.Append(empty.Image, mutate.Addendum{Layer: layer})
	if err != nil {
		return fmt.Errorf("image %v: %w", img.Refs, err)
	}
	cf, err := image.ConfigFile()
	if err != nil {
		return fmt.Errorf("image %v: config: %w", img.Refs, err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config = v1.Config{
		Entrypoint: []string{img.Path},
		User:       img.User,
		Labels:     img.Labels,
		Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin"},
	}
	if image, err = mutate.ConfigFile(image, cf); err != nil {
		return fmt.Errorf("image %v: config: %w", img.Refs, err)
	}
	refs := map[name.Reference]v1.Image{}
	for _, r := range img.Refs {
		tag, err := name.NewTag(r)
		if err != nil {
			return fmt.Errorf("image reference %q: %w", r, err)
		}
		refs[tag] = image
	}
	if err := tarball.MultiRefWriteToFile(out, refs); err != nil {
		return fmt.Errorf("writing image %v to %s: %w", img.Refs, out, err)
	}
	return nil
}

// singleFileLayer is a layer tar with the binary at file (mode 0755,
// owned by root, as COPY leaves it) and the folders above it, plus /tmp.
func singleFileLayer(file string, data []byte) ([]byte, error) {
	file = strings.TrimPrefix(path.Clean("/"+file), "/")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := []string{"tmp/"}
	for d := path.Dir(file); d != "."; d = path.Dir(d) {
		dirs = append(dirs, d+"/")
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		mode := int64(0o755)
		if dirs[i] == "tmp/" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Name: dirs[i], Typeflag: tar.TypeDir, Mode: mode}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: file, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
