// Package sample is the small corpus doc-search serves when it is given no
// --data: a dozen short documents in the Blog Authorship Corpus format,
// written for this project, with the format's irregularities (CRLF, Latin-1
// bytes, stray '&' and '<', entities).
package sample

import "embed"

// FS holds the documents at its root.
//
//go:embed *.xml *.txt
var FS embed.FS
