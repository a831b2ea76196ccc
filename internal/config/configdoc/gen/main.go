// Command gen writes docs/config.md and docs/advocate.schema.json (run by
// `go generate ./internal/config`).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/advocate-hq/advocate/internal/config/configdoc"
)

func main() {
	root := flag.String("root", ".", "the module's directory")
	flag.Parse()
	r, err := configdoc.Build(*root)
	if err == nil {
		err = r.Write(*root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
}
