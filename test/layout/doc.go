// Package layout holds the tests of the GitOps layout: the cluster folders
// Argo CD reads, the Applications and projects in them, and what they render.
package layout
