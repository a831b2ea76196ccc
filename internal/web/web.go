// Package web is Advocate's dashboard: server-rendered pages (html/template, embedded assets,
// no JavaScript build step) mounted by `advocate serve`. Every page but /login asks for a
// signed-in user (auth.go); state-changing requests carry a CSRF token. Pages read through the
// store and the domain packages (decide, program, scoring); none re-derives a business rule.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/decide"
	"github.com/advocate-hq/advocate/internal/store"
)

// Server holds what the pages need. Make one per `serve` (or per test) and mount Handler.
type Server struct {
	Store *store.Store
	Log   *slog.Logger
	Now   func() time.Time
	// Config returns the config in force (serve reloads it on SIGHUP).
	Config func() *config.Config
	// Decide is the one decide path (a web approve also updates the Slack message).
	Decide *decide.Service
	// Drip resumes paused enrollments (the path of `advocate drip resume`); nil hides Resume.
	Drip Resumer
	// Location is where "this week" is taken; nil = UTC.
	Location *time.Location
}

// Resumer resumes a customer's paused onboarding emails; *drip.Drip satisfies it.
type Resumer interface {
	Resume(ctx context.Context, customer string) (int, error)
}

// Handler routes the dashboard. Mount it at "/" behind the API routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.shellRoutes(mux) // auth.go: /login, /logout, /static/, /, /drip
	s.pageRoutes(mux)  // pages.go: /customers/{ref}, /connectors, /program, /model
	return mux
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
