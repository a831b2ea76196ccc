package server

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 document of the HTTP surface (every pattern in routes.go); the
// test keeps the two in step.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the document (for tools that want it without a running server).
func OpenAPI() []byte { return openAPI }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(openAPI)
}
