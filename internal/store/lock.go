package store

import (
	"github.com/pressly/goose/v3/lock"
)

// lockerForPostgres serialises migrations across replicas starting at once.
func lockerForPostgres() (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker()
}
