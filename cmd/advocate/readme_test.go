package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/examples"
)

// TestReadmeUsingIt runs README.md's "Using it" block line by line, as a newcomer would type
// it in a fresh clone: init, copy the sample data, sync, score, shortlist, explain, approve,
// export, status. Every line must succeed and the shortlist must name somebody.
func TestReadmeUsingIt(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## Using it.*?```sh\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no ```sh block under \"## Using it\"")
	}
	t.Chdir(t.TempDir())
	// The sample data's clock: a few weeks after its snapshot, as on the day this was written.
	now := examples.AsOf.Add(17 * 24 * time.Hour)
	ran := 0
	for _, line := range strings.Split(string(block[1]), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "go build"):
			continue // the test runs the commands in-process
		case line == "mkdir -p data && cp examples/*.csv data/":
			if err := examples.WriteFiles("data"); err != nil {
				t.Fatal(err)
			}
			continue
		case !strings.HasPrefix(line, "./advocate "):
			t.Fatalf("README line %q is neither ./advocate nor a step this test knows how to run", line)
		}
		args := strings.Fields(strings.TrimPrefix(line, "./advocate "))
		r := advocateAt(t, now, args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", line, r.code, r.stdout, r.stderr)
		}
		if args[0] == "shortlist" && !strings.Contains(r.stdout, "vantagesystems.com") {
			t.Errorf("the shortlist does not list vantagesystems.com, which the README goes on to approve:\n%s", r.stdout)
		}
		ran++
	}
	if ran < 8 {
		t.Errorf("ran %d advocate commands from the README, want at least 8", ran)
	}
}
