package config

// The configuration reference and the editors' JSON Schema are generated from this package's
// types and doc comments (internal/config/configdoc); its test fails when they are stale.
//go:generate go run ./configdoc/gen -root ../..
