//go:build linux

package hugeheap

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Marked lists the address ranges of this process that are marked for
// transparent huge pages: the mappings of /proc/self/smaps whose VmFlags
// include "hg".
func Marked() ([]Range, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, fmt.Errorf("reading the memory map: %w", err)
	}
	defer f.Close()
	var out []Range
	var cur Range
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmFlags:"); ok {
			if strings.Contains(" "+rest+" ", " hg ") {
				out = append(out, cur)
			}
			continue
		}
		// A mapping's first line starts "start-end perms ...".
		field, _, _ := strings.Cut(line, " ")
		lo, hi, ok := strings.Cut(field, "-")
		if !ok {
			continue
		}
		a, err1 := strconv.ParseUint(lo, 16, 64)
		b, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil {
			cur = Range{Start: uintptr(a), End: uintptr(b)}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading /proc/self/smaps: %w", err)
	}
	return out, nil
}
