// Package promotion writes and reads promotion commits: each changes one
// cluster's image file and says in its trailers what was promoted from where.
package promotion

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/doc-search/gitops/tools/promote/internal/gitrepo"
	"github.com/doc-search/gitops/tools/promote/internal/imagefile"
	"github.com/doc-search/gitops/tools/promote/internal/imagetag"
)

// Trailer keys of a promotion commit.
const (
	TrailerBuild        = "Build"
	TrailerDigest       = "Image-Digest"
	TrailerSourceCommit = "Source-Commit"
	TrailerPromotedFrom = "Promoted-From"
	TrailerPromotionOf  = "Promoted-From-Commit"
)

// imageFile is the image file's path inside a cluster folder.
const imageFile = "doc-search/image.yaml"

var (
	subjectPattern     = regexp.MustCompile(`^Promote doc-search (\S+) to (\S+)$`)
	clusterNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// A source commit goes into a trailer line: anything but a hash could
	// end the line and forge another trailer (an Image-Digest).
	commitHashPattern = regexp.MustCompile(`^[0-9a-f]{4,64}$`)
)

// ImagePath is the repository-relative path of a cluster's image file.
func ImagePath(cluster string) string {
	return filepath.ToSlash(filepath.Join("clusters", cluster, imageFile))
}

// Promoter writes promotion commits into one repository.
type Promoter struct {
	Repo gitrepo.Repo
}

// Result says what a promotion did.
type Result struct {
	Cluster string
	Image   imagefile.Image
	Changed bool   // false when the cluster already ran the image
	Commit  string // the promotion commit, when Changed
	Message string
}

// SetRequest is a promotion of a freshly built image.
type SetRequest struct {
	Cluster        string
	Image          imagefile.Image
	SourceCommit   string // the commit the image was built from; HEAD when empty
	AllowDowngrade bool
}

// Set points the cluster at req.Image and commits that with its trailers.
func (p Promoter) Set(req SetRequest) (Result, error) {
	if err := req.Image.Validate(); err != nil {
		return Result{}, err
	}
	if req.SourceCommit != "" && !commitHashPattern.MatchString(req.SourceCommit) {
		return Result{}, fmt.Errorf("source commit %q: want a commit hash (4 to 64 lowercase hex digits)", req.SourceCommit)
	}
	current, err := p.read(req.Cluster)
	if err != nil {
		return Result{}, err
	}
	if current == req.Image {
		return Result{Cluster: req.Cluster, Image: current}, nil
	}
	if err := checkNotDowngrade(req.Cluster, current, req.Image, req.AllowDowngrade); err != nil {
		return Result{}, err
	}
	source := req.SourceCommit
	if source == "" {
		if source, err = p.Repo.Head(); err != nil {
			return Result{}, fmt.Errorf("finding the source commit: %w", err)
		}
	}
	tag, _ := imagetag.Parse(req.Image.Tag) // validated above
	trailers := [][2]string{
		{TrailerBuild, strconv.FormatUint(tag.Build, 10)},
		{TrailerDigest, req.Image.Digest},
		{TrailerSourceCommit, source},
	}
	return p.commit(req.Cluster, req.Image, trailers)
}

// CopyRequest carries what one cluster runs to another.
type CopyRequest struct {
	From, To       string
	AllowDowngrade bool
}

// Copy promotes to req.To exactly the image req.From runs, provided a
// promotion commit put it there (not a hand edit, not an uncommitted change).
func (p Promoter) Copy(req CopyRequest) (Result, error) {
	if req.From == req.To {
		return Result{}, fmt.Errorf("--from and --to are both %q", req.From)
	}
	src, err := p.read(req.From)
	if err != nil {
		return Result{}, err
	}
	srcPath := ImagePath(req.From)
	if err := src.Validate(); err != nil {
		return Result{}, fmt.Errorf("%s: %w", srcPath, err)
	}
	if modified, err := p.Repo.Modified(srcPath); err != nil {
		return Result{}, err
	} else if modified {
		return Result{}, fmt.Errorf("%s has uncommitted changes: %s was never deployed to %s", srcPath, src.Tag, req.From)
	}
	promotion, err := p.lastPromotion(req.From, src)
	if err != nil {
		return Result{}, err
	}
	if src.Digest == "" {
		return Result{}, fmt.Errorf("%s runs %s without a digest: a copy pins the image by digest, promote it to %s with --digest first", req.From, src.Tag, req.From)
	}
	dst, err := p.read(req.To)
	if err != nil {
		return Result{}, err
	}
	if dst == src {
		return Result{Cluster: req.To, Image: dst}, nil
	}
	if dst.Tag == src.Tag {
		return Result{}, fmt.Errorf("%s runs %s with digest %s but %s has %s: tags are immutable, one of the two is wrong", req.From, src.Tag, src.Digest, req.To, orNone(dst.Digest))
	}
	if err := checkNotDowngrade(req.To, dst, src, req.AllowDowngrade); err != nil {
		return Result{}, err
	}
	tag, _ := imagetag.Parse(src.Tag) // validated above
	trailers := [][2]string{
		{TrailerBuild, strconv.FormatUint(tag.Build, 10)},
		{TrailerDigest, src.Digest},
		{TrailerSourceCommit, promotion.Trailers[TrailerSourceCommit]},
		{TrailerPromotedFrom, req.From},
		{TrailerPromotionOf, promotion.Hash},
	}
	return p.commit(req.To, src, trailers)
}

// lastPromotion returns the promotion commit that put img into cluster's
// image file, or an error saying why img was never deployed there.
func (p Promoter) lastPromotion(cluster string, img imagefile.Image) (gitrepo.Commit, error) {
	c, ok, err := p.Repo.LastChange(ImagePath(cluster))
	if err != nil {
		return gitrepo.Commit{}, err
	}
	if !ok {
		return gitrepo.Commit{}, fmt.Errorf("%s is not committed: %s was never deployed to %s", ImagePath(cluster), img.Tag, cluster)
	}
	return c, checkPromotion(cluster, img, c)
}

// checkPromotion tells whether c is a promotion commit of img to cluster.
func checkPromotion(cluster string, img imagefile.Image, c gitrepo.Commit) error {
	path := ImagePath(cluster)
	m := subjectPattern.FindStringSubmatch(c.Subject)
	switch {
	case m == nil:
		return fmt.Errorf("%s was last changed by commit %.12s (%q), not by a promotion: %s was never deployed to %s", path, c.Hash, c.Subject, img.Tag, cluster)
	case m[1] != img.Tag || m[2] != cluster || c.Trailers[TrailerDigest] != img.Digest:
		return fmt.Errorf("%s holds %s (digest %s) but its last promotion commit %.12s says %q with digest %s: %s was never deployed to %s",
			path, img.Tag, orNone(img.Digest), c.Hash, c.Subject, orNone(c.Trailers[TrailerDigest]), img.Tag, cluster)
	}
	return nil
}

func (p Promoter) read(cluster string) (imagefile.Image, error) {
	if !clusterNamePattern.MatchString(cluster) {
		return imagefile.Image{}, fmt.Errorf("cluster name %q: want a folder name under clusters/ (lowercase letters, digits, -)", cluster)
	}
	path := filepath.Join(p.Repo.Dir, ImagePath(cluster))
	if _, err := os.Stat(path); err != nil {
		return imagefile.Image{}, fmt.Errorf("cluster %q has no image file %s: %w", cluster, ImagePath(cluster), err)
	}
	return imagefile.Read(path)
}

func (p Promoter) commit(cluster string, img imagefile.Image, trailers [][2]string) (Result, error) {
	rel := ImagePath(cluster)
	if modified, err := p.Repo.Modified(rel); err != nil {
		return Result{}, err
	} else if modified {
		// Committing would sweep a person's unsaved edit into the promotion.
		return Result{}, fmt.Errorf("%s has uncommitted changes: commit or discard them first", rel)
	}
	if err := imagefile.Write(filepath.Join(p.Repo.Dir, rel), img); err != nil {
		return Result{}, err
	}
	msg := fmt.Sprintf("Promote doc-search %s to %s\n\n", img.Tag, cluster)
	for _, t := range trailers {
		if t[1] != "" {
			msg += t[0] + ": " + t[1] + "\n"
		}
	}
	hash, err := p.Repo.CommitPaths(msg, rel)
	if err != nil {
		return Result{}, fmt.Errorf("committing %s: %w", rel, err)
	}
	return Result{Cluster: cluster, Image: img, Changed: true, Commit: hash, Message: msg}, nil
}

func checkNotDowngrade(cluster string, current, next imagefile.Image, allow bool) error {
	if allow {
		return nil
	}
	cur, err := imagetag.Parse(current.Tag)
	if err != nil {
		return nil // a cluster on a tag without a build number can move to any build
	}
	nxt, err := imagetag.Parse(next.Tag)
	if err != nil {
		return err
	}
	if nxt.Compare(cur) < 0 {
		return fmt.Errorf("%s runs %s, newer than %s: refusing a downgrade (use --allow-downgrade to roll back)", cluster, current.Tag, next.Tag)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// ClusterStatus is what one cluster runs and which commit put it there.
type ClusterStatus struct {
	Cluster      string
	Image        imagefile.Image
	Build        string
	Commit       string // last commit that changed the image file
	CommitTime   time.Time
	PromotedFrom string
	Promotion    bool // the last change was a promotion commit matching the file
	Uncommitted  bool // the file differs from HEAD
}

// Status reads every cluster's image file, sorted by cluster name.
func (p Promoter) Status() ([]ClusterStatus, error) {
	matches, err := filepath.Glob(filepath.Join(p.Repo.Dir, "clusters", "*", filepath.FromSlash(imageFile)))
	if err != nil {
		return nil, fmt.Errorf("listing image files: %w", err)
	}
	var out []ClusterStatus
	for _, m := range matches {
		cluster := filepath.Base(filepath.Dir(filepath.Dir(m)))
		img, err := imagefile.Read(m)
		if err != nil {
			return nil, err
		}
		st := ClusterStatus{Cluster: cluster, Image: img}
		if tag, err := imagetag.Parse(img.Tag); err == nil {
			st.Build = strconv.FormatUint(tag.Build, 10)
		}
		if st.Uncommitted, err = p.Repo.Modified(ImagePath(cluster)); err != nil {
			return nil, err
		}
		c, ok, err := p.Repo.LastChange(ImagePath(cluster))
		if err != nil {
			return nil, err
		}
		if ok {
			st.Commit, st.CommitTime = c.Hash, c.Time
			st.PromotedFrom = c.Trailers[TrailerPromotedFrom]
			st.Promotion = !st.Uncommitted && checkPromotion(cluster, img, c) == nil
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cluster < out[j].Cluster })
	return out, nil
}
