package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/pressly/goose/v3/lock"
)

// lockerForPostgres serialises migrations across replicas starting at once.
func lockerForPostgres() (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker()
}

// lockKey maps a job name to the 64-bit key Postgres advisory locks take. The prefix keeps
// Advocate's keys apart from other applications sharing the database.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("advocate:" + name))
	return int64(h.Sum64())
}

// processLocks stands in for advisory locks on SQLite, whose deployments are one process.
var processLocks = struct {
	sync.Mutex
	held map[string]bool
}{held: map[string]bool{}}

// TryLock takes the cluster-wide lock called name without waiting. On Postgres it is a session
// advisory lock held on a dedicated connection, so every replica sharing the database sees it,
// and it is released if the process dies. ok is false when someone else holds it.
func (s *Store) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	if s.dialect != Postgres {
		key := s.path + "\x00" + name
		processLocks.Lock()
		defer processLocks.Unlock()
		if processLocks.held[key] {
			return nil, false, nil
		}
		processLocks.held[key] = true
		return func() {
			processLocks.Lock()
			delete(processLocks.held, key)
			processLocks.Unlock()
		}, true, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	k := lockKey(name)
	if err := conn.QueryRowContext(ctx, s.q("TryAdvisoryLock"), k).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		// A fresh context: releasing must happen even when the job's context was cancelled.
		conn.ExecContext(context.Background(), s.q("AdvisoryUnlock"), k)
		conn.Close()
	}, true, nil
}
