package web

import "net/http"

// pageRoutes mounts the read pages: Customer, Sources, Program and Model.
// SKELETON: replaced by the pages helper.
func (s *Server) pageRoutes(mux *http.ServeMux) {}
