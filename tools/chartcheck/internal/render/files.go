package render

import (
	"os"
	"strings"
	"sync"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// fileCache keeps source files read while locating objects, so that a
// thousand Applications over one chart read its templates once.
type fileCache struct {
	mu    sync.Mutex
	objs  map[string][]manifest.Object
	byID  map[string]map[string]int // file -> "Kind/name" -> line
	lines map[string][]string
}

func newFileCache() *fileCache {
	return &fileCache{objs: map[string][]manifest.Object{}, byID: map[string]map[string]int{}, lines: map[string][]string{}}
}

// line is where the object kind/name starts in path, if it is there.
func (c *fileCache) line(path, kind, name string) (int, bool) {
	c.objects(path)
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.byID[path][kind+"/"+name]
	return l, ok
}

// objects parses path as manifests; nil when it cannot be read or parsed.
func (c *fileCache) objects(path string) []manifest.Object {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.objs[path]; ok {
		return o
	}
	data, err := os.ReadFile(path)
	var objs []manifest.Object
	if err == nil {
		objs, _ = manifest.Parse(data, manifest.Source{File: path})
	}
	c.objs[path] = objs
	ids := map[string]int{}
	for _, o := range objs {
		id := o.Object.GetKind() + "/" + o.Object.GetName()
		if _, dup := ids[id]; !dup {
			ids[id] = o.Source.Line
		}
	}
	c.byID[path] = ids
	return objs
}

// textLines is the file's lines; nil when it cannot be read.
func (c *fileCache) textLines(path string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.lines[path]; ok {
		return l
	}
	data, err := os.ReadFile(path)
	var lines []string
	if err == nil {
		lines = strings.Split(string(data), "\n")
	}
	c.lines[path] = lines
	return lines
}
