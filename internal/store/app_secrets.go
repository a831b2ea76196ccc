package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// AppSecret returns the secret called name, creating it with generate on first use. Every
// replica sharing the database gets the same value. The value is never logged.
func (s *Store) AppSecret(ctx context.Context, name string, generate func() (string, error)) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.q("AppSecret"), name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read secret %s: %w", name, err)
	}
	fresh, err := generate()
	if err != nil {
		return "", fmt.Errorf("generate secret %s: %w", name, err)
	}
	err = s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, s.q("InsertAppSecret"), name, fresh, now); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q("AppSecret"), name).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("store secret %s: %w", name, err)
	}
	return v, nil
}
