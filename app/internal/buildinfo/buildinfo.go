// Package buildinfo holds the version of this build, set at link time with
// -ldflags "-X github.com/doc-search/gitops/app/internal/buildinfo.Version=...".
package buildinfo

// Set by the linker; "dev" in a plain `go build`.
var (
	Version = "dev"
	Build   = "dev"
	Commit  = "dev"
)

// Info is the build's identity as served on /version and in docsearch_build_info.
type Info struct {
	Version string `json:"version"`
	Build   string `json:"build"`
	Commit  string `json:"commit"`
}

// Current returns the values the linker set.
func Current() Info {
	return Info{Version: Version, Build: Build, Commit: Commit}
}
