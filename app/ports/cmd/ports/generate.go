package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/docker/go-units"

	"github.com/doc-search/gitops/app/ports/internal/gen"
)

// generate is `ports generate`: it writes a synthetic data file of any
// size, the same bytes for the same flags, for tests, benchmarks and
// clusters without a real file (the chart's init container).
func generate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ports generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "file to write (required)")
	size := fs.String("size", "16MiB", "size of the file: bytes, or with a binary unit (k, KiB, M, MiB, G, GiB)")
	keys := fs.Int("keys", 50_000, "distinct UN/LOCODEs; past them keys repeat and the last record wins")
	seed := fs.Uint64("seed", 1, "seed: the same flags write the same bytes")
	malformed := fs.Int("malformed-every", 0, "make every n-th record malformed (0: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	n, err := units.RAMInBytes(*size)
	if err != nil {
		return fmt.Errorf("--size %q: %w", *size, err)
	}
	// A file beside the target, renamed over it once complete: a failed run
	// leaves an existing file as it was, and a service watching the path
	// never reads half a file.
	f, err := os.CreateTemp(filepath.Dir(*out), filepath.Base(*out)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename, a no-op
	st, err := gen.Write(f, gen.Options{Size: int64(n), Keys: *keys, Seed: *seed, MalformedEvery: *malformed})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), *out)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "%s: %d records (%d malformed), %d bytes\n", *out, st.Records, st.Malformed, st.Bytes)
	return nil
}
