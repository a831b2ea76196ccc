package config

import (
	_ "embed"
	"slices"
)

//go:embed starter.yaml
var starter []byte

// Starter returns the commented advocate.yaml that `advocate init` writes. It parses as is with
// an empty environment; connectors that need tokens are shown commented out.
func Starter() []byte { return slices.Clone(starter) }
