// Command gencorpus writes a deterministic synthetic corpus in the Blog
// Authorship Corpus format, or prints the benchmark queries for one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/synth"
	"github.com/doc-search/gitops/app/internal/buildinfo"
)

const usage = `Usage: gencorpus --out DIR [--docs 19320] [--bytes 800MB] [--seed 1] [--force]
       gencorpus --queries rare|common|mixed [--n 1000] [--seed 1]

Writes a synthetic corpus in the Blog Authorship Corpus format into DIR, or
prints URL-escaped benchmark queries, one a line. The same flags write the
same bytes. Exits 0 on success, 1 when writing fails, 2 on bad usage.

`

// options are gencorpus's flags, read once.
type options struct {
	spec    synth.Spec
	out     string
	force   bool
	queries string
	n       int
	version bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	opt, err := parse(args, stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "gencorpus: %v\n", err)
		return 2
	case opt.version:
		info := buildinfo.Current()
		fmt.Fprintf(stdout, "gencorpus %s (build %s, commit %s)\n", info.Version, info.Build, info.Commit)
		return 0
	}
	if opt.queries != "" {
		qs, err := synth.Queries(synth.Mix(opt.queries), opt.n, opt.spec.Seed)
		if err != nil {
			fmt.Fprintf(stderr, "gencorpus: --queries: %v\n", err)
			return 2
		}
		for _, q := range qs {
			fmt.Fprintln(stdout, synth.Escape(q))
		}
		return 0
	}
	if err := prepareOut(opt.out, opt.force); err != nil {
		fmt.Fprintf(stderr, "gencorpus: %v\n", err)
		return 1
	}
	start := time.Now()
	written, err := synth.Generate(opt.out, opt.spec)
	if err != nil {
		fmt.Fprintf(stderr, "gencorpus: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "gencorpus: wrote %d documents, %.1f MB into %s in %s\n", opt.spec.Docs, float64(written)/1e6, opt.out, time.Since(start).Round(time.Millisecond))
	return 0
}

// parse reads and checks every flag; on --help it writes the usage to stdout.
func parse(args []string, stdout io.Writer) (options, error) {
	opt := options{spec: synth.FullScale}
	fs := flag.NewFlagSet("gencorpus", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; the usage is printed on --help only
	fs.IntVar(&opt.spec.Docs, "docs", opt.spec.Docs, "number of documents, at least 1")
	size := fs.String("bytes", "800MB", "total size: a number of bytes with an optional kB, MB or GB suffix, at least one byte a document")
	fs.Uint64Var(&opt.spec.Seed, "seed", opt.spec.Seed, "random seed: the same flags write the same bytes")
	fs.StringVar(&opt.out, "out", "", "directory to write the corpus into; it must be empty or missing")
	fs.BoolVar(&opt.force, "force", false, "with --out, first delete the documents of a corpus already in the directory")
	fs.StringVar(&opt.queries, "queries", "", "instead of a corpus, print URL-escaped queries of this mix: rare, common or mixed")
	fs.IntVar(&opt.n, "n", 1000, "with --queries, how many, at least 1")
	fs.BoolVar(&opt.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return opt, err
	}
	if opt.version {
		return opt, nil
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0)))
	}
	if opt.queries != "" {
		for _, name := range []string{"out", "force", "docs", "bytes"} {
			if set[name] {
				errs = append(errs, fmt.Errorf("--%s does not apply to --queries, which prints queries and writes no corpus", name))
			}
		}
		if opt.n < 1 {
			errs = append(errs, fmt.Errorf("--n must be at least 1, got %d", opt.n))
		}
		return opt, errors.Join(errs...)
	}
	if set["n"] {
		errs = append(errs, errors.New("--n applies only to --queries"))
	}
	if opt.out == "" {
		errs = append(errs, errors.New("--out DIR is required (or --queries MIX)"))
	}
	if opt.spec.Docs < 1 {
		errs = append(errs, fmt.Errorf("--docs must be at least 1, got %d", opt.spec.Docs))
	}
	b, err := parseBytes(*size)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("--bytes: %w", err))
	case opt.spec.Docs >= 1 && b < int64(opt.spec.Docs):
		errs = append(errs, fmt.Errorf("--bytes %s is less than one byte for each of the %d documents", *size, opt.spec.Docs))
	}
	opt.spec.Bytes = b
	return opt, errors.Join(errs...)
}

// prepareOut makes sure dir holds no corpus before one is written into it:
// a new corpus beside an old one would mix the two. With force, the old
// corpus's documents are deleted; anything that is not a document is never
// deleted, so that a mistyped --out cannot empty a folder of other files.
func prepareOut(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if !force {
		return fmt.Errorf("--out %s is not empty (%d entries, such as %s): choose an empty directory, or pass --force to replace the corpus in it", dir, len(entries), entries[0].Name())
	}
	for _, e := range entries {
		if _, ok := corpus.ID(e.Name()); !ok || !e.Type().IsRegular() {
			return fmt.Errorf("--out %s holds %s, which is not a corpus document: --force deletes only documents, remove it yourself if you mean to", dir, e.Name())
		}
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("--force: %w", err)
		}
	}
	return nil
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
	if err != nil || v <= 0 || v*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("%q is not a positive size (at most 1 PB)", s)
	}
	return int64(v * float64(mult)), nil
}
