package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"time"

	"github.com/advocate-hq/advocate/internal/config"
)

// pageRoutes mounts the read pages: Customer, Sources, Program and Model.
func (s *Server) pageRoutes(mux *http.ServeMux) {
	mux.Handle("GET /customers", s.guard("", s.customerSearch))
	mux.Handle("GET /customers/{ref}", s.guard("", s.customerPage))
	mux.Handle("GET /connectors", s.guard("", s.connectorsPage))
	mux.Handle("GET /program", s.guard("", s.programPage))
	mux.Handle("GET /model", s.guard("", s.modelPage))
	// Previewing a model is marketing's (and admin's) job; it writes nothing.
	mux.Handle("POST /model", s.guard(RoleMarketing, s.modelPreview))
}

// pageConfig returns the config in force; the defaults when the server was built without one.
func (s *Server) pageConfig() *config.Config {
	if s.Config != nil {
		if c := s.Config(); c != nil {
			return c
		}
	}
	return config.Default()
}

// customerNotFound renders the 404 page of an unknown customer, with a sentence saying what
// was not found and a search box.
func (s *Server) customerNotFound(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusNotFound, "customer_missing", view{Title: "Customer not found", Nav: "customers", Page: msg})
}

// pageError logs err and answers a 500 that tells the user where to look.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log().Error("web: "+what, "path", r.URL.Path, "err", err)
	http.Error(w, what+" failed; see the server log", http.StatusInternalServerError)
}

// The read pages' template helpers. funcs is shared by every page file: a name taken twice
// would silently change another page's output, so it panics at start instead.
func init() {
	add := func(name string, fn any) {
		if _, taken := funcs[name]; taken {
			panic("web: template func " + name + " defined twice")
		}
		funcs[name] = fn
	}
	add("num", func(v float64) string { return formatNumber(v) })
	add("signed", func(v float64) string { return fmt.Sprintf("%+.1f", v) })
	add("pct", func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) })
	add("when", func(t any) string {
		switch t := t.(type) {
		case time.Time:
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if t == nil || t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		}
		return "—"
	})
	add("svg", func(c Chart) template.HTML { return c.SVG() })
}

// formatNumber prints whole numbers without decimals and others with one or two.
func formatNumber(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
