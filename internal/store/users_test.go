package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

func TestWebUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return t0 }
		if _, err := s.AddWebUser(ctx, store.WebUser{Email: " Maya@Vendor.io ", Role: "csm", PasswordHash: "h1"}); err != nil {
			t.Fatal(err)
		}
		// Emails are unique whatever their case; the first user is kept intact.
		if _, err := s.AddWebUser(ctx, store.WebUser{Email: "MAYA@vendor.io", Role: "admin", PasswordHash: "h2"}); !errors.Is(err, store.ErrUserExists) {
			t.Fatalf("second add: %v, want ErrUserExists", err)
		}
		u, err := s.WebUser(ctx, "maya@VENDOR.io")
		if err != nil || u.Email != "maya@vendor.io" || u.Role != "csm" || u.PasswordHash != "h1" || !u.CreatedAt.Equal(t0) {
			t.Fatalf("user = %+v, %v", u, err)
		}
		if _, err := s.AddWebUser(ctx, store.WebUser{Email: "ann@vendor.io", Role: "admin", PasswordHash: "h3"}); err != nil {
			t.Fatal(err)
		}
		us, err := s.WebUsers(ctx)
		if err != nil || len(us) != 2 || us[0].Email != "ann@vendor.io" {
			t.Fatalf("users = %+v, %v", us, err)
		}

		// Sessions: valid until they expire; removing the user signs them out.
		if err := s.CreateWebSession(ctx, store.WebSession{TokenHash: "tok", Email: "maya@vendor.io", CSRFSecret: "sec", ExpiresAt: t0.Add(time.Hour)}, t0); err != nil {
			t.Fatal(err)
		}
		ws, err := s.WebSessionOf(ctx, "tok", t0.Add(time.Minute))
		if err != nil || ws.Email != "maya@vendor.io" || ws.Role != "csm" || ws.CSRFSecret != "sec" {
			t.Fatalf("session = %+v, %v", ws, err)
		}
		if _, err := s.WebSessionOf(ctx, "tok", t0.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired session: %v, want ErrNotFound", err)
		}
		if _, err := s.WebSessionOf(ctx, "other", t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown session: %v, want ErrNotFound", err)
		}
		if err := s.RemoveWebUser(ctx, "MAYA@vendor.io"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionOf(ctx, "tok", t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session of removed user: %v, want ErrNotFound", err)
		}
		if err := s.RemoveWebUser(ctx, "maya@vendor.io"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("remove twice: %v, want ErrNotFound", err)
		}

		// Logout.
		if err := s.CreateWebSession(ctx, store.WebSession{TokenHash: "t2", Email: "ann@vendor.io", CSRFSecret: "s", ExpiresAt: t0.Add(time.Hour)}, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteWebSession(ctx, "t2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionOf(ctx, "t2", t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after logout: %v", err)
		}
	})
}

func TestLoginFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		for i, f := range []struct{ remote, email string }{
			{"10.0.0.1", "a@x.io"}, {"10.0.0.1", "b@x.io"}, {"10.0.0.2", "A@x.io"},
		} {
			at := t0.Add(time.Duration(i) * time.Minute)
			if err := s.RecordLoginFailure(ctx, f.remote, f.email, at, at.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name          string
			remote, email string
			since         time.Time
			wantR, wantE  int
		}{
			{"all", "10.0.0.1", "a@x.io", t0.Add(-time.Second), 2, 2},
			{"window", "10.0.0.1", "a@x.io", t0, 1, 1},
			{"other", "10.0.0.3", "c@x.io", t0.Add(-time.Second), 0, 0},
		}
		for _, c := range cases {
			r, e, err := s.LoginFailures(ctx, c.remote, c.email, c.since)
			if err != nil || r != c.wantR || e != c.wantE {
				t.Errorf("%s: remote %d email %d (%v), want %d %d", c.name, r, e, err, c.wantR, c.wantE)
			}
		}
		if err := s.ClearLoginFailures(ctx, "a@X.io"); err != nil {
			t.Fatal(err)
		}
		if _, e, _ := s.LoginFailures(ctx, "x", "a@x.io", t0.Add(-time.Second)); e != 0 {
			t.Errorf("after clear: %d failures for a@x.io", e)
		}
		// A failure far later prunes the old ones.
		late := t0.Add(48 * time.Hour)
		if err := s.RecordLoginFailure(ctx, "10.0.0.1", "z@x.io", late, late.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if r, _, _ := s.LoginFailures(ctx, "10.0.0.1", "", time.Time{}.Add(time.Hour)); r != 1 {
			t.Errorf("after prune: %d failures from 10.0.0.1, want 1", r)
		}
	})
}
