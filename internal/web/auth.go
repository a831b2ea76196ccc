package web

import (
	"context"
	"net/http"
)

// Role is what a user may do: csm decides, marketing edits the model preview, admin all.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleMarketing Role = "marketing"
	RoleCSM       Role = "csm"
)

// User is the signed-in dashboard user.
type User struct {
	Email string
	Role  Role
}

type userKey struct{}

// userFrom returns the signed-in user the guard put on the request's context.
func userFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// guard serves h only to a signed-in user whose role may do it; "" = any role.
// SKELETON: the auth helper replaces this with sessions, roles and CSRF checks.
func (s *Server) guard(role Role, h http.HandlerFunc) http.Handler {
	return h
}

// csrfToken returns the token state-changing forms must post as csrf_token.
// SKELETON: replaced by the auth helper.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string { return "" }

// shellRoutes mounts login/logout, static assets, This week (/) and Drip (/drip).
// SKELETON: replaced by the auth helper.
func (s *Server) shellRoutes(mux *http.ServeMux) {}
