// Command benchtable reads `go test -bench` output on stdin, passes it through, and ends with
// the table of every performance target the benchmarks reported (internal/benchtable):
//
//	go test -run '^$' -bench . ./... | go run ./tools/benchtable
package main

import (
	"fmt"
	"os"

	"github.com/advocate-hq/advocate/internal/benchtable"
)

func main() {
	figs, err := benchtable.Collect(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	fmt.Println()
	fmt.Println("Performance targets (DESIGN.md), median of the runs:")
	if err := benchtable.WriteTable(os.Stdout, figs); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}
