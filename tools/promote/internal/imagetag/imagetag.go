// Package imagetag parses and orders doc-search image tags: the app's semver
// followed by the CI build number, e.g. "1.4.0-build.57".
package imagetag

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/Masterminds/semver/v3"
)

// Tag is one image tag. Builds of the same version order by build number;
// different versions by semver precedence. A "+build" suffix would be the
// semver way, but "+" is not allowed in OCI tags, so the build goes after "-build.".
type Tag struct {
	Version *semver.Version
	Build   uint64
}

var tagPattern = regexp.MustCompile(`^(.+)-build\.(0|[1-9][0-9]*)$`)

// New returns the tag of build number build of version (a strict semver
// without build metadata, as written in app/doc-search/VERSION).
func New(version string, build uint64) (Tag, error) {
	v, err := parseVersion(version)
	if err != nil {
		return Tag{}, err
	}
	return Tag{Version: v, Build: build}, nil
}

// Parse reads a tag such as "1.4.0-build.57".
func Parse(s string) (Tag, error) {
	m := tagPattern.FindStringSubmatch(s)
	if m == nil {
		return Tag{}, fmt.Errorf("image tag %q: want <semver>-build.<number>, e.g. 1.4.0-build.57", s)
	}
	v, err := parseVersion(m[1])
	if err != nil {
		return Tag{}, fmt.Errorf("image tag %q: %w", s, err)
	}
	build, err := strconv.ParseUint(m[2], 10, 64)
	if err != nil {
		return Tag{}, fmt.Errorf("image tag %q: build number: %w", s, err)
	}
	return Tag{Version: v, Build: build}, nil
}

func parseVersion(s string) (*semver.Version, error) {
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		return nil, fmt.Errorf("version %q is not semver (MAJOR.MINOR.PATCH[-PRERELEASE]): %w", s, err)
	}
	if v.Metadata() != "" {
		return nil, fmt.Errorf("version %q: build metadata (+...) is not allowed in image tags", s)
	}
	return v, nil
}

// String renders the tag, e.g. "1.4.0-build.57".
func (t Tag) String() string {
	return fmt.Sprintf("%s-build.%d", t.Version, t.Build)
}

// Compare returns -1, 0 or +1 as t is older than, the same as or newer than o.
func (t Tag) Compare(o Tag) int {
	if c := t.Version.Compare(o.Version); c != 0 {
		return c
	}
	switch {
	case t.Build < o.Build:
		return -1
	case t.Build > o.Build:
		return 1
	}
	return 0
}
