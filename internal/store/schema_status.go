package store

import (
	"context"
	"database/sql"
	"fmt"
)

// SchemaStatus reports the newest migration applied to the database and the newest one this
// binary embeds, without changing anything (`advocate doctor`). applied is 0 for a database
// never migrated; applied > latest means a newer binary migrated it.
func (s *Store) SchemaStatus(ctx context.Context) (applied, latest int64, err error) {
	latest = latestMigration(s.dialect)
	var have sql.NullInt64
	var exists bool
	if s.dialect == Postgres {
		err = s.db.GetContext(ctx, &exists, `SELECT to_regclass('goose_db_version') IS NOT NULL`)
	} else {
		err = s.db.GetContext(ctx, &exists, `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`)
	}
	if err != nil {
		return 0, latest, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, latest, nil
	}
	if err := s.db.GetContext(ctx, &have, `SELECT MAX(version_id) FROM goose_db_version`); err != nil {
		return 0, latest, fmt.Errorf("read schema version: %w", err)
	}
	return have.Int64, latest, nil
}
