package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// WebUser is someone who may sign in to the dashboard. The store keeps the password hash it
// is given and never sees a password: internal/web hashes and checks.
type WebUser struct {
	Email        string    `json:"email"` // lowercased
	Role         string    `json:"role"`  // admin | marketing | csm
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// WebSession is a signed-in browser: the hash of its cookie's token, whose it is, and the
// secret its CSRF tokens are derived from.
type WebSession struct {
	TokenHash  string
	Email      string
	Role       string // the user's role now, read with the session
	CSRFSecret string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// ErrUserExists is returned when adding a user whose email is already taken.
var ErrUserExists = errors.New("a user with this email already exists")

// AddWebUser stores a new user (the email lowercased), or ErrUserExists.
func (s *Store) AddWebUser(ctx context.Context, u WebUser) (WebUser, error) {
	u.Email = normEmail(u.Email)
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		u.CreatedAt = now
		res, err := tx.ExecContext(ctx, s.q("InsertWebUser"), u.Email, u.Role, u.PasswordHash, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrUserExists
		}
		return nil
	})
	if err != nil {
		return u, fmt.Errorf("add user %s: %w", u.Email, err)
	}
	return u, nil
}

func scanWebUser(r rowScanner) (WebUser, error) {
	var u WebUser
	err := r.Scan(&u.Email, &u.Role, &u.PasswordHash, &u.CreatedAt)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// WebUser reads one user by email (any case), or ErrNotFound.
func (s *Store) WebUser(ctx context.Context, email string) (WebUser, error) {
	u, err := scanWebUser(s.db.QueryRowContext(ctx, s.q("WebUser"), normEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %s: %w", normEmail(email), ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// WebUsers lists every user by email.
func (s *Store) WebUsers(ctx context.Context) ([]WebUser, error) {
	out, err := collect(ctx, s.db, scanWebUser, s.q("WebUsers"))
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// RemoveWebUser deletes a user and signs out every browser of theirs, or ErrNotFound.
func (s *Store) RemoveWebUser(ctx context.Context, email string) error {
	email = normEmail(email)
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		// Sessions first: SQLite enforces the cascade only with foreign keys on, which a
		// file opened by another tool may not have.
		if _, err := tx.ExecContext(ctx, s.q("DeleteUserSessions"), email); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("DeleteWebUser"), email)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove user %s: %w", email, err)
	}
	return nil
}

// CreateWebSession stores a new session begun at now (the web's clock, which also judges
// expiry) and deletes the sessions expired by then.
func (s *Store) CreateWebSession(ctx context.Context, ws WebSession, now time.Time) error {
	ws.Email = normEmail(ws.Email)
	now = now.UTC()
	err := s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		if _, err := tx.ExecContext(ctx, s.q("DeleteExpiredSessions"), now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("InsertWebSession"), ws.TokenHash, ws.Email, ws.CSRFSecret, now, ws.ExpiresAt.UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("create session for %s: %w", ws.Email, err)
	}
	return nil
}

// WebSessionOf reads the session whose token hashes to tokenHash if it is still valid at
// now, with its user's current role; ErrNotFound otherwise (unknown, expired, user removed).
func (s *Store) WebSessionOf(ctx context.Context, tokenHash string, now time.Time) (WebSession, error) {
	var ws WebSession
	err := s.db.QueryRowContext(ctx, s.q("WebSession"), tokenHash, now.UTC()).
		Scan(&ws.TokenHash, &ws.Email, &ws.Role, &ws.CSRFSecret, &ws.CreatedAt, &ws.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return ws, ErrNotFound
	}
	if err != nil {
		return ws, fmt.Errorf("read session: %w", err)
	}
	ws.CreatedAt, ws.ExpiresAt = ws.CreatedAt.UTC(), ws.ExpiresAt.UTC()
	return ws, nil
}

// DeleteWebSession signs a browser out; an unknown token is not an error.
func (s *Store) DeleteWebSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.ExecContext(ctx, s.q("DeleteWebSession"), tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// RecordLoginFailure remembers a failed sign-in from remote for email at, and forgets the
// failures at or before prune (older than any rate-limit window).
func (s *Store) RecordLoginFailure(ctx context.Context, remote, email string, at, prune time.Time) error {
	err := s.withTx(ctx, func(tx *sqlx.Tx, _ time.Time) error {
		if _, err := tx.ExecContext(ctx, s.q("PruneLoginFailures"), prune.UTC()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("InsertLoginFailure"), remote, normEmail(email), at.UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

// LoginFailures counts the failed sign-ins after since from remote and for email.
func (s *Store) LoginFailures(ctx context.Context, remote, email string, since time.Time) (byRemote, byEmail int, err error) {
	if err = s.db.GetContext(ctx, &byRemote, s.q("LoginFailuresOfRemote"), remote, since.UTC()); err == nil {
		err = s.db.GetContext(ctx, &byEmail, s.q("LoginFailuresOfEmail"), normEmail(email), since.UTC())
	}
	if err != nil {
		return 0, 0, fmt.Errorf("count login failures: %w", err)
	}
	return byRemote, byEmail, nil
}

// ClearLoginFailures forgets an account's failures after it signed in.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	if _, err := s.db.ExecContext(ctx, s.q("ClearLoginFailures"), normEmail(email)); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}
