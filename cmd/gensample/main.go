// Command gensample rewrites the bundled demo data (examples/*.csv) from internal/sampledata.
// It runs from `go generate ./examples`; the output is deterministic, and a test in examples/
// fails if the checked-in files differ from it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/advocate-hq/advocate/internal/sampledata"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gensample:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gensample", flag.ContinueOnError)
	dir := fs.String("dir", ".", "directory to write customers.csv, contacts.csv and nps.csv to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := sampledata.Demo().Files()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		path := filepath.Join(*dir, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}
