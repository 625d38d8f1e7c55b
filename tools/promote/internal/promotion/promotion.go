// Package promotion writes and reads promotion commits: each changes one
// service's image file in one cluster and says in its trailers what was
// promoted from where.
package promotion

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

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

var (
	subjectPattern = regexp.MustCompile(`^Promote (\S+) (\S+) to (\S+)$`)
	namePattern    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// revertPattern finds the commit a `git revert` undid in its message.
	revertPattern = regexp.MustCompile(`(?m)^This reverts commit ([0-9a-f]{40})\b`)
)

// Target is one service in one cluster: the folder clusters/<Cluster>/<Service>/.
type Target struct {
	Cluster, Service string
}

// ImagePath is the repository-relative path of the target's image file.
func (t Target) ImagePath() string {
	return filepath.ToSlash(filepath.Join("clusters", t.Cluster, t.Service, "image.yaml"))
}

// VersionPath is the repository-relative path of the service's version file.
func VersionPath(service string) string {
	return filepath.ToSlash(filepath.Join("app", service, "VERSION"))
}

func (t Target) validate() error {
	if !namePattern.MatchString(t.Cluster) {
		return fmt.Errorf("cluster name %q: want a folder name under clusters/ (lowercase letters, digits, -)", t.Cluster)
	}
	return ValidateService(t.Service)
}

// ValidateService checks a service name is a folder name under app/.
func ValidateService(service string) error {
	if !namePattern.MatchString(service) {
		return fmt.Errorf("service name %q: want a folder name under app/ and clusters/<cluster>/ (lowercase letters, digits, -)", service)
	}
	return nil
}

func (t Target) String() string { return t.Service + " in " + t.Cluster }

// Promoter writes promotion commits into one repository.
type Promoter struct {
	Repo gitrepo.Repo
}

// Result says what a promotion did, or with DryRun would do.
type Result struct {
	Target  Target
	Image   imagefile.Image
	Changed bool   // false when the target already ran the image
	Commit  string // the promotion commit, when Changed and not DryRun
	Message string
	DryRun  bool
	Diff    string // the image file's change, as a unified diff
}

// SetRequest is a promotion of a freshly built image.
type SetRequest struct {
	Target
	Image          imagefile.Image
	SourceCommit   string // the commit the image was built from; HEAD when empty
	AllowDowngrade bool
	Force          bool // promote a tag whose version is not the service's VERSION
	DryRun         bool
}

// Set points the target at req.Image and commits that with its trailers.
func (p Promoter) Set(req SetRequest) (Result, error) {
	if err := req.Target.validate(); err != nil {
		return Result{}, err
	}
	if err := req.Image.Validate(); err != nil {
		return Result{}, err
	}
	if req.Image.Digest == "" {
		if prod, file, err := p.isProd(req.Cluster); err != nil {
			return Result{}, err
		} else if prod {
			return Result{}, fmt.Errorf("%s is a prod cluster (prod: true in %s) and prod runs images pinned by digest: give --digest sha256:...", req.Cluster, file)
		}
	}
	current, err := p.read(req.Target)
	if err != nil {
		return Result{}, err
	}
	if current == req.Image {
		return Result{Target: req.Target, Image: current}, nil
	}
	if err := checkNotDowngrade(req.Target, current, req.Image, req.AllowDowngrade); err != nil {
		return Result{}, err
	}
	rev := req.SourceCommit
	if rev == "" {
		rev = "HEAD"
	}
	// The trailer gets the resolved full hash, never the text given: a value
	// with a newline could otherwise forge another trailer (an Image-Digest).
	source, err := p.Repo.ResolveCommit(rev)
	if err != nil {
		return Result{}, fmt.Errorf("--source-commit: %w", err)
	}
	tag, _ := imagetag.Parse(req.Image.Tag) // validated above
	if !req.Force {
		if err := p.checkVersion(req.Service, tag, source); err != nil {
			return Result{}, err
		}
	}
	trailers := [][2]string{
		{TrailerBuild, strconv.FormatUint(tag.Build, 10)},
		{TrailerDigest, req.Image.Digest},
		{TrailerSourceCommit, source},
	}
	return p.commit(req.Target, req.Image, trailers, req.DryRun)
}

// checkVersion refuses a tag whose version is not what the service's
// VERSION file says at the commit the image was built from.
func (p Promoter) checkVersion(service string, tag imagetag.Tag, source string) error {
	path := VersionPath(service)
	data, ok, err := p.Repo.Show(source, path)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s does not exist at the source commit %.12s: is %q a service? (use --force to promote anyway)", path, source, service)
	}
	version := strings.TrimSpace(string(data))
	want, err := imagetag.New(version, tag.Build)
	if err != nil {
		return fmt.Errorf("%s at the source commit %.12s: %w", path, source, err)
	}
	if want.String() != tag.String() {
		return fmt.Errorf("tag %s is not version %s, which %s says at the source commit %.12s: refusing a tag of another version (use --force if it is meant)", tag, version, path, source)
	}
	return nil
}

// isProd reads the cluster's chartcheck settings, where `prod: true` marks
// a prod cluster for chartcheck's rules too.
func (p Promoter) isProd(cluster string) (bool, string, error) {
	rel := filepath.ToSlash(filepath.Join("clusters", cluster, "chartcheck.yaml"))
	data, err := os.ReadFile(filepath.Join(p.Repo.Dir, rel))
	if os.IsNotExist(err) {
		return false, rel, nil
	}
	if err != nil {
		return false, rel, fmt.Errorf("reading %s: %w", rel, err)
	}
	prod, err := readProd(data)
	if err != nil {
		return false, rel, fmt.Errorf("%s: %w", rel, err)
	}
	return prod, rel, nil
}

// CopyRequest carries what one cluster runs of a service to another.
type CopyRequest struct {
	Service        string
	From, To       string
	AllowDowngrade bool
	DryRun         bool
}

// Copy promotes to req.To exactly the image req.From runs, provided a
// promotion commit put it there (not a hand edit, not an uncommitted change);
// a revert of a promotion counts as the promotion it brought back.
func (p Promoter) Copy(req CopyRequest) (Result, error) {
	from, to := Target{Cluster: req.From, Service: req.Service}, Target{Cluster: req.To, Service: req.Service}
	if req.From == req.To {
		return Result{}, fmt.Errorf("--from and --to are both %q", req.From)
	}
	if err := from.validate(); err != nil {
		return Result{}, err
	}
	if err := to.validate(); err != nil {
		return Result{}, err
	}
	src, err := p.read(from)
	if err != nil {
		return Result{}, err
	}
	srcPath := from.ImagePath()
	if err := src.Validate(); err != nil {
		return Result{}, fmt.Errorf("%s: %w", srcPath, err)
	}
	if modified, err := p.Repo.Modified(srcPath); err != nil {
		return Result{}, err
	} else if modified {
		return Result{}, fmt.Errorf("%s has uncommitted changes: %s was never deployed to %s", srcPath, src.Tag, req.From)
	}
	lin, err := p.lineage(from, src)
	if err != nil {
		return Result{}, err
	}
	if src.Digest == "" {
		return Result{}, fmt.Errorf("%s runs %s without a digest: a copy pins the image by digest, promote it to %s with --digest first", req.From, src.Tag, req.From)
	}
	dst, err := p.read(to)
	if err != nil {
		return Result{}, err
	}
	if dst == src {
		return Result{Target: to, Image: dst}, nil
	}
	if dst.Tag == src.Tag {
		return Result{}, fmt.Errorf("%s runs %s with digest %s but %s has %s: tags are immutable, one of the two is wrong", req.From, src.Tag, src.Digest, req.To, orNone(dst.Digest))
	}
	if err := checkNotDowngrade(to, dst, src, req.AllowDowngrade); err != nil {
		return Result{}, err
	}
	tag, _ := imagetag.Parse(src.Tag) // validated above
	trailers := [][2]string{
		{TrailerBuild, strconv.FormatUint(tag.Build, 10)},
		{TrailerDigest, src.Digest},
		{TrailerSourceCommit, lin.Promotion.Trailers[TrailerSourceCommit]},
		{TrailerPromotedFrom, req.From},
		{TrailerPromotionOf, lin.Last.Hash},
	}
	return p.commit(to, src, trailers, req.DryRun)
}

// Lineage is how a target's image file came to hold its image.
type Lineage struct {
	Last      gitrepo.Commit // the newest commit that changed the file
	Promotion gitrepo.Commit // the promotion commit of the image the file holds
	Reverted  []string       // hashes of the commits Last (and the reverts before it) undid, newest first
}

// maxReverts bounds the walk through reverts of reverts.
const maxReverts = 64

// lineage finds the promotion commit that put img into the target's image
// file, or says why img was never deployed there. A `git revert` of a
// commit that changed the file is a promotion back to what the file held
// before that commit, provided the file holds exactly that again: the
// walk goes on from the reverted commit's parent.
func (p Promoter) lineage(t Target, img imagefile.Image) (Lineage, error) {
	path := t.ImagePath()
	var lin Lineage
	rev := "HEAD"
	for range maxReverts {
		c, ok, err := p.Repo.LastChange(rev, path)
		if err != nil {
			return Lineage{}, err
		}
		if !ok {
			return Lineage{}, fmt.Errorf("%s is not committed: %s was never deployed to %s", path, img.Tag, t.Cluster)
		}
		if lin.Last.Hash == "" {
			lin.Last = c
		}
		m := revertPattern.FindStringSubmatch(c.Body)
		if m == nil {
			lin.Promotion = c
			return lin, checkPromotion(t, img, c)
		}
		reverted := m[1]
		data, ok, err := p.Repo.Show(reverted+"^", path)
		if err != nil {
			return Lineage{}, err
		}
		before, perr := imagefile.Parse(data)
		if !ok || perr != nil || before != img {
			return Lineage{}, fmt.Errorf("%s was last changed by %.12s (%q), a revert of %.12s, but holds %s (digest %s), not what it held before %.12s: %s was never deployed to %s",
				path, c.Hash, c.Subject, reverted, img.Tag, orNone(img.Digest), reverted, img.Tag, t.Cluster)
		}
		lin.Reverted = append(lin.Reverted, reverted)
		rev = reverted + "^"
	}
	return Lineage{}, fmt.Errorf("%s: more than %d reverts in a row", path, maxReverts)
}

// checkPromotion tells whether c is a promotion commit of img to the target.
func checkPromotion(t Target, img imagefile.Image, c gitrepo.Commit) error {
	path := t.ImagePath()
	m := subjectPattern.FindStringSubmatch(c.Subject)
	switch {
	case m == nil:
		return fmt.Errorf("%s was last changed by commit %.12s (%q), not by a promotion: %s was never deployed to %s", path, c.Hash, c.Subject, img.Tag, t.Cluster)
	case m[1] != t.Service || m[2] != img.Tag || m[3] != t.Cluster || c.Trailers[TrailerDigest] != img.Digest:
		return fmt.Errorf("%s holds %s (digest %s) but its last promotion commit %.12s says %q with digest %s: %s was never deployed to %s",
			path, img.Tag, orNone(img.Digest), c.Hash, c.Subject, orNone(c.Trailers[TrailerDigest]), img.Tag, t.Cluster)
	}
	return nil
}

func (p Promoter) read(t Target) (imagefile.Image, error) {
	path := filepath.Join(p.Repo.Dir, t.ImagePath())
	if _, err := os.Stat(path); err != nil {
		return imagefile.Image{}, fmt.Errorf("cluster %q has no image file %s for service %q: %w", t.Cluster, t.ImagePath(), t.Service, err)
	}
	return imagefile.Read(path)
}

// Subject is the subject line of the promotion commit of img to t.
func Subject(t Target, img imagefile.Image) string {
	return fmt.Sprintf("Promote %s %s to %s", t.Service, img.Tag, t.Cluster)
}

func (p Promoter) commit(t Target, img imagefile.Image, trailers [][2]string, dryRun bool) (Result, error) {
	rel := t.ImagePath()
	if modified, err := p.Repo.Modified(rel); err != nil {
		return Result{}, err
	} else if modified {
		// Committing would sweep a person's unsaved edit into the promotion.
		return Result{}, fmt.Errorf("%s has uncommitted changes: commit or discard them first", rel)
	}
	msg := Subject(t, img) + "\n\n"
	for _, tr := range trailers {
		if tr[1] != "" {
			msg += tr[0] + ": " + tr[1] + "\n"
		}
	}
	path := filepath.Join(p.Repo.Dir, rel)
	before, err := os.ReadFile(path)
	if err != nil {
		return Result{}, fmt.Errorf("reading image file: %w", err)
	}
	after, err := imagefile.Update(before, img)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", rel, err)
	}
	diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: lines(before), B: lines(after),
		FromFile: "a/" + rel, ToFile: "b/" + rel, Context: 3,
	})
	if err != nil {
		return Result{}, fmt.Errorf("diffing %s: %w", rel, err)
	}
	res := Result{Target: t, Image: img, Changed: true, Message: msg, DryRun: dryRun, Diff: diff}
	if dryRun {
		return res, nil
	}
	if _, err := p.Repo.Branch(); err != nil {
		return Result{}, err
	}
	if err := imagefile.Write(path, img); err != nil {
		return Result{}, err
	}
	if res.Commit, err = p.Repo.CommitPaths(msg, rel); err != nil {
		return Result{}, fmt.Errorf("committing %s: %w", rel, err)
	}
	return res, nil
}

// lines splits text after each newline, as the unified diff wants it.
func lines(text []byte) []string {
	l := strings.SplitAfter(string(text), "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

func checkNotDowngrade(t Target, current, next imagefile.Image, allow bool) error {
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
		return fmt.Errorf("%s runs %s, newer than %s: refusing a downgrade (use --allow-downgrade to roll back)", t.Cluster, current.Tag, next.Tag)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
