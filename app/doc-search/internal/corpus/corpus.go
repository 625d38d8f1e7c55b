// Package corpus finds the documents of a corpus directory and reads the text
// of Blog Authorship Corpus files, which are XML-like but not well-formed.
package corpus

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// ErrEmpty is returned when a corpus holds no document.
var ErrEmpty = errors.New("corpus holds no document (files ending .xml or .txt)")

// Document is one file of the corpus.
type Document struct {
	ID   string // file name up to its first '.'
	Name string // file name within the corpus
}

// ID returns the document ID of a file name and whether the name is a
// document at all: a file ending .xml or .txt, not hidden, with a non-empty ID.
func ID(name string) (string, bool) {
	if strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".txt")) {
		return "", false
	}
	id, _, _ := strings.Cut(name, ".")
	return id, id != ""
}

// List returns the documents at the top level of fsys sorted by ID
// (CompareIDs). Two files with the same ID and an empty corpus are errors.
// Directories and other files are ignored.
func List(fsys fs.FS) ([]Document, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("listing corpus: %w", err)
	}
	var docs []Document
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if id, ok := ID(e.Name()); ok {
			docs = append(docs, Document{ID: id, Name: e.Name()})
		}
	}
	if len(docs) == 0 {
		return nil, ErrEmpty
	}
	slices.SortFunc(docs, func(a, b Document) int {
		return cmp.Or(CompareIDs(a.ID, b.ID), strings.Compare(a.Name, b.Name))
	})
	for i := 1; i < len(docs); i++ {
		if docs[i].ID == docs[i-1].ID {
			return nil, fmt.Errorf("duplicate document ID %q: %s and %s", docs[i].ID, docs[i-1].Name, docs[i].Name)
		}
	}
	return docs, nil
}

// CompareIDs orders IDs numerically when both are decimal numbers, numbers
// before other IDs, and other IDs byte-wise.
func CompareIDs(a, b string) int {
	an, bn := isNumber(a), isNumber(b)
	switch {
	case an && bn:
		ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		return cmp.Or(cmp.Compare(len(ta), len(tb)), strings.Compare(ta, tb), strings.Compare(a, b))
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
