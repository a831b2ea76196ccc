package scheduler

import (
	"context"
	"sync"
	"time"
)

// memStore keeps schedules and locks in this process, for a scheduler without a store.
type memStore struct {
	mu    sync.Mutex
	next  map[string]time.Time
	spec  map[string]string
	locks map[string]bool
}

func newMemStore() *memStore {
	return &memStore{next: map[string]time.Time{}, spec: map[string]string{}, locks: map[string]bool{}}
}

func (m *memStore) EnsureSchedule(_ context.Context, name, spec string, next time.Time) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.spec[name] != spec {
		m.spec[name], m.next[name] = spec, next
	}
	return m.next[name], nil
}

func (m *memStore) ClaimScheduledRun(_ context.Context, name string, now, next time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.next[name].After(now) {
		return false, nil
	}
	m.next[name] = next
	return true, nil
}

func (m *memStore) NextScheduledRun(_ context.Context, name string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.next[name], nil
}

func (m *memStore) TryLock(_ context.Context, name string) (func(), bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locks[name] {
		return nil, false, nil
	}
	m.locks[name] = true
	return func() {
		m.mu.Lock()
		delete(m.locks, name)
		m.mu.Unlock()
	}, true, nil
}
