package promotion

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/doc-search/gitops/tools/promote/internal/imagefile"
	"github.com/doc-search/gitops/tools/promote/internal/imagetag"
)

// TargetStatus is what one service runs in one cluster and which commit put it there.
type TargetStatus struct {
	Target
	Image        imagefile.Image
	Build        string
	Commit       string // last commit that changed the image file
	CommitTime   time.Time
	PromotedFrom string
	Promotion    bool   // the file holds what a promotion (or a revert back to one) put there
	RevertOf     string // when the last change was a revert, the commit it undid
	Uncommitted  bool   // the file differs from HEAD
}

// Status reads every image file, clusters/<cluster>/<service>/image.yaml,
// sorted by cluster, then service.
func (p Promoter) Status() ([]TargetStatus, error) {
	matches, err := filepath.Glob(filepath.Join(p.Repo.Dir, "clusters", "*", "*", "image.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing image files: %w", err)
	}
	var out []TargetStatus
	for _, m := range matches {
		dir := filepath.Dir(m)
		t := Target{Cluster: filepath.Base(filepath.Dir(dir)), Service: filepath.Base(dir)}
		if t.validate() != nil {
			continue // not a folder promote could write
		}
		img, err := imagefile.Read(m)
		if err != nil {
			return nil, err
		}
		st := TargetStatus{Target: t, Image: img}
		if tag, err := imagetag.Parse(img.Tag); err == nil {
			st.Build = strconv.FormatUint(tag.Build, 10)
		}
		if st.Uncommitted, err = p.Repo.Modified(t.ImagePath()); err != nil {
			return nil, err
		}
		c, ok, err := p.Repo.LastChange("HEAD", t.ImagePath())
		if err != nil {
			return nil, err
		}
		if ok {
			st.Commit, st.CommitTime = c.Hash, c.Time
			if lin, err := p.lineage(t, img); err == nil && !st.Uncommitted {
				st.Promotion = true
				st.PromotedFrom = lin.Promotion.Trailers[TrailerPromotedFrom]
				if len(lin.Reverted) > 0 {
					st.RevertOf = lin.Reverted[0]
				}
			}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cluster != out[j].Cluster {
			return out[i].Cluster < out[j].Cluster
		}
		return out[i].Service < out[j].Service
	})
	return out, nil
}

// readProd reads the top-level `prod` setting of a chartcheck.yaml.
func readProd(data []byte) (bool, error) {
	var settings struct {
		Prod bool `yaml:"prod"`
	}
	if err := yaml.Unmarshal(data, &settings); err != nil {
		return false, fmt.Errorf("reading prod: %w", err)
	}
	return settings.Prod, nil
}
