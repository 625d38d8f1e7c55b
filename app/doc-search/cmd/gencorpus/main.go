// Command gencorpus writes a deterministic synthetic corpus in the Blog
// Authorship Corpus format, or prints the benchmark queries for one.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/doc-search/gitops/app/doc-search/internal/synth"
)

func main() {
	spec := synth.FullScale
	fs := flag.NewFlagSet("gencorpus", flag.ExitOnError)
	fs.IntVar(&spec.Docs, "docs", spec.Docs, "number of documents")
	size := fs.String("bytes", "800MB", "total size: a number of bytes with an optional kB, MB or GB suffix")
	fs.Uint64Var(&spec.Seed, "seed", spec.Seed, "random seed: the same flags write the same bytes")
	out := fs.String("out", "", "directory to write the corpus into")
	queries := fs.String("queries", "", "instead of a corpus, print URL-escaped queries of this mix: rare, common or mixed")
	n := fs.Int("n", 1000, "with --queries, how many")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: gencorpus --docs 19320 --bytes 800MB --seed 1 --out DIR\n       gencorpus --queries rare|common|mixed [--n 1000] [--seed 1]")
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])

	if *queries != "" {
		qs, err := synth.Queries(synth.Mix(*queries), *n, spec.Seed)
		if err != nil {
			fail(err)
		}
		for _, q := range qs {
			fmt.Println(synth.Escape(q))
		}
		return
	}
	if *out == "" {
		fail(fmt.Errorf("--out is required"))
	}
	b, err := parseBytes(*size)
	if err != nil {
		fail(fmt.Errorf("--bytes: %w", err))
	}
	spec.Bytes = b
	start := time.Now()
	written, err := synth.Generate(*out, spec)
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "gencorpus: wrote %d documents, %.1f MB into %s in %s\n", spec.Docs, float64(written)/1e6, *out, time.Since(start).Round(time.Millisecond))
}

func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"KB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a positive size", s)
	}
	return int64(v * float64(mult)), nil
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "gencorpus: %v\n", err)
	os.Exit(1)
}
